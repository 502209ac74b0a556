import assert from "node:assert/strict";
import { STATUS_PLATFORMS, DEFAULT_STATUS_MAPS } from "../../../server/domain/connectors/statusMaps.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../helpers/testServer.js";

const body = (name: string, over: Record<string, unknown> = {}) => ({
  kind: "shopify",
  name,
  config: { shopUrl: "https://example.myshopify.com" },
  credentials: { accessToken: "shpat_route_test", webhookSecret: "whsec_route_test" },
  ...over,
});

/** The connector admin routes: validation naming the field, admin-only writes, no credentials out, the sensitive log. */
describeEachDatabase("connector routes", ({ db }) => {
  let t: TestServer;
  before(async function () {
    t = await startTestServer(db());
  });
  after(async function () {
    await t?.close();
  });

  it("creates, lists, reads, changes, pauses and resumes a connector as admin; the defaults fill in and credentials never come back", async function () {
    const created = await t.call("POST", "/api/connectors", { body: body("store-a") });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const c = created.body;
    assert.equal(c.schedule, "*/15 * * * *");
    assert.deepEqual(c.config, { shopUrl: "https://example.myshopify.com", apiVersion: "2025-01", pageSize: 100, timeoutMs: 15000 });
    assert.equal(c.credentials, "stored");
    assert.equal(c.webhookPath, `/hooks/${c.id}`);
    assert.equal((await t.call("GET", "/api/connectors")).body.connectors.length, 1);
    assert.equal((await t.call("GET", `/api/connectors/${c.id}`)).body.name, "store-a");

    const patched = await t.call("PATCH", `/api/connectors/${c.id}`, { body: { schedule: "0 * * * *", config: { pageSize: 50 } } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.schedule, "0 * * * *");
    assert.equal(patched.body.config.pageSize, 50);
    assert.equal(patched.body.config.shopUrl, "https://example.myshopify.com", "other settings kept");

    const paused = await t.call("POST", `/api/connectors/${c.id}/pause`);
    assert.equal(paused.body.paused, true);
    const run = await t.call("POST", `/api/connectors/${c.id}/run`);
    assert.deepEqual([run.status, run.body.started], [200, false]);
    assert.match(run.body.reason, /paused/);
    const health = await t.call("GET", `/api/connectors/${c.id}/health`);
    assert.equal(health.body.nextRunAt, null, "a paused connector has no next run");
    assert.equal((await t.call("POST", `/api/connectors/${c.id}/resume`)).body.paused, false);
    const resumed = await t.call("GET", `/api/connectors/${c.id}/health`);
    assert.ok(resumed.body.nextRunAt);
    assert.deepEqual(resumed.body.counts, { pulled: 0, mapped: 0, filtered: 0, unmapped: 0, dead: 0 });

    const log = await t.call("GET", "/api/access/log?action=connector.change");
    assert.equal(log.status, 200, JSON.stringify(log.body));
    const changes = log.body.entries.map((e: any) => e.detail.change);
    assert.deepEqual(changes.sort(), ["create", "pause", "resume", "update"]);
    assert.ok(!JSON.stringify(log.body).includes("shpat_route_test"));
  });

  it("refuses bad input naming the field, a taken name with 409, and an unknown connector with 404", async function () {
    const cases: [unknown, RegExp][] = [
      [body("x", { schedule: "every minute" }), /schedule: must be a five-field cron expression/],
      [body("x", { schedule: "99 * * * *" }), /schedule: "99 \* \* \* \*" is not a valid five-field cron expression/],
      [body("x", { config: { shopUrl: "ftp://nope" } }), /config\.shopUrl: must be the store's base URL/],
      [body("x", { config: { shopUrl: "https://a.myshopify.com", pageSize: 251 } }), /config\.pageSize: must be at most 250/],
      [body("x", { credentials: { accessToken: "" , webhookSecret: "s" } }), /credentials\.accessToken: must not be empty/],
      [body("x", { kind: "taobao" }), /kind/],
    ];
    for (const [b, re] of cases) {
      const res = await t.call("POST", "/api/connectors", { body: b });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.error.message, re);
    }
    await t.call("POST", "/api/connectors", { body: body("store-dup") });
    const dup = await t.call("POST", "/api/connectors", { body: body("store-dup") });
    assert.equal(dup.status, 409);
    const id = (await t.call("GET", "/api/connectors")).body.connectors.find((c: any) => c.name === "store-dup").id;
    const badPatch = await t.call("PATCH", `/api/connectors/${id}`, { body: { config: { pageSize: 0 } } });
    assert.equal(badPatch.status, 400);
    assert.match(badPatch.body.error.message, /config\.pageSize/);
    const badCreds = await t.call("PATCH", `/api/connectors/${id}`, { body: { credentials: { accessToken: "only" } } });
    assert.match(badCreds.body.error.message, /credentials\.webhookSecret/);
    assert.equal((await t.call("PATCH", `/api/connectors/${id}`, { body: { name: "store-a" } })).status, 409);
    const missing = "00000000-0000-4000-8000-000000000000";
    for (const [m, p] of [["GET", ""], ["GET", "/health"], ["POST", "/run"], ["POST", "/pause"]] as const) {
      assert.equal((await t.call(m, `/api/connectors/${missing}${p}`)).status, 404, p);
    }
    assert.equal((await t.call("GET", "/api/connectors/not-an-id")).status, 400);
  });

  it("lets only admins change connectors; supervisors and auditors read them, other workspaces see none", async function () {
    const sup = await t.token("sup.zhang", "supervisor");
    const aud = await t.token("aud.qian", "auditor");
    const cs = await t.token("cs.zhao", "customer_service");
    assert.equal((await t.call("POST", "/api/connectors", { token: sup, body: body("sup-made") })).status, 403);
    const id = (await t.call("GET", "/api/connectors", { token: sup })).body.connectors[0].id;
    assert.equal((await t.call("GET", `/api/connectors/${id}/health`, { token: aud })).status, 200);
    assert.equal((await t.call("PATCH", `/api/connectors/${id}`, { token: sup, body: { paused: true } })).status, 403);
    assert.equal((await t.call("POST", `/api/connectors/${id}/run`, { token: sup })).status, 403);
    assert.equal((await t.call("GET", "/api/connectors", { token: cs })).status, 403);
    const other = await t.token("admin.other", "admin", "other-ws");
    assert.equal((await t.call("GET", "/api/connectors", { token: other })).body.connectors.length, 0);
    assert.equal((await t.call("GET", `/api/connectors/${id}`, { token: other })).status, 404);
  });

  it("ships a status table for every platform in DOMAIN.md and lets a supervisor override entries per workspace", async function () {
    for (const p of STATUS_PLATFORMS) {
      const res = await t.call("GET", `/api/connector-status-maps/${p}`);
      assert.equal(res.status, 200);
      assert.equal(res.body.entries.length, DEFAULT_STATUS_MAPS[p].length, p);
    }
    const shopify = (await t.call("GET", "/api/connector-status-maps/shopify")).body.entries;
    assert.deepEqual(shopify.find((e: any) => e.value === "PAID"), { field: "financial", value: "PAID", event: "payment.confirmed", custom: false });
    const sup = await t.token("sup.li", "supervisor");
    const put = await t.call("PUT", "/api/connector-status-maps/taobao", { token: sup, body: { entries: [{ field: "status", value: "TRADE_FINISHED", event: "none" }] } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.deepEqual(put.body.entries.find((e: any) => e.value === "TRADE_FINISHED"), { field: "status", value: "TRADE_FINISHED", event: "none", custom: true });
    const bad = await t.call("PUT", "/api/connector-status-maps/taobao", { token: sup, body: { entries: [{ field: "status", value: "X", event: "order.teleported" }] } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /event must be one of/);
    assert.equal((await t.call("GET", "/api/connector-status-maps/amazon")).status, 400);
  });
});

describeEachDatabase("connectors without a secret key", ({ db, backend }) => {
  let t: TestServer;
  before(async function () {
    // A server given no ORDERSHEET_SECRET_KEY: on PostgreSQL every instance must share one, so none is invented.
    t = await startTestServer(db(), { secretKey: undefined });
  });
  after(async function () {
    await t?.close();
  });

  it("on PostgreSQL refuses to store credentials with 409 naming the variable to set; the embedded database has a key of its own", async function () {
    const res = await t.call("POST", "/api/connectors", { body: body("no-key") });
    if (backend === "postgres") {
      assert.equal(res.status, 409, JSON.stringify(res.body));
      assert.match(res.body.error.message, /ORDERSHEET_SECRET_KEY/);
    } else {
      assert.equal(res.status, 200, JSON.stringify(res.body));
    }
  });
});
