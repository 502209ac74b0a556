import assert from "node:assert/strict";
import { decide } from "../../../../server/domain/workflow/decide.js";
import { factContradictions } from "../../../../server/domain/workflow/factContradictions.js";
import { applyPatch, factPatch } from "../../../../server/domain/workflow/factPatch.js";
import { standardWorkflow as flow } from "../../../../server/domain/workflow/templates.js";
import type { EventInput } from "../../../../server/contracts/events.js";
import type { Order } from "../../../../server/domain/order.js";
import { NOW, SYSTEM, at, ev, makeOrder } from "./fixtures.js";

function codes(order: Order, e: EventInput): string[] {
  const after = applyPatch(order, factPatch(order, e, NOW).patch);
  return factContradictions(order, after, e).map((c) => c.code);
}

const PAID = at(-300).toISOString();
const OUT = at(-200).toISOString();
const PLACED = at(-400).toISOString();

describe("factContradictions", function () {
  it("finds a signature, a collection and tracking on an order never paid", function () {
    const unpaid = makeOrder({ status: "in_transit", outboundAt: OUT });
    assert.deepEqual(codes(unpaid, ev("carrier.signed", { signedAt: NOW.toISOString() })), ["tracking_unpaid"]);
    assert.deepEqual(codes(unpaid, ev("carrier.collected", {})), ["tracking_unpaid"]);
    assert.deepEqual(codes(unpaid, ev("carrier.update", { state: "2" })), ["tracking_unpaid"]);
  });

  it("finds carrier news on an order the warehouse never reported outbound", function () {
    const notOut = makeOrder({ status: "waybill_uploaded", paidAt: PAID });
    assert.deepEqual(codes(notOut, ev("carrier.collected", {})), ["tracking_before_outbound"]);
    assert.deepEqual(codes(notOut, ev("carrier.signed", {})), ["tracking_before_outbound"]);
  });

  it("expects no payment or outbound fact in a workflow with no step waiting for them (e.g. the furniture template)", function () {
    const order = makeOrder({ status: "packed" });
    const signed = ev("carrier.signed", { signedAt: NOW.toISOString() });
    const after = applyPatch(order, factPatch(order, signed, NOW).patch);
    assert.deepEqual(factContradictions(order, after, signed, { payment: false, outbound: false }), []);
    assert.deepEqual(factContradictions(order, after, signed, { payment: true, outbound: false }).map((c) => c.code), ["tracking_unpaid"]);
    assert.deepEqual(codes(order, signed), ["tracking_unpaid", "tracking_before_outbound"], "both expected by default");
  });

  it("finds a refund on an order never paid", function () {
    assert.deepEqual(codes(makeOrder({ status: "pending_payment" }), ev("refund.succeeded", { amount: 100 })), ["refund_unpaid"]);
    assert.deepEqual(codes(makeOrder({ paidAt: PAID }), ev("refund.succeeded", { amount: 100 })), []);
  });

  it("finds times going backwards that the event introduced, and not ones known before", function () {
    const collected = makeOrder({ status: "in_transit", placedAt: PLACED, paidAt: PAID, outboundAt: OUT, extra: { collectedAt: at(-100).toISOString() } });
    const c = codes(collected, ev("carrier.signed", { signedAt: at(-150).toISOString() }));
    assert.deepEqual(c, ["time_backwards"]);
    const after = applyPatch(collected, factPatch(collected, ev("carrier.signed", { signedAt: at(-150).toISOString() }), NOW).patch);
    const [found] = factContradictions(collected, after, ev("carrier.signed", { signedAt: at(-150).toISOString() }));
    assert.match(found.zh, /签收 .* 早于 揽收/);
    assert.match(found.en, /signed .* before collected/);
    // Already backwards before: a later tracking update says nothing new about those times.
    const known = makeOrder({ status: "signed", placedAt: PLACED, paidAt: PAID, outboundAt: OUT, extra: { collectedAt: at(-100).toISOString(), signedAt: at(-150).toISOString() } });
    assert.deepEqual(codes(known, ev("carrier.update", { state: "3" })), []);
  });

  it("finds nothing on an order whose facts agree", function () {
    const ok = makeOrder({ status: "in_transit", placedAt: PLACED, paidAt: PAID, outboundAt: OUT, extra: { collectedAt: at(-100).toISOString() } });
    assert.deepEqual(codes(ok, ev("carrier.signed", { signedAt: NOW.toISOString() })), []);
  });

  it("records the signature of an unpaid order and raises a bilingual red alert with the facts", function () {
    const unpaid = makeOrder({ status: "in_transit", outboundAt: OUT });
    const d = decide(flow, unpaid, ev("carrier.signed", { signedAt: NOW.toISOString() }), SYSTEM, NOW);
    assert.ok(d.kind === "transition" || d.kind === "update", d.kind);
    assert.equal((d.patch.extra as Record<string, unknown>).signedAt, NOW.toISOString(), "the fact is still recorded");
    const alert = d.alerts.find((a) => a.sourceId === "fact_contradiction:tracking_unpaid");
    assert.ok(alert, JSON.stringify(d.alerts));
    assert.equal(alert.level, "red");
    assert.match(alert.message, /签收.*从未付款.*never paid/);
    assert.equal(alert.details?.paidAt, null);
    assert.equal(alert.details?.event, "carrier.signed");
  });
});
