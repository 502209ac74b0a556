import assert from "node:assert/strict";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

const T0 = new Date("2026-01-15T02:00:00Z");

/** Facts checked against the order as they arrive: contradictions raise alerts (issue 10, point 9). */
describeEachDatabase("facts that contradict the order", function ({ db }) {
  let t: TestServer;
  let n = 0;

  before(async function () {
    t = await startTestServer(db(), {}, () => T0);
  });
  after(async function () {
    await t?.close();
  });

  async function newOrder(): Promise<string> {
    n += 1;
    const res = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(70_000 + n)] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results[0].id as string;
  }

  it("records a carrier's signature on an order never paid and raises one red alert saying so, in zh-CN and English", async function () {
    const id = await newOrder();
    const res = await t.call("POST", "/api/events", {
      body: { events: [{ source: "connector:kdniao", sourceEventId: `sign-${id}`, orderId: id, type: "carrier.signed", data: { signedAt: "2026-01-15T01:50:00Z" } }] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const r = res.body.results[0];
    assert.equal(r.outcome, "applied", "the fact is still recorded");
    assert.ok(r.alerts.some((a: any) => /从未付款.*never paid/.test(a.message)), JSON.stringify(r));
    const order = (await t.call("GET", `/api/orders/${id}`)).body;
    assert.equal(order.extra.signedAt, "2026-01-15T01:50:00.000Z");

    const alerts = (await t.call("GET", `/api/alerts?orderId=${id}`)).body.alerts;
    const contradiction = alerts.filter((a: any) => a.sourceId === "fact_contradiction:tracking_unpaid");
    assert.equal(contradiction.length, 1, JSON.stringify(alerts));
    assert.equal(contradiction[0].level, "red");
    assert.match(contradiction[0].message, /事实矛盾.*Contradicting fact/);

    // A second signature report of the same kind does not raise it twice.
    await t.call("POST", "/api/events", {
      body: { events: [{ source: "connector:kdniao", sourceEventId: `sign2-${id}`, orderId: id, type: "carrier.signed", data: { signedAt: "2026-01-15T01:55:00Z" } }] },
    });
    const again = (await t.call("GET", `/api/alerts?orderId=${id}`)).body.alerts.filter((a: any) => a.sourceId === "fact_contradiction:tracking_unpaid");
    assert.equal(again.length, 1);
    const feed = await t.call("GET", "/api/changes?since=0&limit=1000");
    assert.ok(feed.body.changes.some((c: any) => c.kind === "alert.raised" && c.orderId === id && /never paid/.test(c.data.message)));
  });

  it("raises nothing for a paid, outbound order that the carrier signs", async function () {
    const id = await newOrder();
    const res = await t.call("POST", "/api/events", {
      body: {
        events: [
          { source: "connector:tmall", sourceEventId: `pay-${id}`, orderId: id, type: "payment.confirmed", data: { paidAt: "2026-01-15T02:05:00Z" } },
          { source: "wms:hz", sourceEventId: `out-${id}`, orderId: id, type: "wms.outbound", data: { outboundAt: "2026-01-15T03:00:00Z" } },
          { source: "connector:kdniao", sourceEventId: `sign-${id}`, orderId: id, type: "carrier.signed", data: { signedAt: "2026-01-16T03:00:00Z" } },
        ],
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const alerts = (await t.call("GET", `/api/alerts?orderId=${id}`)).body.alerts;
    assert.deepEqual(alerts.filter((a: any) => a.sourceId.startsWith("fact_contradiction")), []);
  });

  /** A paid order shipped from the warehouse with a waybill: in transit, no collected time yet. */
  async function shippedOrder(): Promise<string> {
    const id = await newOrder();
    const res = await t.call("POST", "/api/events", {
      body: {
        events: [
          { source: "connector:tmall", sourceEventId: `pay-${id}`, orderId: id, type: "payment.confirmed", data: { paidAt: "2026-01-15T02:05:00Z" } },
          { source: "wms:hz", sourceEventId: `out-${id}`, orderId: id, type: "wms.outbound", data: { outboundAt: "2026-01-15T03:00:00Z" } },
          { source: "wms:hz", sourceEventId: `wb-${id}`, orderId: id, type: "waybill.assigned", data: { carrier: "SF", waybillNo: `SF${id}` } },
        ],
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return id;
  }

  async function collected(id: string, source: string, at: string, tag: string) {
    const res = await t.call("POST", "/api/events", { body: { events: [{ source, sourceEventId: `col-${tag}-${id}`, orderId: id, type: "carrier.collected", data: { collectedAt: at } }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results[0];
  }

  async function disputes(id: string): Promise<any[]> {
    const res = await t.call("GET", `/api/orders/${id}/fact-disputes`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.disputes;
  }

  it("ships a default precedence (carrier first for collected, shop for paid, ERP/WMS for outbound, 30 min) and lets a supervisor change it, refusing a bad one naming the field", async function () {
    const def = await t.call("GET", "/api/fact-precedence");
    assert.equal(def.status, 200, JSON.stringify(def.body));
    assert.equal(def.body.custom, false);
    assert.deepEqual([def.body.policy.facts.collectedAt[0], def.body.policy.facts.paidAt[0], def.body.policy.facts.outboundAt[0], def.body.policy.toleranceMinutes], ["carrier", "shop", "erp", 30]);
    const bad = await t.call("PUT", "/api/fact-precedence", { body: { ...def.body.policy, facts: { ...def.body.policy.facts, signedAt: ["carrier", "robot"] } } });
    assert.equal(bad.status, 400, JSON.stringify(bad.body));
    assert.match(bad.body.error.message, /facts\.signedAt\.1: must be one of: carrier, shop, erp, person, other/);
    const cs = await t.token("cs.precedence", "customer_service");
    assert.equal((await t.call("PUT", "/api/fact-precedence", { token: cs, body: def.body.policy })).status, 403);
  });

  it("keeps the carrier's collected time over the ERP's and a person's, whichever came first, and records each loser", async function () {
    // The ERP first, then the carrier 10 minutes apart: the carrier's value replaces it.
    const a = await shippedOrder();
    await collected(a, "erp:jst", "2026-01-15T04:00:00Z", "erp");
    const r = await collected(a, "connector:kdniao", "2026-01-15T04:10:00Z", "carrier");
    assert.equal(r.outcome, "applied", JSON.stringify(r));
    assert.equal((await t.call("GET", `/api/orders/${a}`)).body.extra.collectedAt, "2026-01-15T04:10:00.000Z");
    const [d] = await disputes(a);
    assert.deepEqual([d.fact, d.winner, d.kept.value, d.kept.source, d.kept.class, d.lost.value, d.lost.source, d.lost.class, d.diffMinutes, d.frozen], [
      "collectedAt", "incoming", "2026-01-15T04:10:00.000Z", "connector:kdniao", "carrier", "2026-01-15T04:00:00.000Z", "erp:jst", "erp", 10, false,
    ]);

    // The carrier first, then a person 20 minutes apart: the order keeps the carrier's time.
    const b = await shippedOrder();
    await collected(b, "connector:kdniao", "2026-01-15T04:10:00Z", "carrier");
    const p = await collected(b, "sheet:li.li", "2026-01-15T04:30:00Z", "person");
    assert.equal(p.outcome, "noop", JSON.stringify(p));
    assert.match(p.reason, /keeps its collectedAt by source precedence/);
    assert.equal((await t.call("GET", `/api/orders/${b}`)).body.extra.collectedAt, "2026-01-15T04:10:00.000Z");
    const [e] = await disputes(b);
    assert.deepEqual([e.winner, e.kept.source, e.lost.value, e.lost.source, e.lost.class, e.frozen], ["current", "connector:kdniao", "2026-01-15T04:30:00.000Z", "sheet:li.li", "person", false]);
    // The same class correcting itself is an update, not a dispute.
    await collected(b, "connector:kdniao", "2026-01-15T04:12:00Z", "carrier2");
    assert.equal((await disputes(b)).length, 1);
    assert.equal((await t.call("GET", `/api/orders/${b}`)).body.extra.collectedAt, "2026-01-15T04:12:00.000Z");
  });

  it("freezes the order when sources disagree beyond the tolerance: opens a task, holds its facts until a person resolves it, then replays them", async function () {
    const id = await shippedOrder();
    await collected(id, "connector:kdniao", "2026-01-15T04:10:00Z", "carrier");
    const erp = await collected(id, "erp:jst", "2026-01-15T06:00:00Z", "erp");
    assert.ok(erp.alerts.some((a: any) => /冻结.*frozen/.test(a.message)), JSON.stringify(erp));
    const [d] = await disputes(id);
    assert.deepEqual([d.winner, d.kept.value, d.lost.value, d.diffMinutes, d.frozen], ["current", "2026-01-15T04:10:00.000Z", "2026-01-15T06:00:00.000Z", 110, true]);
    const before = (await t.call("GET", `/api/orders/${id}`)).body;
    assert.equal(before.extra.collectedAt, "2026-01-15T04:10:00.000Z");

    const tasks = await db().knex("tasks").where({ order_id: id }).select("key", "assignee", "message", "done_at");
    assert.equal(tasks.length, 1, JSON.stringify(tasks));
    assert.deepEqual([tasks[0].key, tasks[0].assignee, tasks[0].done_at], ["rule:fact_dispute:collectedAt", "warehouse", null]);
    assert.match(tasks[0].message, /揽收时间.*collected time/);

    // While frozen the order's facts wait in the inbox; nothing moves it.
    const signed = await t.call("POST", "/api/events", { body: { events: [{ source: "connector:kdniao", sourceEventId: `sign-${id}`, orderId: id, type: "carrier.signed", data: { signedAt: "2026-01-16T03:00:00Z" } }] } });
    assert.equal(signed.body.results[0].outcome, "held", JSON.stringify(signed.body));
    assert.match(signed.body.results[0].reason, /冻结.*frozen/);
    const held = (await t.call("GET", `/api/orders/${id}`)).body;
    assert.deepEqual([held.status, held.version, held.extra.signedAt], [before.status, before.version, undefined]);

    const resolved = await t.call("POST", `/api/orders/${id}/fact-disputes/resolve`, { body: { note: "面单照片核实揽收时间 04:10" } });
    assert.equal(resolved.status, 200, JSON.stringify(resolved.body));
    assert.deepEqual([resolved.body.resolved, resolved.body.replayed, resolved.body.counts], [1, 1, { applied: 1 }]);
    const after = (await t.call("GET", `/api/orders/${id}`)).body;
    assert.equal(after.extra.signedAt, "2026-01-16T03:00:00.000Z");
    assert.equal(after.status, "signed");
    assert.ok((await disputes(id))[0].resolvedAt);
  });
});
