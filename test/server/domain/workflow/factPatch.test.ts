import assert from "node:assert/strict";
import { applyPatch, factPatch } from "../../../../server/domain/workflow/factPatch.js";
import { NOW, ev, makeOrder } from "./fixtures.js";

describe("factPatch", function () {
  it("stores payload times in UTC", function () {
    const { patch } = factPatch(makeOrder(), ev("payment.confirmed", { paidAt: "2026-01-15T09:00:00+08:00" }), NOW);
    assert.deepEqual(patch, { paidAt: "2026-01-15T01:00:00.000Z" });
  });

  it("defaults a missing time to occurredAt, and fills blanks only", function () {
    const e = ev("payment.confirmed", {}, { occurredAt: "2026-01-15T02:00:00Z" });
    assert.deepEqual(factPatch(makeOrder(), e, NOW).patch, { paidAt: "2026-01-15T02:00:00.000Z" });
    assert.deepEqual(factPatch(makeOrder({ paidAt: "2026-01-15T01:00:00.000Z" }), e, NOW).changes, []);
  });

  it("overwrites a fact when the event states a different explicit value", function () {
    const order = makeOrder({ carrier: "SF", waybillNo: "SF1" });
    const { changes } = factPatch(order, ev("waybill.assigned", { carrier: "SF", waybillNo: "SF2" }), NOW);
    assert.deepEqual(changes, [{ field: "waybillNo", old: "SF1", new: "SF2" }]);
  });

  it("keeps facts without a column in extra, leaving other business fields alone", function () {
    const order = makeOrder({ extra: { giftWrap: true } });
    const { patch, changes } = factPatch(order, ev("refund.succeeded", { amount: 500, stockRestored: false }), NOW);
    assert.deepEqual(patch.extra, { giftWrap: true, refundedAt: NOW.toISOString(), refundedAmount: 500, stockRestored: false });
    assert.deepEqual(changes.map((c) => c.field), ["extra.refundedAt", "extra.refundedAmount", "extra.stockRestored"]);
    assert.deepEqual(order.extra, { giftWrap: true }, "input untouched");
  });

  it("only moves the last tracking time forward", function () {
    const order = makeOrder({ extra: { lastTrackAt: "2026-01-15T11:00:00.000Z" } });
    const late = ev("carrier.update", { state: "2" }, { occurredAt: "2026-01-15T10:30:00Z" });
    assert.deepEqual(factPatch(order, late, NOW).changes.map((c) => c.field), ["extra.trackState"]);
  });

  it("records milestones by code", function () {
    const order = makeOrder({ extra: { milestones: { risk_approved: "2026-01-15T08:00:00.000Z" } } });
    const { patch } = factPatch(order, ev("milestone", { code: "params_confirming" }), NOW);
    assert.deepEqual(patch.extra, { milestones: { risk_approved: "2026-01-15T08:00:00.000Z", params_confirming: NOW.toISOString() } });
  });

  it("applyPatch returns a new order and leaves the input alone", function () {
    const order = makeOrder();
    const next = applyPatch(order, { status: "paid" });
    assert.equal(next.status, "paid");
    assert.equal(order.status, "pending_payment");
    assert.deepEqual({ ...next, status: order.status }, order);
  });
});
