import assert from "node:assert/strict";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

const T0 = new Date("2026-01-15T02:00:00.000Z");

/**
 * Alerts end (issue 15): an alert raised by a rule clears when the order leaves the status
 * it was raised in, a person can close one (who, when and why are kept), the feed carries
 * every clearing, and a rule that fires again after its alert ended raises it anew.
 */
describeEachDatabase("alerts end", function ({ db }) {
  let t: TestServer;
  let clock = T0;
  let n = 0;

  before(async function () {
    t = await startTestServer(db(), {}, () => clock);
  });
  after(async function () {
    await t?.close();
  });

  /** A paid order (已审单待打单) that a receivable difference put on 财务差异暂停 with a red alert. */
  async function heldByFinance(): Promise<string> {
    n += 1;
    const imported = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(70_000 + n)] } });
    assert.equal(imported.status, 200, JSON.stringify(imported.body));
    const id = imported.body.results[0].id as string;
    const paid = await t.call("POST", "/api/events", {
      body: { events: [{ source: "connector:tmall", sourceEventId: `pay-${id}`, orderId: id, type: "payment.confirmed", data: { paidAt: "2026-01-15T02:05:00Z" } }] },
    });
    assert.equal(paid.body.results[0].status, "reviewed", JSON.stringify(paid.body));
    const held = await receivable(id, 1);
    assert.equal(held.body.results[0].status, "finance_hold", JSON.stringify(held.body));
    return id;
  }

  /** A finance receivable that differs from the channel amount (a new amount each `k`, so it is a new fact). */
  function receivable(id: string, k: number) {
    return t.call("POST", "/api/events", {
      body: { events: [{ source: "finance:erp", sourceEventId: `ar-${id}-${k}`, orderId: id, type: "finance.receivable", data: { amount: 19000 - k * 100 } }] },
    });
  }

  async function openAlerts(id: string) {
    return (await t.call("GET", `/api/alerts?orderId=${id}`)).body.alerts as any[];
  }

  async function allAlerts(id: string) {
    return (await t.call("GET", `/api/alerts?open=false&orderId=${id}`)).body.alerts as any[];
  }

  async function clearings(id: string) {
    const feed = await t.call("GET", "/api/changes?since=0&limit=5000");
    return (feed.body.changes as any[]).filter((c) => c.kind === "alert.cleared" && c.orderId === id);
  }

  async function release(id: string, token?: string) {
    const o = (await t.call("GET", `/api/orders/${id}`)).body;
    return t.call("POST", `/api/orders/${id}/status`, { body: { to: "reviewed", baseVersion: o.version }, token });
  }

  it("keeps an alert raised together with the status change, and clears it when the order leaves that status", async function () {
    const id = await heldByFinance();
    const [alert] = await openAlerts(id);
    assert.equal(alert.level, "red");
    assert.equal(alert.clearedAt, null);

    clock = new Date(T0.getTime() + 60_000);
    const released = await release(id, await t.token("fin.a", "finance"));
    assert.equal(released.status, 200, JSON.stringify(released.body));

    assert.deepEqual(await openAlerts(id), []);
    const [ended] = await allAlerts(id);
    assert.equal(ended.id, alert.id);
    assert.equal(ended.clearedAt, clock.toISOString());
    assert.equal(ended.clearedBy, "system");
    assert.equal(ended.clearReason, "status_left");
    const [cleared, ...more] = await clearings(id);
    assert.deepEqual(more, []);
    assert.equal(cleared.data.sourceId, alert.sourceId);
    assert.equal(cleared.data.reason, "status_left");
    assert.equal(cleared.orderVersion, (await t.call("GET", `/api/orders/${id}`)).body.version);
  });

  it("closes an alert on a person's behalf, once, and refuses roles that only read", async function () {
    const id = await heldByFinance();
    const [alert] = await openAlerts(id);
    const auditor = await t.token("aud.a", "auditor");
    const refused = await t.call("POST", `/api/alerts/${alert.id}/close`, { body: {}, token: auditor });
    assert.equal(refused.status, 403);
    assert.equal(typeof refused.body.error.message, "string");
    assert.equal((await openAlerts(id)).length, 1, "a refused close changes nothing");

    clock = new Date(T0.getTime() + 120_000);
    const cs = await t.token("kf.li", "customer_service");
    const closed = await t.call("POST", `/api/alerts/${alert.id}/close`, { body: { note: "已电话确认，财务稍后处理" }, token: cs });
    assert.equal(closed.status, 200, JSON.stringify(closed.body));
    assert.equal(closed.body.alert.clearedBy, "kf.li");
    assert.equal(closed.body.alert.clearReason, "closed");
    assert.equal(closed.body.alert.clearNote, "已电话确认，财务稍后处理");
    assert.equal(closed.body.alert.clearedAt, clock.toISOString());
    assert.deepEqual(await openAlerts(id), []);
    const [feed] = await clearings(id);
    assert.equal(feed.data.clearedBy, "kf.li");
    assert.equal(feed.data.note, "已电话确认，财务稍后处理");

    const again = await t.call("POST", `/api/alerts/${alert.id}/close`, { body: {}, token: cs });
    assert.equal(again.status, 409);
    assert.match(again.body.error.message, /closed by kf\.li/);
    assert.equal((await clearings(id)).length, 1, "a second close writes nothing");

    const missing = await t.call("POST", "/api/alerts/999999999/close", { body: {} });
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, "not_found");
    const malformed = await t.call("POST", "/api/alerts/abc/close", { body: {} });
    assert.equal(malformed.status, 400);
    assert.match(malformed.body.error.message, /id/);
  });

  it("raises a rule's alert anew when the rule fires again after the alert ended", async function () {
    const id = await heldByFinance();
    const [first] = await openAlerts(id);
    await t.call("POST", `/api/alerts/${first.id}/close`, { body: {} });
    assert.deepEqual(await openAlerts(id), []);

    clock = new Date(T0.getTime() + 180_000);
    const again = await receivable(id, 2);
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.results[0].outcome, "applied", JSON.stringify(again.body));
    const open = await openAlerts(id);
    assert.equal(open.length, 1, JSON.stringify(await allAlerts(id)));
    assert.equal(open[0].clearedAt, null);
    assert.equal(open[0].clearedBy, null);
    assert.equal(open[0].raisedAt, clock.toISOString());
    const feed = await t.call("GET", "/api/changes?since=0&limit=5000");
    const raised = (feed.body.changes as any[]).filter((c) => c.kind === "alert.raised" && c.orderId === id);
    assert.equal(raised.length, 2, "the second raise is in the feed");
  });
});
