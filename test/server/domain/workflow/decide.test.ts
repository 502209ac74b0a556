import assert from "node:assert/strict";
import type { WorkflowDefinition } from "../../../../server/contracts/workflow.js";
import { MAX_AUTO_CHAIN, decide } from "../../../../server/domain/workflow/decide.js";
import { nextStatuses } from "../../../../server/domain/workflow/nextStatuses.js";
import { standardWorkflow as flow } from "../../../../server/domain/workflow/templates.js";
import { ADMIN, AUDITOR, CS, FINANCE, NOW, SYSTEM, WAREHOUSE, at, ev, makeOrder, manual, step } from "./fixtures.js";

describe("decide", function () {
  describe("facts from connectors", function () {
    it("moves a paid ordinary order straight through review, chaining the auto transitions", function () {
      const d = decide(flow, makeOrder(), ev("payment.confirmed", { paidAt: "2026-01-15T09:59:00+08:00" }), SYSTEM, NOW);
      assert.equal(d.kind, "transition");
      assert.ok(d.kind === "transition");
      assert.equal(d.from, "pending_payment");
      assert.equal(d.to, "reviewed");
      assert.equal(d.transitionId, "pay");
      assert.deepEqual(d.steps.map((s) => s.transitionId), ["pay", "route_straight_through"]);
      assert.deepEqual(d.patch, { paidAt: "2026-01-15T01:59:00.000Z", status: "reviewed", statusSince: NOW.toISOString() });
      assert.deepEqual(d.changes[0], { field: "paidAt", old: null, new: "2026-01-15T01:59:00.000Z" });
      assert.deepEqual(d.changes[1], { field: "status", old: "pending_payment", new: "reviewed" });
    });

    it("records facts without a move as an update", function () {
      const d = decide(flow, makeOrder({ status: "in_transit" }), ev("carrier.update", { state: "2", location: "杭州" }), SYSTEM, NOW);
      assert.equal(d.kind, "update");
      assert.ok(d.kind === "update");
      assert.deepEqual(d.patch, { extra: { lastTrackAt: NOW.toISOString(), trackState: "2", trackLocation: "杭州" } });
    });

    it("answers noop when the fact is already known", function () {
      const order = makeOrder({ status: "in_transit", carrier: "SF", waybillNo: "SF123" });
      const d = decide(flow, order, ev("waybill.assigned", { carrier: "SF", waybillNo: "SF123" }), SYSTEM, NOW);
      assert.equal(d.kind, "noop");
      assert.ok(d.kind === "noop" && /already known/.test(d.reason));
    });

    it("walks the in-between shipping states: printed, waybill uploaded, then in transit on outbound", function () {
      let o = makeOrder({ status: "reviewed" });
      o = step(flow, o, ev("wms.printed", {})).order;
      assert.equal(o.status, "printed");
      o = step(flow, o, ev("waybill.assigned", { carrier: "SF", waybillNo: "SF1" })).order;
      assert.equal(o.status, "waybill_uploaded");
      const r = step(flow, o, ev("wms.outbound", { outboundAt: "2026-01-15T10:00:00Z" }));
      assert.equal(r.order.status, "in_transit");
      assert.ok(r.decision.kind === "transition" && r.decision.transitionId === "ship_after_outbound");
    });

    it("holds an outbound parcel without a waybill in 已出库无物流单号 until the number arrives", function () {
      let o = makeOrder({ status: "printed" });
      o = step(flow, o, ev("wms.outbound", { outboundAt: "2026-01-15T10:00:00Z", warehouse: "HZ-1" })).order;
      assert.equal(o.status, "outbound_no_waybill");
      assert.equal(o.warehouse, "HZ-1");
      o = step(flow, o, ev("waybill.assigned", { carrier: "SF", waybillNo: "SF1" })).order;
      assert.equal(o.status, "in_transit");
    });

    it("refuses a cancellation once the goods have left, saying which guard failed and listing allowed statuses", function () {
      const order = makeOrder({ status: "in_transit", paidAt: "2026-01-15T07:00:00.000Z", outboundAt: "2026-01-15T08:00:00.000Z", waybillNo: "SF1" });
      const d = decide(flow, order, ev("order.cancelled", { reason: "buyer" }), CS, NOW);
      assert.equal(d.kind, "refused");
      assert.ok(d.kind === "refused");
      assert.match(d.reason, /order\.cancelled is not accepted in status 在途 \(in_transit\): transition cancel needs `!has\(order\.outboundAt\)`/);
      assert.deepEqual(d.allowed, ["refund_requested"]);
    });

    it("does not record the facts of a refused request", function () {
      const order = makeOrder({ status: "completed" });
      const d = decide(flow, order, ev("refund.requested", { amount: 100 }), CS, NOW);
      assert.equal(d.kind, "refused");
      assert.ok(d.kind === "refused" && /not accepted in status 已完成 \(completed\)$/.test(d.reason));
      assert.ok(!("patch" in d));
    });

    it("refuses an order whose status is not in the workflow", function () {
      const d = decide(flow, makeOrder({ status: "legacy_state" }), ev("payment.confirmed", {}), SYSTEM, NOW);
      assert.ok(d.kind === "refused" && /"legacy_state" is not a status of workflow standard/.test(d.reason));
    });
  });

  describe("manual commands", function () {
    it("lets customer service approve a manual review", function () {
      const d = decide(flow, makeOrder({ status: "manual_review", version: 7 }), manual("reviewed", 7), CS, NOW);
      assert.ok(d.kind === "transition");
      assert.equal(d.transitionId, "approve_manual_review");
      assert.deepEqual(d.patch, { status: "reviewed", statusSince: NOW.toISOString() });
    });

    it("refuses a role the transition does not list, naming who may", function () {
      const d = decide(flow, makeOrder({ status: "manual_review", version: 7 }), manual("reviewed", 7), WAREHOUSE, NOW);
      assert.equal(d.kind, "refused");
      assert.ok(d.kind === "refused");
      assert.equal(d.reason, "role warehouse may not move orders from 人工审单 (manual_review) to 已审单待打单 (reviewed): only customer_service, supervisor may");
      assert.deepEqual(d.allowed, []);
    });

    it("refuses a target no transition leads to and lists the statuses the role may choose", function () {
      const paid = makeOrder({ status: "manual_review", version: 7, paidAt: "2026-01-15T07:00:00.000Z" });
      const d = decide(flow, paid, manual("signed", 7), CS, NOW);
      assert.ok(d.kind === "refused");
      assert.equal(d.reason, "no transition leads from 人工审单 (manual_review) to 已签收 (signed)");
      assert.deepEqual(d.allowed, ["reviewed", "cancelled", "refund_requested"]);
      const unpaid = decide(flow, makeOrder({ status: "manual_review", version: 7 }), manual("signed", 7), CS, NOW);
      assert.deepEqual(unpaid.kind === "refused" && unpaid.allowed, ["reviewed", "cancelled"], "refund needs a payment");
    });

    it("refuses an unknown target status", function () {
      const d = decide(flow, makeOrder({ status: "manual_review" }), manual("shipped", 3), CS, NOW);
      assert.ok(d.kind === "refused" && d.reason === '"shipped" is not a status of workflow standard');
    });

    it("applies guards to people too: a manual cancel after outbound is refused", function () {
      const order = makeOrder({ status: "outbound_no_waybill", outboundAt: "2026-01-15T08:00:00.000Z" });
      const d = decide(flow, order, manual("cancelled", 3), CS, NOW);
      assert.ok(d.kind === "refused");
      assert.match(d.reason, /cancel_by_hand needs `!has\(order\.outboundAt\)`/);
    });

    it("reports a stale baseVersion as a conflict with the current version and status", function () {
      const d = decide(flow, makeOrder({ status: "manual_review", version: 9 }), manual("reviewed", 8), CS, NOW);
      assert.equal(d.kind, "conflict");
      assert.ok(d.kind === "conflict");
      assert.equal(d.currentVersion, 9);
      assert.equal(d.currentStatus, "manual_review");
      assert.match(d.reason, /changed since version 8 .* now version 9 in status 人工审单/);
    });

    it("refuses auditors whatever they ask", function () {
      const d = decide(flow, makeOrder({ status: "manual_review" }), manual("reviewed", 3), AUDITOR, NOW);
      assert.ok(d.kind === "refused" && /read-only/.test(d.reason));
      assert.deepEqual(d.kind === "refused" && d.allowed, []);
    });

    it("lets an admin take a transition whose roles do not list admin, even a machine one", function () {
      const d = decide(flow, makeOrder({ status: "reviewed" }), manual("printed", 3), ADMIN, NOW);
      assert.ok(d.kind === "transition" && d.transitionId === "print_label");
    });

    it("answers noop when the order is already in the target status", function () {
      const d = decide(flow, makeOrder({ status: "reviewed" }), manual("reviewed", 3), CS, NOW);
      assert.ok(d.kind === "noop" && /already in status/.test(d.reason));
    });

    it("chains auto transitions after a manual move", function () {
      const d = decide(flow, makeOrder({ status: "pending_payment", totalAmount: 80000 }), manual("paid", 3), FINANCE, NOW);
      assert.ok(d.kind === "transition");
      assert.equal(d.to, "manual_review");
    });
  });

  describe("auto chains", function () {
    function chainFlow(length: number, loop = false): WorkflowDefinition {
      const codes = Array.from({ length }, (_, i) => `s${i}`);
      return {
        name: "chain",
        initial: "s0",
        states: codes.map((code, i) => ({ code, labels: { "zh-CN": code, en: code }, category: "review", terminal: !loop && i === length - 1 })),
        transitions: [
          { id: "start", from: "s0", to: "s1", trigger: "payment.confirmed", roles: [] },
          ...codes.slice(1, -1).map((c, i) => ({ id: `auto_${c}`, from: c, to: codes[i + 2], trigger: "auto" as const, roles: [] })),
          ...(loop ? [{ id: "back", from: codes[length - 1], to: "s1", trigger: "auto" as const, roles: [] }] : []),
        ],
        timers: [],
        rules: [],
      };
    }

    it("follows at most MAX_AUTO_CHAIN auto transitions after the triggered move", function () {
      const d = decide(chainFlow(10), makeOrder({ status: "s0" }), ev("payment.confirmed", {}), SYSTEM, NOW);
      assert.ok(d.kind === "transition");
      assert.equal(d.steps.length, 1 + MAX_AUTO_CHAIN);
      assert.equal(d.to, `s${1 + MAX_AUTO_CHAIN}`);
    });

    it("never re-enters a status within one decision", function () {
      const d = decide(chainFlow(3, true), makeOrder({ status: "s0" }), ev("payment.confirmed", {}), SYSTEM, NOW);
      assert.ok(d.kind === "transition");
      assert.deepEqual(d.steps.map((s) => s.to), ["s1", "s2"]);
    });
  });

  describe("timer moves", function () {
    it("moves an unpaid order to cancelled once its timer is due", function () {
      const order = makeOrder({ statusSince: NOW.toISOString() });
      const early = decide(flow, order, ev("timer.fired", { timerId: "unpaid_timeout" }), SYSTEM, at(60));
      assert.ok(early.kind === "noop" && /not due until/.test(early.reason));
      const due = decide(flow, order, ev("timer.fired", { timerId: "unpaid_timeout" }), SYSTEM, at(1440));
      assert.ok(due.kind === "transition" && due.to === "cancelled" && due.transitionId === "timer:unpaid_timeout");
    });

    it("ignores a timer of another status", function () {
      const d = decide(flow, makeOrder({ status: "paid" }), ev("timer.fired", { timerId: "unpaid_timeout" }), SYSTEM, at(2000));
      assert.ok(d.kind === "noop" && /applies to status 待支付/.test(d.reason));
    });
  });

  describe("nextStatuses", function () {
    it("offers only the moves the role may make", function () {
      assert.deepEqual(nextStatuses(flow, "manual_review", "customer_service"), ["reviewed", "cancelled", "refund_requested"]);
      assert.deepEqual(nextStatuses(flow, "manual_review", "warehouse"), []);
      assert.deepEqual(nextStatuses(flow, "reviewed", "warehouse"), ["printed"]);
    });

    it("offers nothing from a terminal status except to admins with a defined transition", function () {
      assert.deepEqual(nextStatuses(flow, "cancelled", "admin"), []);
      assert.deepEqual(nextStatuses(flow, "unknown", "admin"), []);
    });
  });
});
