import assert from "node:assert/strict";
import { dueTimers, nextTimerDueAt } from "../../../../server/domain/workflow/dueTimers.js";
import { slaLevel } from "../../../../server/domain/workflow/slaLevel.js";
import { standardWorkflow as flow } from "../../../../server/domain/workflow/templates.js";
import { NOW, at, makeOrder } from "./fixtures.js";

describe("dueTimers", function () {
  const stalled = () => makeOrder({ status: "in_transit", statusSince: NOW.toISOString(), outboundAt: NOW.toISOString(), waybillNo: "SF1" });

  it("fires each (timer, level, clock start) once", function () {
    const first = dueTimers(flow, stalled(), at(130), new Set());
    assert.deepEqual(first.map((a) => a.timerId), ["no_tracking_2h", "stall_sms_customer_2h"]);
    const fired = new Set(first.map((a) => a.key));
    assert.deepEqual(dueTimers(flow, stalled(), at(140), fired), []);
  });

  it("fires again after the clock restarts with new tracking news", function () {
    const first = dueTimers(flow, stalled(), at(130), new Set());
    const fired = new Set(first.map((a) => a.key));
    const tracked = { ...stalled(), extra: { lastTrackAt: at(135).toISOString() } };
    assert.deepEqual(dueTimers(flow, tracked, at(255), fired).map((a) => a.timerId), ["no_tracking_2h", "stall_sms_customer_2h"]);
  });

  it("never counts time from before the order entered the status", function () {
    const o = { ...stalled(), statusSince: at(100).toISOString(), extra: { lastTrackAt: at(-500).toISOString() } };
    assert.deepEqual(dueTimers(flow, o, at(219), new Set()), []);
    assert.equal(nextTimerDueAt(flow, o, new Set())?.toISOString(), at(220).toISOString());
  });

  it("lists alerts before a move due at the same moment, earliest first", function () {
    const actions = dueTimers(flow, stalled(), at(1440), new Set());
    assert.deepEqual(actions.map((a) => a.kind), ["alert", "alert", "task", "transition"]);
    assert.deepEqual(actions.map((a) => a.dueAt), [at(120), at(120), at(360), at(1440)].map((d) => d.toISOString()));
  });

  it("has nothing for a status without timers", function () {
    assert.deepEqual(dueTimers(flow, makeOrder({ status: "completed" }), at(99999), new Set()), []);
    assert.equal(nextTimerDueAt(flow, makeOrder({ status: "completed" }), new Set()), null);
  });

  it("gives timer alerts a readable default message", function () {
    const def = structuredClone(flow);
    def.timers = [{ id: "slow_review", state: "manual_review", afterMinutes: 90, anchor: "statusSince", action: { kind: "alert", level: "yellow" } }];
    const [a] = dueTimers(def, makeOrder({ status: "manual_review" }), at(90), new Set());
    assert.ok(a.kind === "alert");
    assert.equal(a.alert.message, "人工审单 (manual_review): more than 90 min in this status");
  });

  it("skips a timer whose guard does not hold", function () {
    const def = structuredClone(flow);
    def.timers = [{ id: "big_waiting", state: "manual_review", afterMinutes: 10, anchor: "statusSince", guard: "order.totalAmount > 100000", action: { kind: "alert", level: "red" } }];
    assert.deepEqual(dueTimers(def, makeOrder({ status: "manual_review", totalAmount: 5000 }), at(20), new Set()), []);
    assert.equal(dueTimers(def, makeOrder({ status: "manual_review", totalAmount: 500000 }), at(20), new Set()).length, 1);
  });
});

describe("slaLevel", function () {
  const reviewing = () => makeOrder({ status: "manual_review", statusSince: NOW.toISOString() });

  it("is null while well inside the state's SLA", function () {
    assert.equal(slaLevel(flow, reviewing(), at(95)), null);
  });

  it("turns orange at 80 % of the state's slaMinutes", function () {
    assert.equal(slaLevel(flow, reviewing(), at(96)), "orange");
  });

  it("turns red when the state's slaMinutes are used up", function () {
    assert.equal(slaLevel(flow, reviewing(), at(120)), "red");
  });

  it("turns orange when an orange alert timer of the status is due", function () {
    const o = makeOrder({ status: "outbound_no_waybill", statusSince: NOW.toISOString() });
    assert.equal(slaLevel(flow, o, at(59)), null);
    assert.equal(slaLevel(flow, o, at(60)), "orange");
  });

  it("is null for a terminal status without an early signature, and for an unknown status", function () {
    assert.equal(slaLevel(flow, makeOrder({ status: "completed" }), at(99999)), null);
    assert.equal(slaLevel(flow, makeOrder({ status: "nope" }), at(1)), null);
  });

  it("stays green on a completed order signed a day early", function () {
    const o = makeOrder({ status: "completed", promisedAt: at(3000).toISOString(), extra: { signedAt: at(0).toISOString() } });
    assert.equal(slaLevel(flow, o, at(99999)), "green");
  });
});
