import assert from "node:assert/strict";
import { dueTimers } from "../../../server/domain/workflow/dueTimers.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import type { Order } from "../../../server/domain/order.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

/**
 * Issue 11, the server side of the order desk: status clocks from the platform's facts, search,
 * the overdue / mine / recent views and their counts, lines and fact times in the order view.
 */
describeEachDatabase("order desk reads (issue 11)", function ({ db }) {
  let t: TestServer;
  // A fixed clock: 2026-03-02 12:00 in Shanghai.
  let now = new Date("2026-03-02T04:00:00Z");
  const hoursAgo = (h: number) => new Date(now.getTime() - h * 3_600_000).toISOString();

  before(async function () {
    t = await startTestServer(db(), {}, () => now);
  });
  after(async function () {
    await t?.close();
  });

  async function importOne(n: number, overrides: Record<string, unknown> = {}): Promise<string> {
    const res = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(n, { customer: { id: `D${n}`, name: `客户${n}`, phone: null }, ...overrides })] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results[0].id as string;
  }

  async function event(orderId: string, type: string, data: Record<string, unknown>, id = `${type}-${orderId}`) {
    const res = await t.call("POST", "/api/events", { body: { events: [{ source: "connector:test", sourceEventId: id, orderId, type, data }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results[0];
  }

  describe("status clocks from the platform's facts (point 6)", function () {
    it("starts an imported order's status clock when it was placed, so its SLA colour and 24 h unpaid timer are not a day late", async function () {
      const yesterday = await importOne(6001, { placedAt: hoursAgo(25) });
      const thisMorning = await importOne(6002, { placedAt: hoursAgo(20) });
      const justNow = await importOne(6003, { placedAt: hoursAgo(1) });
      const future = await importOne(6004, { placedAt: new Date(now.getTime() + 3_600_000).toISOString() });

      const a = (await t.call("GET", `/api/orders/${yesterday}`)).body;
      assert.equal(a.statusSince, hoursAgo(25));
      assert.equal(a.sla, "red", "24 h SLA of 待支付 passed a day after placing");
      // The unpaid timer (24 h in 待支付) is due now, from the placing time, not from the import.
      const due = dueTimers(standardWorkflow, a as unknown as Order, now, new Set());
      assert.deepEqual(due.map((d) => d.timerId), ["unpaid_timeout"]);
      assert.equal(due[0].dueAt, hoursAgo(1));

      assert.equal((await t.call("GET", `/api/orders/${thisMorning}`)).body.sla, "orange", "20 h of 24 h: past the 80 % warning");
      assert.equal((await t.call("GET", `/api/orders/${justNow}`)).body.sla, null);
      // A placing time in the future (a clock skew) does not start the clock ahead of now.
      assert.equal((await t.call("GET", `/api/orders/${future}`)).body.statusSince, now.toISOString());
    });

    it("starts the next status's clock at the fact's own time (paid yesterday, reported today)", async function () {
      const id = await importOne(6010, { placedAt: hoursAgo(30) });
      const r = await event(id, "payment.confirmed", { paidAt: hoursAgo(29) });
      assert.equal(r.outcome, "applied");
      const o = (await t.call("GET", `/api/orders/${id}`)).body;
      assert.equal(o.status, "reviewed");
      assert.equal(o.paidAt, hoursAgo(29));
      assert.equal(o.statusSince, hoursAgo(29));
      assert.equal(o.sla, "red", "4 h SLA of 已审单待打单 is long over");
    });

    it("never starts a status before the previous one, nor after now", async function () {
      const id = await importOne(6011, { placedAt: hoursAgo(2) });
      await event(id, "payment.confirmed", { paidAt: hoursAgo(5) }); // paid "before" it was placed: clamped
      const o = (await t.call("GET", `/api/orders/${id}`)).body;
      assert.equal(o.statusSince, hoursAgo(2));
      const later = await importOne(6012, { placedAt: hoursAgo(2) });
      await event(later, "payment.confirmed", { paidAt: new Date(now.getTime() + 60_000).toISOString() });
      assert.equal((await t.call("GET", `/api/orders/${later}`)).body.statusSince, now.toISOString());
    });
  });

  describe("the order view (point 4)", function () {
    it("carries paid, outbound, collected and signed times as ISO instants, lines with numbers, and masks the receiver per role", async function () {
      const id = await importOne(6020, { placedAt: hoursAgo(10), customer: { id: "R1", name: "张三丰", phone: "13812344121", address: "浙江省杭州市西湖区文三路 90 号" } });
      await event(id, "payment.confirmed", { paidAt: hoursAgo(9) });
      await event(id, "wms.outbound", { outboundAt: hoursAgo(8), warehouse: "WH-1" });
      await event(id, "waybill.assigned", { carrier: "SF", waybillNo: "SF1234567890" });
      await event(id, "carrier.collected", { collectedAt: hoursAgo(7) });
      await event(id, "carrier.signed", { signedAt: hoursAgo(1) });
      const o = (await t.call("GET", `/api/orders/${id}`)).body;
      assert.equal(o.paidAt, hoursAgo(9));
      assert.equal(o.outboundAt, hoursAgo(8));
      assert.equal(o.collectedAt, hoursAgo(7));
      assert.equal(o.signedAt, hoursAgo(1));
      assert.equal(o.status, "signed");
      assert.equal(o.customer.phone, "13812344121");

      const warehouse = await t.token("wang.cang", "warehouse");
      const masked = (await t.call("GET", `/api/orders?ids=${id}&lines=1`, { token: warehouse })).body.orders[0];
      assert.equal(masked.customer.phone, "138****4121");
      assert.equal(masked.customer.name, "张**");
      assert.equal(masked.customer.address, "浙江省杭州市****");
      assert.deepEqual(
        masked.lines.map((l: any) => [l.sku, l.name, l.quantity, l.unitPriceMinor, l.amountMinor]),
        [["SKU-1", "保温杯", 2, 4995, 9990], ["SKU-2", "杯套", 1, 10000, 10000]],
      );
      assert.equal(typeof masked.totalAmountMinor, "number");
      // Without lines=1 the list stays light.
      assert.equal((await t.call("GET", `/api/orders?ids=${id}`)).body.orders[0].lines, undefined);
    });
  });

  describe("search, views and counts (point 4)", function () {
    it("finds an order by platform order ID, order ID, waybill or phone, and nothing of another workspace", async function () {
      const id = await importOne(6030, { externalOrderId: "3958123456789012345", customer: { id: "S1", name: "李四", phone: "+8613900001111" }, waybillNo: "YT9876543210" });
      await importOne(6031);
      for (const q of ["3958123456789012345", id, "YT9876543210", "+8613900001111", "  YT9876543210 "]) {
        const res = await t.call("GET", `/api/orders?q=${encodeURIComponent(q)}`);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual(res.body.orders.map((o: any) => o.id), [id], q);
        assert.equal((await t.call("GET", `/api/orders/count?q=${encodeURIComponent(q)}`)).body.total, 1);
      }
      assert.deepEqual((await t.call("GET", "/api/orders?q=nothing-like-it")).body.orders, []);
      const other = await t.token("other.desk", "customer_service", "ws-desk");
      assert.deepEqual((await t.call("GET", `/api/orders?q=YT9876543210`, { token: other })).body.orders, []);
      const bad = await t.call("GET", `/api/orders?q=${"x".repeat(101)}`);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.problems[0].path, "q");
      assert.equal(bad.body.error.details.problems[0].code, "field_too_big");
    });

    it("by default holds open orders plus those updated in the last 7 days; window=all holds every order; the count says so first", async function () {
      const ws = "ws-window";
      const token = await t.token("win.dow", "supervisor", ws);
      const call = (path: string) => t.call("GET", path, { token });
      const post = (body: unknown, path = "/api/orders") => t.call("POST", path, { token, body });
      now = new Date("2026-02-01T04:00:00Z");
      const imported = await post({ orders: [sampleOrder(1, { customer: { id: "W1", name: "甲", phone: null } }), sampleOrder(2, { customer: { id: "W2", name: "乙", phone: null } })] });
      const [oldOpen, oldClosed] = imported.body.results.map((r: any) => r.id as string);
      const cancel = await t.call("POST", `/api/orders/${oldClosed}/status`, { token, body: { to: "cancelled", baseVersion: 1 } });
      assert.equal(cancel.status, 200, JSON.stringify(cancel.body));
      now = new Date("2026-03-02T04:00:00Z");
      const recent = await post({ orders: [sampleOrder(3, { customer: { id: "W3", name: "丙", phone: null } })] });
      const recentClosed = recent.body.results[0].id as string;
      await t.call("POST", `/api/orders/${recentClosed}/status`, { token, body: { to: "已取消", baseVersion: 1 } });

      const list = (await call("/api/orders")).body.orders.map((o: any) => o.id).sort();
      assert.deepEqual(list, [oldOpen, recentClosed].sort(), "the order cancelled a month ago is outside the default window");
      assert.deepEqual((await call("/api/orders/count")).body, { total: 2, window: "recent" });
      assert.deepEqual((await call("/api/orders?window=all")).body.orders.map((o: any) => o.id).sort(), [oldOpen, oldClosed, recentClosed].sort());
      assert.deepEqual((await call("/api/orders/count?window=all")).body, { total: 3, window: "all" });
      // Status filters take codes and names in both languages, in the count as in the list.
      assert.equal((await call("/api/orders/count?status=%E5%B7%B2%E5%8F%96%E6%B6%88&window=all")).body.total, 2);
      assert.equal((await call("/api/orders/count?status=Cancelled")).body.total, 1);
      const unknown = await call("/api/orders/count?status=nope");
      assert.equal(unknown.status, 400);
      assert.equal(unknown.body.error.details.problems[0].code, "unknown_status_filter");
      // Asking for particular orders looks past the window.
      assert.deepEqual((await call(`/api/orders?ids=${oldClosed}`)).body.orders.map((o: any) => o.id), [oldClosed]);
      assert.equal((await call("/api/orders?window=some")).status, 400);
    });

    it("overdue=1 holds exactly the orders whose SLA colour is red or orange", async function () {
      const ws = "ws-overdue";
      const token = await t.token("over.due", "supervisor", ws);
      const post = (orders: unknown[]) => t.call("POST", "/api/orders", { token, body: { orders } });
      const res = await post([
        sampleOrder(1, { placedAt: hoursAgo(30), customer: { id: "O1", name: "甲", phone: null } }), // red (24 h SLA)
        sampleOrder(2, { placedAt: hoursAgo(20), customer: { id: "O2", name: "乙", phone: null } }), // orange (80 %)
        sampleOrder(3, { placedAt: hoursAgo(2), customer: { id: "O3", name: "丙", phone: null } }), // fine
      ]);
      const [red, orange, fine] = res.body.results.map((r: any) => r.id as string);
      // In transit without tracking for 3 h: the orange no_tracking_2h timer is due (anchor lastTrackAt).
      const stalled = (await post([sampleOrder(4, { placedAt: hoursAgo(4), customer: { id: "O4", name: "丁", phone: null } })])).body.results[0].id as string;
      const ev = (type: string, data: Record<string, unknown>) =>
        t.call("POST", "/api/events", { token, body: { events: [{ source: "connector:test", sourceEventId: `${type}-${stalled}`, orderId: stalled, type, data }] } });
      await ev("payment.confirmed", { paidAt: hoursAgo(4) });
      await ev("wms.outbound", { outboundAt: hoursAgo(3.5) });
      await ev("waybill.assigned", { carrier: "SF", waybillNo: "SF0000000001" });
      const all = (await t.call("GET", "/api/orders?window=all&limit=100", { token })).body.orders as any[];
      const stalledView = all.find((o) => o.id === stalled);
      assert.equal(stalledView.status, "in_transit");
      const colours = Object.fromEntries(all.map((o) => [o.id, o.sla]));
      assert.equal(colours[red], "red");
      assert.equal(colours[orange], "orange");
      assert.equal(colours[fine], null);

      const overdue = (await t.call("GET", "/api/orders?overdue=1&window=all", { token })).body.orders.map((o: any) => o.id).sort();
      const flagged = all.filter((o) => o.sla === "red" || o.sla === "orange").map((o) => o.id).sort();
      assert.deepEqual(overdue, flagged);
      assert.ok(overdue.includes(red) && overdue.includes(orange) && !overdue.includes(fine));
      assert.equal((await t.call("GET", "/api/orders/count?overdue=1", { token })).body.total, flagged.length);
    });

    it("mine=1 holds the orders the caller changed in the last 7 days or with an open task for their role", async function () {
      const ws = "ws-mine";
      const me = await t.token("wo.ziji", "customer_service", ws);
      const colleague = await t.token("tong.shi", "customer_service", ws);
      const res = await t.call("POST", "/api/orders", { token: me, body: { orders: [1, 2, 3].map((n) => sampleOrder(n, { placedAt: hoursAgo(1), customer: { id: `M${n}`, name: "某", phone: null } })) } });
      const [mineByEdit, theirs, untouched] = res.body.results.map((r: any) => r.id as string);
      const edit = (token: string, orderId: string) =>
        t.call("POST", "/api/edits", { token, body: { edits: [{ clientEditId: `e-${orderId}-${token.slice(-6)}`, orderId, column: "remark", baseVersion: 1, value: "已联系" }] } });
      assert.equal((await edit(me, mineByEdit)).body.results[0].outcome, "saved");
      assert.equal((await edit(colleague, theirs)).body.results[0].outcome, "saved");
      const mine = (await t.call("GET", "/api/orders?mine=1", { token: me })).body.orders.map((o: any) => o.id);
      // Importing is a change too: the importer's orders are theirs; the colleague sees only their edit.
      assert.deepEqual(mine.sort(), [mineByEdit, theirs, untouched].sort());
      assert.deepEqual((await t.call("GET", "/api/orders?mine=1", { token: colleague })).body.orders.map((o: any) => o.id), [theirs]);
      assert.equal((await t.call("GET", "/api/orders/count?mine=1", { token: colleague })).body.total, 1);
      // A week later the edits are old news.
      now = new Date(now.getTime() + 8 * 86_400_000);
      try {
        assert.deepEqual((await t.call("GET", "/api/orders?mine=1", { token: colleague })).body.orders, []);
      } finally {
        now = new Date("2026-03-02T04:00:00Z");
      }
    });
  });

  it("documents the new routes and parameters in the generated OpenAPI document", async function () {
    const doc = (await t.call("GET", "/api/openapi.json")).body;
    const params = (p: string) => (doc.paths[p].get.parameters as { name: string }[]).map((x) => x.name);
    for (const name of ["q", "overdue", "mine", "window", "lines"]) assert.ok(params("/api/orders").includes(name), name);
    for (const name of ["q", "overdue", "mine", "window", "status"]) assert.ok(params("/api/orders/count").includes(name), name);
    assert.ok(!params("/api/orders/count").includes("limit"));
    assert.ok(doc.paths["/api/workflow/moves"].get);
    assert.ok(doc.components.schemas.Error.properties.error.properties.refusal);
  });
});
