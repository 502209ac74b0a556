import assert from "node:assert/strict";
import type { WorkflowDefinition } from "../../../../server/contracts/workflow.js";
import type { Order } from "../../../../server/domain/order.js";
import { decide } from "../../../../server/domain/workflow/decide.js";
import { dueTimers, type TimerAction } from "../../../../server/domain/workflow/dueTimers.js";
import { slaLevel } from "../../../../server/domain/workflow/slaLevel.js";
import { furnitureWorkflow, standardWorkflow as flow } from "../../../../server/domain/workflow/templates.js";
import { NOW, SYSTEM, at, ev, makeOrder, step } from "./fixtures.js";

/** Status after a payment for an order shaped by `overrides`, with `related` counts. */
function routeAfterPayment(overrides: Partial<Order>, paidAt = "2026-01-15T02:00:00.000Z", related = {}): string {
  const d = decide(flow, makeOrder(overrides), ev("payment.confirmed", { paidAt }), SYSTEM, NOW, related);
  assert.equal(d.kind, "transition");
  return d.kind === "transition" ? d.to : "";
}

function timerIds(def: WorkflowDefinition, order: Order, now: Date, fired = new Set<string>()): string[] {
  return dueTimers(def, order, now, fired).map((t) => t.timerId);
}

const inTransit = (over: Partial<Order> = {}) =>
  makeOrder({ status: "in_transit", paidAt: at(-600).toISOString(), outboundAt: at(-60).toISOString(), waybillNo: "SF1", carrier: "SF", ...over });

describe("rules quoted by the seeds (DOMAIN.md)", function () {
  describe("WMS outbound time AND carrier waybill → in transit", function () {
    it("moves to in transit when both facts are known", function () {
      const o = makeOrder({ status: "printed", waybillNo: "SF1" });
      assert.equal(step(flow, o, ev("wms.outbound", { outboundAt: NOW.toISOString() })).order.status, "in_transit");
    });

    it("does not move to in transit on the outbound time alone", function () {
      const o = makeOrder({ status: "printed" });
      assert.equal(step(flow, o, ev("wms.outbound", { outboundAt: NOW.toISOString() })).order.status, "outbound_no_waybill");
    });

    it("does not move to in transit on the waybill alone", function () {
      const o = makeOrder({ status: "printed" });
      assert.equal(step(flow, o, ev("waybill.assigned", { carrier: "SF", waybillNo: "SF1" })).order.status, "waybill_uploaded");
    });
  });

  describe("no tracking update within 2 h → alert the regional manager", function () {
    it("alerts the regional manager 2 h after the last tracking news", function () {
      const o = inTransit({ statusSince: NOW.toISOString(), extra: { lastTrackAt: at(30).toISOString() } });
      assert.ok(!timerIds(flow, o, at(149)).includes("no_tracking_2h"));
      const due = dueTimers(flow, o, at(150), new Set()).find((t) => t.timerId === "no_tracking_2h");
      assert.ok(due && due.kind === "alert");
      assert.equal(due.alert.notify, "regional_manager");
    });

    it("restarts the clock on every tracking update", function () {
      let o = inTransit({ statusSince: NOW.toISOString() });
      o = step(flow, o, ev("carrier.update", { state: "2" }), { now: at(100) }).order;
      assert.ok(!timerIds(flow, o, at(200)).includes("no_tracking_2h"));
      assert.ok(timerIds(flow, o, at(220)).includes("no_tracking_2h"));
    });
  });

  describe("amount > 500 or a special ingredient → manual review, otherwise straight through", function () {
    it("sends an order over 500.00 to manual review", function () {
      assert.equal(routeAfterPayment({ totalAmount: 50001 }), "manual_review");
    });

    it("sends an order of exactly 500.00 straight through", function () {
      assert.equal(routeAfterPayment({ totalAmount: 50000 }), "reviewed");
    });

    it("sends an order with a special-ingredient line to manual review", function () {
      const lines = [{ lineNo: 1, sku: "S", name: "Salmon oil", quantity: 1, unitPrice: 100, amount: 100, flags: { special: true } }];
      assert.equal(routeAfterPayment({ totalAmount: 100, lines }), "manual_review");
    });
  });

  describe("channel refund succeeded → check the ERP stock was restored, else alert", function () {
    const refunding = () => makeOrder({ status: "refund_requested", paidAt: at(-60).toISOString() });

    it("alerts when the stock was not restored", function () {
      const d = decide(flow, refunding(), ev("refund.succeeded", { amount: 10000, stockRestored: false }), SYSTEM, NOW);
      assert.ok(d.kind === "transition" && d.to === "refunded");
      assert.deepEqual(d.alerts.map((a) => a.sourceId), ["refund_stock_not_restored"]);
    });

    it("alerts when the refund does not say whether the stock was restored", function () {
      const d = decide(flow, refunding(), ev("refund.succeeded", {}), SYSTEM, NOW);
      assert.deepEqual(d.alerts.map((a) => a.sourceId), ["refund_stock_not_restored"]);
    });

    it("stays quiet when the stock was restored", function () {
      const d = decide(flow, refunding(), ev("refund.succeeded", { stockRestored: true }), SYSTEM, NOW);
      assert.deepEqual(d.alerts, []);
    });
  });

  describe("furniture SLA colours", function () {
    const furniture = (status: string, over: Partial<Order> = {}) => makeOrder({ status, statusSince: NOW.toISOString(), ...over });

    it("raises a red alert after 2 h in 定制参数确认, not before", function () {
      const o = furniture("params_confirming");
      assert.deepEqual(timerIds(furnitureWorkflow, o, at(119)), []);
      const [due] = dueTimers(furnitureWorkflow, o, at(120), new Set());
      assert.ok(due.kind === "alert" && due.alert.level === "red");
      assert.equal(slaLevel(furnitureWorkflow, o, at(119)), null);
      assert.equal(slaLevel(furnitureWorkflow, o, at(120)), "red");
    });

    it("raises an orange alert when 工厂排产启动 → 板材出库 takes more than 24 h", function () {
      const o = furniture("production_started");
      assert.deepEqual(timerIds(furnitureWorkflow, o, at(1439)), []);
      const [due] = dueTimers(furnitureWorkflow, o, at(1440), new Set());
      assert.ok(due.kind === "alert" && due.alert.level === "orange" && due.timerId === "production_to_boards_orange_24h");
      assert.equal(slaLevel(furnitureWorkflow, o, at(1441)), "orange");
      const moved = step(furnitureWorkflow, o, ev("milestone", { code: "boards_outbound" }), { now: at(600) }).order;
      assert.deepEqual(timerIds(furnitureWorkflow, moved, at(1441)), [], "boards issued in time: no alert");
    });

    it("turns green when the customer signs at least 24 h before the promised time", function () {
      // Paid and outbound, as such an order is: the signature contradicts nothing.
      const early = furniture("out_for_delivery", { promisedAt: at(24 * 60).toISOString(), paidAt: at(-3000).toISOString(), outboundAt: at(-2000).toISOString() });
      const d = decide(furnitureWorkflow, early, ev("carrier.signed", { signedAt: NOW.toISOString() }), SYSTEM, NOW);
      assert.ok(d.kind === "transition" && d.to === "signed");
      assert.deepEqual(d.alerts.map((a) => [a.sourceId, a.level]), [["signed_early", "green"]]);
      const signed = step(furnitureWorkflow, early, ev("carrier.signed", { signedAt: NOW.toISOString() })).order;
      assert.equal(slaLevel(furnitureWorkflow, signed, at(10)), "green");
    });

    it("does not turn green when the signature is less than 24 h ahead", function () {
      const late = furniture("out_for_delivery", { promisedAt: at(24 * 60 - 1).toISOString(), paidAt: at(-3000).toISOString(), outboundAt: at(-2000).toISOString() });
      const d = decide(furnitureWorkflow, late, ev("carrier.signed", { signedAt: NOW.toISOString() }), SYSTEM, NOW);
      assert.deepEqual(d.alerts, []);
      const signed = step(furnitureWorkflow, late, ev("carrier.signed", { signedAt: NOW.toISOString() })).order;
      assert.equal(slaLevel(furnitureWorkflow, signed, at(10)), null);
    });
  });

  describe("finance receivable differs from the channel amount by > 0.5 % → pause the order and report", function () {
    const signed = () => makeOrder({ status: "signed", totalAmount: 100000, paidAt: at(-6000).toISOString(), extra: { signedAt: at(-60).toISOString() } });

    it("pauses the order and raises a report alert with both amounts", function () {
      const d = decide(flow, signed(), ev("finance.receivable", { amount: 100501 }), SYSTEM, NOW);
      assert.ok(d.kind === "transition" && d.to === "finance_hold");
      const [alert] = d.alerts;
      assert.equal(alert.sourceId, "receivable_difference_report");
      assert.equal(alert.details?.totalAmount, 100000);
      assert.equal(alert.details?.amount, 100501);
    });

    it("lets a difference of exactly 0.5 % through", function () {
      const d = decide(flow, signed(), ev("finance.receivable", { amount: 99500 }), SYSTEM, NOW);
      assert.equal(d.kind, "update");
      assert.deepEqual(d.alerts, []);
    });

    it("holds furniture settlement instead of settling", function () {
      const o = makeOrder({ status: "return_window_closed", totalAmount: 100000 });
      const off = decide(furnitureWorkflow, o, ev("finance.receivable", { amount: 98000 }), SYSTEM, NOW);
      assert.equal(off.kind, "update");
      assert.deepEqual(off.alerts.map((a) => a.sourceId), ["receivable_difference_report"]);
      const ok = decide(furnitureWorkflow, o, ev("finance.receivable", { amount: 100000 }), SYSTEM, NOW);
      assert.ok(ok.kind === "transition" && ok.to === "settled");
    });
  });

  describe("> 15 status conflicts a day on a channel, or an order's status jumping > 3 times → pause the channel", function () {
    const order = () => inTransit();

    it("pauses the channel's intake and alerts after the 16th conflict of the day", function () {
      const d = decide(flow, order(), ev("carrier.update", {}), SYSTEM, NOW, { channelConflictsToday: 16 });
      assert.deepEqual(d.effects, [{ kind: "pause_channel", sourceId: "channel_conflict_breaker", channel: "tmall", message: d.alerts[0].message, messages: d.alerts[0].messages }]);
      assert.equal(d.alerts[0].level, "red");
    });

    it("keeps the channel open at 15 conflicts", function () {
      const d = decide(flow, order(), ev("carrier.update", {}), SYSTEM, NOW, { channelConflictsToday: 15 });
      assert.deepEqual(d.effects, []);
    });

    it("pauses the channel when one order's status jumped more than 3 times, even on a conflicting edit", function () {
      const d = decide(flow, order(), ev("manual.command", { to: "signed", baseVersion: 1 }), SYSTEM, NOW, { orderStatusJumps24h: 4 });
      assert.equal(d.kind, "conflict");
      assert.deepEqual(d.effects.map((e) => e.kind), ["pause_channel"]);
      const calm = decide(flow, order(), ev("carrier.update", {}), SYSTEM, NOW, { orderStatusJumps24h: 3 });
      assert.deepEqual(calm.effects, []);
    });
  });

  describe("logistics stalls: 2 h → SMS the customer, 6 h → task for customer service, 24 h → compensation", function () {
    const stalled = () => inTransit({ statusSince: NOW.toISOString() });
    const kinds = (actions: TimerAction[]) => actions.map((a) => `${a.timerId}:${a.kind}`);

    it("sends the customer an SMS at 2 h", function () {
      const sms = dueTimers(flow, stalled(), at(120), new Set()).find((a) => a.timerId === "stall_sms_customer_2h");
      assert.ok(sms && sms.kind === "alert" && sms.alert.via === "sms" && sms.alert.notify === "customer");
    });

    it("gives customer service a task at 6 h, once", function () {
      const fired = new Set(dueTimers(flow, stalled(), at(120), new Set()).map((a) => a.key));
      const at6h = dueTimers(flow, stalled(), at(360), fired);
      assert.deepEqual(kinds(at6h), ["stall_task_6h:task"]);
      assert.ok(at6h[0].kind === "task" && at6h[0].effect.assignee === "customer_service");
    });

    it("starts the compensation flow at 24 h", function () {
      const actions = dueTimers(flow, stalled(), at(1440), new Set());
      assert.deepEqual(kinds(actions).at(-1), "stall_compensation_24h:transition");
      const d = decide(flow, stalled(), ev("timer.fired", { timerId: "stall_compensation_24h" }), SYSTEM, at(1440));
      assert.ok(d.kind === "transition" && d.to === "compensation");
    });

    it("does nothing before 2 h", function () {
      assert.deepEqual(dueTimers(flow, stalled(), at(119), new Set()), []);
    });
  });

  describe("same customer on several platforms within 30 min → merged review", function () {
    it("routes to merged review when the caller counts another recent order", function () {
      assert.equal(routeAfterPayment({ totalAmount: 60000 }, undefined, { sameCustomerOtherChannels30m: 1 }), "merged_review");
    });

    it("does not merge a lone order", function () {
      assert.equal(routeAfterPayment({}, undefined, { sameCustomerOtherChannels30m: 0 }), "reviewed");
    });
  });

  describe('tags "618", "满300减50", "极速达" (paid before 12:00) → green-channel review', function () {
    it("routes 618 and 满300减50 orders to the green channel", function () {
      assert.equal(routeAfterPayment({ tags: ["618"] }), "green_review");
      assert.equal(routeAfterPayment({ tags: ["满300减50"] }), "green_review");
    });

    it("routes 极速达 to the green channel only when paid before noon Shanghai time", function () {
      assert.equal(routeAfterPayment({ tags: ["极速达"] }, "2026-01-15T11:59:00+08:00"), "green_review");
      assert.equal(routeAfterPayment({ tags: ["极速达"] }, "2026-01-15T12:00:00+08:00"), "reviewed");
    });

    it("leaves untagged orders on the ordinary path", function () {
      assert.equal(routeAfterPayment({ tags: ["vip"] }), "reviewed");
    });
  });
});
