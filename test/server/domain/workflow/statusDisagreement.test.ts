import assert from "node:assert/strict";
import { decide } from "../../../../server/domain/workflow/decide.js";
import { applyPatch } from "../../../../server/domain/workflow/factPatch.js";
import { statusDisagreement } from "../../../../server/domain/workflow/statusDisagreement.js";
import { furnitureWorkflow, standardWorkflow as flow } from "../../../../server/domain/workflow/templates.js";
import { CS, NOW, SYSTEM, ev, makeOrder, manual } from "./fixtures.js";

describe("status disagreements between systems", function () {
  it("finds the carrier's signature of an order we hold as not outbound, and counts it for the breaker on this very event", function () {
    const order = makeOrder({ status: "reviewed", channel: "tmall" });
    const e = ev("carrier.signed", {}, { source: "connector:kdniao" });
    assert.deepEqual(statusDisagreement(flow, order, e), { source: "connector:kdniao", eventType: "carrier.signed", theirs: "signed", ours: "reviewed" });
    const calm = decide(flow, order, e, SYSTEM, NOW, { channelConflictsToday: 14 });
    assert.ok(calm.kind === "update" && calm.disagreement?.theirs === "signed");
    assert.deepEqual(calm.effects, [], "the 15th is tolerated");
    assert.ok(calm.alerts.some((a) => a.sourceId === "status_disagreement" && a.source === "conflict" && /状态不一致/.test(a.message) && /Status disagreement/.test(a.message)));
    const tripped = decide(flow, order, e, SYSTEM, NOW, { channelConflictsToday: 15 });
    assert.deepEqual(tripped.effects.map((f) => f.kind === "pause_channel" && f.sourceId), ["channel_conflict_breaker"], "the 16th pauses the channel");
  });

  it("finds the channel's cancellation refused because the parcel has left", function () {
    const order = makeOrder({ status: "in_transit", outboundAt: "2026-01-15T08:00:00.000Z" });
    const d = decide(flow, order, ev("order.cancelled", {}, { source: "connector:tmall" }), SYSTEM, NOW);
    assert.ok(d.kind === "refused" && d.disagreement?.theirs === "cancelled" && d.disagreement.ours === "in_transit", JSON.stringify(d));
  });

  it("sees none in facts our status agrees with, in a repeat, in a person's source, or in a stale edit", function () {
    assert.equal(statusDisagreement(flow, makeOrder({ status: "in_transit" }), ev("carrier.update", { location: "杭州" })), null);
    assert.equal(statusDisagreement(flow, makeOrder({ status: "signed" }), ev("carrier.update", { location: "杭州" })), null);
    assert.equal(statusDisagreement(flow, makeOrder({ status: "cancelled" }), ev("order.cancelled", {})), null);
    assert.equal(statusDisagreement(flow, makeOrder({ status: "reviewed" }), ev("payment.confirmed", {})), null);
    assert.equal(statusDisagreement(flow, makeOrder({ status: "reviewed" }), ev("carrier.signed", {}, { source: "sheet:li.li" })), null);
    const first = decide(flow, makeOrder({ status: "reviewed" }), ev("carrier.signed", { signedAt: "2026-01-15T09:00:00Z" }), SYSTEM, NOW);
    assert.ok(first.kind === "update" && first.disagreement);
    const again = decide(flow, applyPatch(makeOrder({ status: "reviewed" }), first.patch), ev("carrier.signed", { signedAt: "2026-01-15T09:00:00Z" }), SYSTEM, NOW, { channelConflictsToday: 15 });
    assert.equal(again.kind, "noop", "a repeated fact is already known, counted once");
    assert.deepEqual(again.effects, []);
    const stale = decide(flow, makeOrder({ status: "reviewed", version: 5 }), manual("cancelled", 2), CS, NOW, { channelConflictsToday: 15 });
    assert.equal(stale.kind, "conflict");
    assert.deepEqual(stale.effects, [], "a stale edit neither counts nor trips the breaker");
  });

  it("reads the categories of any workflow: a furniture order still being packed is not with the carrier", function () {
    const track = ev("carrier.update", { location: "佛山" });
    assert.deepEqual(statusDisagreement(furnitureWorkflow, makeOrder({ status: "packed" }), track), { source: "connector:test", eventType: "carrier.update", theirs: "in_transit", ours: "packed" });
    assert.equal(statusDisagreement(furnitureWorkflow, makeOrder({ status: "line_haul" }), track), null);
  });
});
