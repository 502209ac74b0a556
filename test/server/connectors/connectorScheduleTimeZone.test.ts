import assert from "node:assert/strict";
import crypto from "node:crypto";
import pino from "pino";
import { CredentialBox } from "../../../server/connectors/credentials.js";
import { ConnectorService } from "../../../server/connectors/sdk/ConnectorService.js";
import { ShopifyConnector } from "../../../server/connectors/shopify/ShopifyConnector.js";
import { LocalChangeSignal } from "../../../server/db/ChangeSignal.js";
import { KnexConnectorStore } from "../../../server/db/KnexConnectorStore.js";
import { KnexJobSlots } from "../../../server/db/KnexJobSlots.js";
import { KnexWorkspaceStore } from "../../../server/db/KnexWorkspaceStore.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { cronCalendar } from "../../../server/jobs/scheduler.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { ShopifyProtocolServer, shopOrder } from "./shopify/shopifyProtocolServer.js";

describe("cron calendar in a time zone", function () {
  it("reads an expression in the zone given: 9:00 in Shanghai is 01:00 UTC; UTC when no zone or an unknown one", function () {
    assert.equal(cronCalendar.matches("0 9 * * *", new Date("2026-12-02T01:00:30Z"), "Asia/Shanghai"), true);
    assert.equal(cronCalendar.matches("0 9 * * *", new Date("2026-12-02T09:00:00Z"), "Asia/Shanghai"), false);
    assert.equal(cronCalendar.matches("0 9 * * *", new Date("2026-12-02T09:00:00Z")), true);
    assert.equal(cronCalendar.matches("0 9 * * *", new Date("2026-12-02T09:00:00Z"), "Not/AZone"), true);
    assert.equal(cronCalendar.next("0 9 * * *", new Date("2026-12-02T02:00:00Z"), "Asia/Shanghai")?.toISOString(), "2026-12-03T01:00:00.000Z");
    // Daylight saving: 9:00 in New York is 14:00 UTC in winter, 13:00 in summer.
    assert.equal(cronCalendar.next("0 9 * * *", new Date("2026-12-02T00:00:00Z"), "America/New_York")?.toISOString(), "2026-12-02T14:00:00.000Z");
    assert.equal(cronCalendar.next("0 9 * * *", new Date("2026-07-02T00:00:00Z"), "America/New_York")?.toISOString(), "2026-07-02T13:00:00.000Z");
    // The day of week is the zone's: Monday 08:00 in Shanghai is Sunday 00:00 UTC.
    assert.equal(cronCalendar.matches("0 8 * * 1", new Date("2026-11-30T00:00:00Z"), "Asia/Shanghai"), true);
    assert.equal(cronCalendar.matches("0 8 * * 1", new Date("2026-11-30T00:00:00Z")), false);
  });
});

/** A connector's schedule fires at its workspace's wall-clock time, and its health's next run says so. */
describeEachDatabase("connector schedules in the workspace's time zone", ({ db }) => {
  let shop: ShopifyProtocolServer;
  const logger = pino({ level: "silent" });
  const key = crypto.randomBytes(32);

  before(async function () {
    shop = new ShopifyProtocolServer();
    await shop.start();
    const ws = new KnexWorkspaceStore(db().knex, () => new Date());
    await ws.createWorkspace({ id: "tz-sh", name: "tz-sh", timeZone: "Asia/Shanghai", workflow: standardWorkflow });
    await ws.createWorkspace({ id: "tz-utc", name: "tz-utc", timeZone: "UTC", workflow: standardWorkflow });
  });
  after(async function () {
    await shop?.stop();
  });

  const service = (at: Date) =>
    new ConnectorService({
      store: new KnexConnectorStore(db().knex, new LocalChangeSignal()),
      box: new CredentialBox(key),
      connectors: [new ShopifyConnector()],
      cron: cronCalendar,
      logger,
      now: () => at,
      http: { baseDelayMs: 1, sleep: async () => {} },
    });

  it("runs \"0 9 * * *\" at 09:00 Shanghai time (01:00 UTC) in a Shanghai workspace and at 09:00 UTC in a UTC one", async function () {
    shop.orders = [shopOrder(1)];
    const s = service(new Date("2026-12-02T00:00:00Z"));
    const make = async (workspaceId: string) =>
      (
        await s.create(
          { workspaceId, user: "admin" },
          {
            kind: "shopify",
            name: `daily-${workspaceId}`,
            paused: false,
            schedule: "0 9 * * *",
            config: { shopUrl: shop.url, apiVersion: "2025-01", pageSize: 5, timeoutMs: 2000, initialSince: "2026-11-30T00:00:00Z" },
            credentials: { accessToken: shop.accessToken, webhookSecret: "s" },
          },
        )
      ).id;
    const sh = await make("tz-sh");
    const utc = await make("tz-utc");
    assert.equal((await s.health("tz-sh", sh)).nextRunAt, "2026-12-02T01:00:00.000Z", "next run: 09:00 in Shanghai");
    assert.equal((await s.health("tz-utc", utc)).nextRunAt, "2026-12-02T09:00:00.000Z");

    const tick = async (iso: string) => {
      const at = new Date(iso);
      const slots = new KnexJobSlots(db().knex, "tz-test");
      shop.requests.length = 0;
      const ran = await service(at).runScheduled(at, new Date(Math.floor(at.getTime() / 60_000) * 60_000), (ws, job, slot) => slots.claim(ws, job, slot));
      return ran.ran;
    };
    assert.equal(await tick("2026-12-02T01:00:10Z"), 1, "01:00 UTC: only the Shanghai connector");
    const lastRun = async (id: string, ws: string) => (await s.health(ws, id)).lastRunAt;
    assert.equal(await lastRun(sh, "tz-sh"), "2026-12-02T01:00:10.000Z");
    assert.equal(await lastRun(utc, "tz-utc"), null);
    assert.equal(await tick("2026-12-02T09:00:10Z"), 1, "09:00 UTC: only the UTC connector");
    assert.equal(await lastRun(utc, "tz-utc"), "2026-12-02T09:00:10.000Z");
    assert.equal(await lastRun(sh, "tz-sh"), "2026-12-02T01:00:10.000Z", "the Shanghai one did not run again at 09:00 UTC");
  });
});
