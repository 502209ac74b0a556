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
import { cronCalendar, Scheduler, SCHEDULES, type CronDriver } from "../../../server/jobs/scheduler.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { ShopifyProtocolServer, shopOrder } from "./shopify/shopifyProtocolServer.js";

/** A cron driver that never fires by itself: the test ticks. */
const manualCron: CronDriver = { validate: () => true, schedule: () => ({ stop() {} }) };

/**
 * Connector pulls on schedules, with two server instances (two schedulers, two services,
 * their own slot-claim names) on one database: each scheduled pull runs once; a pull run on
 * both at the same moment still writes every page once (the cursor is compared-and-set in
 * the page's transaction).
 */
describeEachDatabase("connector schedules across server instances", ({ db }) => {
  let shop: ShopifyProtocolServer;
  const key = crypto.randomBytes(32);
  const logger = pino({ level: "silent" });

  function instance(name: string, at: Date) {
    const knex = db().knex;
    const service = new ConnectorService({
      store: new KnexConnectorStore(knex, new LocalChangeSignal()),
      box: new CredentialBox(key),
      connectors: [new ShopifyConnector()],
      cron: cronCalendar,
      logger,
      now: () => at,
      http: { baseDelayMs: 1, sleep: async () => {} },
    });
    const slots = new KnexJobSlots(knex, name);
    const scheduler = new Scheduler({
      logger,
      now: () => at,
      cron: manualCron,
      jobs: [{ name: "connectors", ...SCHEDULES.connectors, run: (now, slot) => service.runScheduled(now, slot, (ws, job, s) => slots.claim(ws, job, s)) }],
    });
    return { service, scheduler };
  }

  before(async function () {
    shop = new ShopifyProtocolServer();
    await shop.start();
    await new KnexWorkspaceStore(db().knex, () => new Date()).createWorkspace({ id: "sched", name: "sched", workflow: standardWorkflow });
  });
  after(async function () {
    await shop?.stop();
  });

  let seq = 0;
  async function addConnector(service: ConnectorService, schedule?: string): Promise<string> {
    seq += 1;
    const view = await service.create(
      { workspaceId: "sched", user: "admin" },
      {
        kind: "shopify",
        name: `sched-${seq}`,
        paused: false,
        ...(schedule ? { schedule } : {}),
        config: { shopUrl: shop.url, apiVersion: "2025-01", pageSize: 2, timeoutMs: 2000, initialSince: "2026-11-30T00:00:00Z" },
        credentials: { accessToken: shop.accessToken, webhookSecret: "s" },
      },
    );
    return view.id;
  }

  const count = async (table: string, where: Record<string, unknown>) => Number((await db().knex(table).where(where).count<{ c: number }[]>("* as c"))[0].c);

  it("runs a scheduled pull once per slot when two server instances tick the same minute; off-schedule minutes run nothing", async function () {
    const at = new Date("2026-12-02T10:15:20Z");
    const a = instance("server-a", at);
    const b = instance("server-b", at);
    shop.orders = Array.from({ length: 5 }, (_, i) => shopOrder(800 + i));
    shop.requests.length = 0;
    const id = await addConnector(a.service);
    assert.equal((await a.service.get("sched", id)).schedule, "*/15 * * * *", "Shopify's default: every 15 minutes");

    const [ra, rb] = await Promise.all([a.scheduler.tick("connectors"), b.scheduler.tick("connectors")]);
    assert.deepEqual([ra, rb], ["ran", "ran"]);
    assert.equal(shop.requests.length, 3, "one pull: 5 orders in pages of 2");
    assert.equal(await count("job_slots", { workspace_id: "sched", job: `connector:${id}` }), 1);
    assert.equal(await count("orders", { channel: "shopify", workspace_id: "sched" }), 5);
    assert.equal(await count("events_inbox", { source: `connector:${id}` }), 5);

    // 10:16 is not a quarter hour: nothing runs.
    shop.requests.length = 0;
    const later = instance("server-a", new Date("2026-12-02T10:16:05Z"));
    await later.scheduler.tick("connectors");
    assert.equal(shop.requests.length, 0);
    const health = await a.service.health("sched", id);
    assert.equal(health.nextRunAt, "2026-12-02T10:30:00.000Z");
    await a.scheduler.stop();
    await b.scheduler.stop();
  });

  it("skips a failing connector until its backoff ends", async function () {
    const at = new Date("2026-12-02T11:01:00Z");
    const a = instance("server-a", at);
    const id = await addConnector(a.service, "* * * * *");
    await db().knex("connector_instances").where({ id }).update({ retry_at: "2026-12-02T11:05:00Z", consecutive_failures: 3 });
    shop.requests.length = 0;
    await a.scheduler.tick("connectors");
    assert.equal(shop.requests.length, 0, "still backing off");
    const health = await a.service.health("sched", id);
    assert.equal(health.nextRunAt, "2026-12-02T11:05:00.000Z", "the next run is the first minute after the backoff");
    const after = instance("server-a", new Date("2026-12-02T11:06:00Z"));
    await after.scheduler.tick("connectors");
    assert.ok(shop.requests.length > 0, "runs once the backoff is over");
  });

  it("writes every page once when the same pull runs on two instances at the same moment (the cursor is compared and set in each page's transaction)", async function () {
    const at = new Date("2026-12-02T12:00:00Z");
    const a = instance("server-a", at);
    const b = instance("server-b", at);
    shop.orders = Array.from({ length: 6 }, (_, i) => shopOrder(900 + i, { updatedAt: new Date(Date.UTC(2026, 11, 1, 5, i)).toISOString() }));
    const id = await addConnector(a.service, "0 0 1 1 *");
    const record = (await new KnexConnectorStore(db().knex, new LocalChangeSignal()).get("sched", id))!;
    const [sa, sb] = await Promise.all([a.service.run(record), b.service.run(record)]);
    assert.ok([sa.outcome, sb.outcome].includes("moved"), `one of them found the cursor moved: ${sa.outcome} ${sb.outcome}`);
    assert.equal(await count("events_inbox", { source: `connector:${id}` }), 6);
    const pulled = (await a.service.health("sched", id)).counts.pulled;
    assert.equal(pulled, 6, "each page counted once");
    const created = Number((await db().knex("audit_log").where({ source: `connector:${id}`, action: "created" }).count<{ c: number }[]>("* as c"))[0].c);
    assert.equal(created, 6);
  });
});
