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
});
