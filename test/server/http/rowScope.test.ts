import assert from "node:assert/strict";
import { ApiClient } from "../../../addin/api/ApiClient.js";
import { enterScope } from "../../../server/db/access/rowScope.js";
import { LocalChangeSignal } from "../../../server/db/ChangeSignal.js";
import { KnexChangeFeed } from "../../../server/db/KnexChangeFeed.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

const SCOPE = { regions: ["华东"], warehouses: ["WH-SH"], channels: ["taobao"] };
const WS = "default";

describeEachDatabase("row scope on every order route", ({ db }) => {
  let t: TestServer;
  let scoped: string;
  /** In scope: 华东 / WH-SH / taobao. */
  let in1: string;
  let in2: string;
  /** Outside on one dimension each. */
  let outRegion: string;
  let outWarehouse: string;
  let outChannel: string;
  let inside: Set<string>;
  let outside: string[];

  const inScope = { channel: "taobao", region: "华东", warehouse: "WH-SH" };
  const version = async (id: string) => (await t.call("GET", `/api/orders/${id}`)).body.version as number;
  const post = (events: unknown[], token?: string) => t.call("POST", "/api/events", { body: { events }, token });

  before(async function () {
    t = await startTestServer(db(), { writeRateLimit: { perMinute: 0, burst: 0 } });
    const imported = await t.call("POST", "/api/orders", {
      body: {
        orders: [
          sampleOrder(101, inScope),
          sampleOrder(102, inScope),
          sampleOrder(103, { ...inScope, region: "华北" }),
          sampleOrder(104, { ...inScope, warehouse: "WH-BJ" }),
          sampleOrder(105, { ...inScope, channel: "tmall" }),
        ],
      },
    });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    [in1, in2, outRegion, outWarehouse, outChannel] = imported.body.results.map((r: { id: string }) => r.id);
    inside = new Set([in1, in2]);
    outside = [outRegion, outWarehouse, outChannel];
    scoped = await t.token("scoped.sup", "supervisor");
    const set = await t.call("PUT", "/api/users/scoped.sup/scope", { body: SCOPE });
    assert.equal(set.status, 200, JSON.stringify(set.body));
  });
  after(async () => {
    await t?.close();
  });

  describe("PUT /api/users/:name/scope", function () {
    it("is shown in GET /api/users, with null for an unrestricted dimension, and recorded as user.change in the sensitive-operation log", async function () {
      const users = (await t.call("GET", "/api/users")).body.users as { name: string; scope: unknown }[];
      assert.deepEqual(users.find((u) => u.name === "scoped.sup")?.scope, SCOPE);
      assert.deepEqual(users.find((u) => u.name === "admin")?.scope, { regions: null, warehouses: null, channels: null });
      const logged = await t.server.db.knex("sensitive_operations").where({ action: "user.change", target: "scoped.sup" }).select("detail", "actor");
      assert.equal(logged.length, 1);
      assert.deepEqual((typeof logged[0].detail === "string" ? JSON.parse(logged[0].detail) : logged[0].detail).scope, SCOPE);
    });

    it("reaches a token already cached within a second, and null lifts a dimension again", async function () {
      const token = await t.token("moving.sup", "supervisor");
      assert.equal((await t.call("GET", "/api/orders?limit=100", { token })).body.orders.length, 5); // cached, unrestricted
      assert.equal((await t.call("PUT", "/api/users/moving.sup/scope", { body: { regions: ["华北"] } })).status, 200);
      await new Promise((r) => setTimeout(r, 1000));
      assert.deepEqual((await t.call("GET", "/api/orders?limit=100", { token })).body.orders.map((o: { id: string }) => o.id), [outRegion]);
      const lifted = await t.call("PUT", "/api/users/moving.sup/scope", { body: { regions: null } });
      assert.deepEqual(lifted.body.scope, { regions: null, warehouses: null, channels: null });
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await t.call("GET", "/api/orders?limit=100", { token })).body.orders.length, 5);
    });

    it("is for admins only, names a bad field, and answers 404 for an unknown user, all in the error envelope", async function () {
      const forbidden = await t.call("PUT", "/api/users/scoped.sup/scope", { body: { regions: null }, token: scoped });
      assert.equal(forbidden.status, 403);
      const bad = await t.call("PUT", "/api/users/scoped.sup/scope", { body: { channels: ["Taobao"] } });
      assert.equal(bad.status, 400);
      assert.match(bad.body.error.message, /channels/);
      const dup = await t.call("PUT", "/api/users/scoped.sup/scope", { body: { regions: ["华东", "华东"] } });
      assert.equal(dup.status, 400);
      assert.match(dup.body.error.message, /regions/);
      const missing = await t.call("PUT", "/api/users/nobody.here/scope", { body: { regions: ["华东"] } });
      assert.equal(missing.status, 404);
      assert.equal(typeof missing.body.error.message, "string");
      const users = (await t.call("GET", "/api/users")).body.users as { name: string; scope: unknown }[];
      assert.deepEqual(users.find((u) => u.name === "scoped.sup")?.scope, SCOPE, "refused changes left the scope alone");
    });

    it("is in the OpenAPI document, for admins", async function () {
      const doc = (await t.call("GET", "/api/openapi.json")).body;
      const op = doc.paths["/api/users/{name}/scope"]?.put;
      assert.ok(op, "documented");
      assert.deepEqual(op["x-roles"], ["admin"]);
      assert.ok(op.requestBody);
    });
  });

  it("order list: only orders inside the scope", async function () {
    const list = await t.call("GET", "/api/orders?limit=100", { token: scoped });
    assert.equal(list.status, 200);
    assert.deepEqual(new Set(list.body.orders.map((o: { id: string }) => o.id)), inside);
  });

  it("order detail and history: 404 outside the scope, exactly as for an order that does not exist", async function () {
    assert.equal((await t.call("GET", `/api/orders/${in1}`, { token: scoped })).status, 200);
    assert.equal((await t.call("GET", `/api/orders/${in1}/history`, { token: scoped })).status, 200);
    const none = "TB20990101-99999";
    const missing = await t.call("GET", `/api/orders/${none}`, { token: scoped });
    const missingHistory = await t.call("GET", `/api/orders/${none}/history`, { token: scoped });
    for (const id of outside) {
      const detail = await t.call("GET", `/api/orders/${id}`, { token: scoped });
      assert.equal(detail.status, 404);
      assert.equal(detail.body.error.code, missing.body.error.code);
      assert.equal(detail.body.error.message, missing.body.error.message.replace(none, id));
      const history = await t.call("GET", `/api/orders/${id}/history`, { token: scoped });
      assert.equal(history.status, 404);
      assert.equal(history.body.error.message, missingHistory.body.error.message.replace(none, id));
      assert.equal((await t.call("GET", `/api/orders/${id}/history`)).status, 200, "the admin still sees it");
    }
  });

  it("export: only orders inside the scope", async function () {
    const csv = await t.call("GET", "/api/orders/export?format=csv", { token: scoped });
    assert.equal(csv.status, 200);
    const text = String(csv.body);
    for (const id of inside) assert.ok(text.includes(id), `${id} exported`);
    for (const id of outside) assert.ok(!text.includes(id), `${id} not exported`);
  });

  it("alerts: only those about orders inside the scope", async function () {
    for (const id of [in1, outRegion]) {
      const paid = await post([{ source: "connector:taobao", sourceEventId: `pay-${id}`, orderId: id, type: "payment.confirmed", data: {} }]);
      assert.equal(paid.body.results[0].outcome, "applied", JSON.stringify(paid.body));
      const ar = await post([{ source: "finance:erp", sourceEventId: `ar-${id}`, orderId: id, type: "finance.receivable", data: { amount: 19000 } }]);
      assert.equal(ar.body.results[0].status, "finance_hold", JSON.stringify(ar.body));
    }
    const all = (await t.call("GET", "/api/alerts?open=false")).body.alerts as { orderId: string }[];
    assert.ok(all.some((a) => a.orderId === outRegion), "the admin sees the alert outside the scope");
    const mine = await t.call("GET", "/api/alerts?open=false", { token: scoped });
    assert.equal(mine.status, 200);
    assert.ok(mine.body.alerts.length > 0);
    assert.ok(mine.body.alerts.every((a: { orderId: string }) => inside.has(a.orderId)), JSON.stringify(mine.body.alerts));
    assert.ok(mine.body.alerts.some((a: { orderId: string }) => a.orderId === in1));
    assert.deepEqual((await t.call("GET", `/api/alerts?open=false&orderId=${outRegion}`, { token: scoped })).body.alerts, []);
  });

  it("closing an alert: one about an order outside the scope answers 404 like a missing alert and stays open; one inside closes", async function () {
    const openOf = async (id: string) => (await t.call("GET", `/api/alerts?orderId=${id}`)).body.alerts as { id: string }[];
    const [outside] = await openOf(outRegion);
    const [inside] = await openOf(in1);
    assert.ok(outside && inside, "the alerts of the previous test are open");
    const missing = await t.call("POST", "/api/alerts/999999999/close", { body: {}, token: scoped });
    const refused = await t.call("POST", `/api/alerts/${outside.id}/close`, { body: {}, token: scoped });
    assert.equal(refused.status, 404);
    assert.equal(refused.body.error.message, missing.body.error.message.replace("999999999", outside.id));
    assert.equal((await openOf(outRegion)).length, 1, "still open");
    const closed = await t.call("POST", `/api/alerts/${inside.id}/close`, { body: { note: "scoped close" }, token: scoped });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.alert.clearReason, "closed");
    assert.deepEqual(await openOf(in1), []);
  });

  it("edits: an order outside the scope is refused like a missing one; moving an order out of the scope is refused naming the field (zh-CN and English)", async function () {
    const v = await version(in2);
    const edits = (list: unknown[]) => t.call("POST", "/api/edits", { body: { edits: list }, token: scoped });
    const saved = await edits([{ clientEditId: "rs-1", orderId: in2, column: "remark", baseVersion: v, value: "加急" }]);
    assert.equal(saved.body.results[0].outcome, "saved", JSON.stringify(saved.body));

    const none = "TB20990101-99999";
    const missing = (await edits([{ clientEditId: "rs-2", orderId: none, column: "remark", baseVersion: 1, value: "x" }])).body.results[0];
    for (const [i, id] of outside.entries()) {
      const before = await version(id);
      const r = (await edits([
        { clientEditId: `rs-out-${i}`, orderId: id, column: "remark", baseVersion: before, value: "不该写入" },
        { clientEditId: `rs-outs-${i}`, orderId: id, column: "status", baseVersion: before, value: "cancelled" },
      ])).body.results;
      assert.equal(r[0].outcome, "refused");
      assert.equal(r[0].reason, missing.reason.replace(none, id));
      assert.equal(r[1].outcome, "refused");
      assert.equal(r[1].reason, `order ${id} does not exist`);
      assert.equal(await version(id), before, "nothing written");
    }

    const now = await version(in2);
    const moved = (await edits([
      { clientEditId: "rs-3", orderId: in2, column: "region", baseVersion: now, value: "华北" },
      { clientEditId: "rs-4", orderId: in2, column: "warehouse", baseVersion: now, value: "WH-BJ" },
    ])).body.results;
    assert.equal(moved[0].outcome, "refused");
    assert.match(moved[0].reason, /地区/);
    assert.match(moved[0].reason, /region/);
    assert.match(moved[0].reason, /华北/);
    assert.equal(moved[1].outcome, "refused");
    assert.match(moved[1].reason, /仓库/);
    assert.match(moved[1].reason, /warehouse/);
    const o = (await t.call("GET", `/api/orders/${in2}`)).body;
    assert.deepEqual([o.region, o.warehouse, o.version], ["华东", "WH-SH", now]);
  });

  it("events and the status route: orders outside the scope are not_found (404 on the status route); a fact moving an order out is refused naming the field", async function () {
    const outcome = await post(
      outside.map((id) => ({ source: "scoped:test", sourceEventId: `sp-${id}`, orderId: id, type: "payment.confirmed", data: {} })),
      scoped,
    );
    assert.equal(outcome.status, 200);
    assert.deepEqual(outcome.body.results.map((r: { outcome: string }) => r.outcome), ["not_found", "not_found", "not_found"]);
    for (const id of outside) assert.equal((await t.call("GET", `/api/orders/${id}/history`)).body.entries.filter((e: { actor: string }) => e.actor === "scoped.sup").length, 0);

    const paid = await post([{ source: "scoped:test", sourceEventId: `sp-${in2}`, orderId: in2, type: "payment.confirmed", data: {} }], scoped);
    assert.equal(paid.body.results[0].outcome, "applied", JSON.stringify(paid.body));

    const v = await version(in2);
    const away = await post([{ source: "scoped:test", sourceEventId: `wms-${in2}`, orderId: in2, type: "wms.outbound", data: { outboundAt: "2026-01-15T05:00:00Z", warehouse: "WH-BJ" } }], scoped);
    assert.equal(away.body.results[0].outcome, "refused", JSON.stringify(away.body));
    assert.match(away.body.results[0].reason, /仓库/);
    assert.match(away.body.results[0].reason, /warehouse/);
    assert.equal(await version(in2), v);

    const missing = await t.call("POST", "/api/orders/TB20990101-99999/status", { body: { to: "cancelled", baseVersion: 1 }, token: scoped });
    for (const id of outside) {
      const r = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "cancelled", baseVersion: await version(id) }, token: scoped });
      assert.equal(r.status, 404, JSON.stringify(r.body));
      assert.equal(r.body.error.code, missing.body.error.code);
      assert.equal(r.body.error.message, missing.body.error.message.replace("TB20990101-99999", id));
    }
    const moved = await t.call("POST", `/api/orders/${in2}/status`, { body: { to: "cancelled", baseVersion: v }, token: scoped });
    assert.equal(moved.status, 200, JSON.stringify(moved.body));
    assert.equal(moved.body.status, "cancelled");
  });

  it("change feed: only changes about orders inside the scope; the cursor moves past more than a page of invisible changes to the visible one", async function () {
    const all = await t.call("GET", "/api/changes?since=0&limit=5000", { token: scoped });
    assert.equal(all.status, 200);
    assert.ok(all.body.changes.length > 0);
    for (const c of all.body.changes) assert.ok(c.orderId === null || inside.has(c.orderId), `feed leaked ${JSON.stringify(c)}`);
    assert.ok(all.body.changes.some((c: { kind: string; orderId: string }) => c.kind === "order.created" && c.orderId === in1));

    const h0 = (await t.call("GET", "/api/changes/head")).body.cursor as string;
    const v = await version(outRegion);
    const burst = Array.from({ length: 12 }, (_, i) => ({ clientEditId: `burst-${i}`, orderId: outRegion, column: "remark", baseVersion: v, value: `第${i}次` }));
    const written = await t.call("POST", "/api/edits", { body: { edits: burst } });
    assert.ok(written.body.results.every((r: { outcome: string }) => r.outcome === "saved"), JSON.stringify(written.body));
    const visible = await t.call("POST", "/api/edits", { body: { edits: [{ clientEditId: "after-burst", orderId: in1, column: "remark", baseVersion: await version(in1), value: "看得见" }] } });
    assert.equal(visible.body.results[0].outcome, "saved");

    // The admin reads the same cursor first: a page shared between callers must not reach the scoped one.
    const adminPage = await t.call("GET", `/api/changes?since=${h0}&limit=5`);
    assert.equal(adminPage.body.changes.length, 5);
    let cursor = h0;
    const seen: { orderId: string | null }[] = [];
    for (let calls = 0; calls < 5 && !seen.length; calls++) {
      const page = await t.call("GET", `/api/changes?since=${cursor}&limit=5`, { token: scoped });
      assert.equal(page.status, 200);
      assert.ok(BigInt(page.body.cursor) > BigInt(cursor), `cursor advanced past ${cursor}: ${JSON.stringify(page.body)}`);
      cursor = page.body.cursor;
      seen.push(...page.body.changes);
    }
    assert.deepEqual(seen.map((c) => c.orderId), [in1]);
    const head = (await t.call("GET", "/api/changes/head")).body.cursor as string;
    assert.equal(cursor, head);
    const quiet = await t.call("GET", `/api/changes?since=${cursor}&limit=5`, { token: scoped });
    assert.deepEqual(quiet.body, { changes: [], cursor });
  });

  it("change feed store: one scoped read looks through a bounded window and moves past it; a poll reads on to the visible change", async function () {
    const knex = t.server.db.knex;
    const feed = new KnexChangeFeed(knex, new LocalChangeSignal(), undefined, 4n);
    try {
      const h0 = (await t.call("GET", "/api/changes/head")).body.cursor as string;
      const v = await version(outChannel);
      const burst = Array.from({ length: 10 }, (_, i) => ({ clientEditId: `win-${i}`, orderId: outChannel, column: "remark", baseVersion: v, value: `w${i}` }));
      assert.equal((await t.call("POST", "/api/edits", { body: { edits: burst } })).status, 200);
      await t.call("POST", "/api/edits", { body: { edits: [{ clientEditId: "win-visible", orderId: in1, column: "remark", baseVersion: await version(in1), value: "窗口后" }] } });
      const head = BigInt((await t.call("GET", "/api/changes/head")).body.cursor);

      const first = await feed.read(WS, h0, 5, SCOPE);
      assert.deepEqual(first.changes, []);
      assert.ok(BigInt(first.cursor) > BigInt(h0) && BigInt(first.cursor) <= BigInt(h0) + 4n, `one window: ${first.cursor}`);
      const polled = await feed.poll(WS, h0, 5, 0, undefined, SCOPE);
      assert.deepEqual(polled.changes.map((c) => c.orderId), [in1]);
      assert.equal(BigInt(polled.cursor), head);
      const unscoped = await feed.read(WS, h0, 5);
      assert.equal(unscoped.changes.length, 5, "an unscoped read is a plain page");
    } finally {
      feed.close();
    }
  });

  it("the add-in's load (me, workflow, alerts, paged order list, feed head, feed, orders by ID) sees only the scope", async function () {
    const api = new ApiClient({ baseUrl: t.url, token: scoped });
    assert.equal((await api.me()).user, "scoped.sup");
    await api.workflow();
    const cursor = (await api.changesHead()).cursor;
    assert.ok((await api.alerts()).alerts.every((a) => inside.has(a.orderId)));
    const loaded: string[] = [];
    let next: string | undefined;
    do {
      const page = await api.listOrders({ limit: 1, ...(next ? { cursor: next } : {}) });
      loaded.push(...page.orders.map((o) => o.id));
      next = page.nextCursor ?? undefined;
    } while (next);
    assert.deepEqual(new Set(loaded), inside);
    // The feed names orders; the add-in then fetches them by ID.
    const byId = await api.listOrders({ ids: [in1, ...outside].join(","), limit: 200 });
    assert.deepEqual(byId.orders.map((o) => o.id), [in1]);

    for (const id of [outWarehouse, in1]) {
      const r = await t.call("POST", "/api/edits", { body: { edits: [{ clientEditId: `load-${id}`, orderId: id, column: "remark", baseVersion: await version(id), value: "跟随" }] } });
      assert.equal(r.body.results[0].outcome, "saved");
    }
    const followed = await api.changes(cursor, 0);
    assert.deepEqual(followed.changes.map((c) => c.orderId), [in1]);
  });

  it("the database confines a deliberately unscoped query (no WHERE) inside a scoped transaction, on every order table", async function () {
    const knex = t.server.db.knex;
    const counts = async (inScopeTx: boolean) =>
      knex.transaction(async (trx) => {
        if (inScopeTx) await enterScope(trx, SCOPE);
        const out: Record<string, string[]> = {};
        out.orders = (await trx.raw("select id from orders")).rows.map((r: { id: string }) => r.id);
        for (const table of ["order_lines", "audit_log", "alerts", "changes"]) {
          out[table] = [...new Set((await trx.raw(`select order_id from ${table}`)).rows.map((r: { order_id: string | null }) => r.order_id))] as string[];
        }
        return out;
      });
    const unscoped = await counts(false);
    const confined = await counts(true);
    assert.deepEqual(new Set(confined.orders), inside);
    for (const table of ["order_lines", "audit_log", "alerts", "changes"]) {
      assert.ok(unscoped[table].some((id) => id !== null && !inside.has(id)), `${table} holds rows outside the scope to hide`);
      assert.ok(confined[table].length > 0, `${table}: rows inside the scope are visible`);
      for (const id of confined[table]) assert.ok(id === null || inside.has(id), `${table} leaked ${id}`);
    }
    // And a write that forgot its WHERE cannot reach another region's order either.
    const touched = await knex.transaction(async (trx) => {
      await enterScope(trx, SCOPE);
      return (await trx.raw("update orders set tags = tags returning id")).rows.map((r: { id: string }) => r.id);
    });
    assert.deepEqual(new Set(touched), inside);
  });

  it("refused input: a scoped supervisor sees only what they sent themselves; an unscoped admin sees every refusal", async function () {
    const other = await t.token("other.cs", "customer_service");
    // Two refused imports carrying a customer's data: one by someone else, one by the scoped supervisor.
    const theirs = await t.call("POST", "/api/orders", { body: { orders: [{ ...sampleOrder(301, { ...inScope, region: "华南" }), totalAmount: "abc" }] }, token: other });
    assert.equal(theirs.status, 400);
    const mine = await t.call("POST", "/api/orders", { body: { orders: [{ ...sampleOrder(302, inScope), totalAmount: "abc" }] }, token: scoped });
    assert.equal(mine.status, 400);
    const seen = await t.call("GET", "/api/rejections?limit=100", { token: scoped });
    assert.equal(seen.status, 200);
    assert.ok(seen.body.rejections.length >= 1);
    assert.deepEqual([...new Set(seen.body.rejections.map((r: { actor: string }) => r.actor))], ["scoped.sup"]);
    const all = (await t.call("GET", "/api/rejections?limit=100")).body.rejections.map((r: { actor: string }) => r.actor);
    assert.ok(all.includes("other.cs") && all.includes("scoped.sup"), JSON.stringify(all));
  });

  describe("import (runs last: it adds an order)", function () {
    it("creates orders inside the scope, refuses one outside naming the field, and refuses a key imported outside the scope without naming that order", async function () {
      const again = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(101, inScope)] }, token: scoped });
      assert.equal(again.status, 200);
      assert.deepEqual([again.body.results[0].outcome, again.body.results[0].id], ["unchanged", in1]);

      const away = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(201, inScope), sampleOrder(202, { ...inScope, region: "华南" })] }, token: scoped });
      assert.equal(away.status, 400);
      assert.match(away.body.error.message, /orders\[1\]/);
      assert.match(away.body.error.message, /地区/);
      assert.match(away.body.error.message, /region "华南"/);

      const foreign = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(103, inScope)] }, token: scoped });
      assert.equal(foreign.status, 400, JSON.stringify(foreign.body));
      assert.match(foreign.body.error.message, /outside your row scope/);
      assert.ok(!JSON.stringify(foreign.body).includes(outRegion), "the order outside the scope is not named");

      const total = (await t.call("GET", "/api/orders?limit=100")).body.orders.length;
      assert.equal(total, 5, "nothing was created by the refused batches");
      const created = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(203, inScope)] }, token: scoped });
      assert.equal(created.body.results[0].outcome, "created", JSON.stringify(created.body));
      const list = (await t.call("GET", "/api/orders?limit=100", { token: scoped })).body.orders.map((o: { id: string }) => o.id);
      assert.ok(list.includes(created.body.results[0].id));
    });
  });
});
