import assert from "node:assert/strict";
import { decide } from "../../../../server/domain/workflow/decide.js";
import { arbitrate, DEFAULT_PRECEDENCE, sourceClass, type PrecedenceInput } from "../../../../server/domain/workflow/sourcePrecedence.js";
import { standardWorkflow as flow } from "../../../../server/domain/workflow/templates.js";
import { NOW, SYSTEM, at, ev, makeOrder } from "./fixtures.js";

const claim = (value: string, source: string) => ({ value, source, cls: sourceClass(source) });

describe("source precedence", function () {
  it("classes sources by connector kind, by kind prefix and by name", function () {
    const kinds = new Map([["connector:1f0c", "kdniao"], ["connector:2a9d", "jushuitan"]]);
    assert.equal(sourceClass("connector:1f0c", kinds), "carrier");
    assert.equal(sourceClass("connector:2a9d", kinds), "erp");
    assert.deepEqual(["sheet:li.li", "wms:hz", "erp:jst", "connector:kdniao", "connector:tmall", "timer:sla"].map((s) => sourceClass(s)), ["person", "erp", "erp", "carrier", "shop", "other"]);
  });

  it("lets the better-ranked class win either way round, and records the loser", function () {
    const carrier = claim("2026-01-15T04:10:00.000Z", "connector:kdniao");
    const erp = claim("2026-01-15T04:00:00.000Z", "erp:jst");
    const a = arbitrate(DEFAULT_PRECEDENCE, "collectedAt", erp, carrier)!;
    assert.deepEqual([a.winner, a.kept.source, a.lost.source, a.diffMinutes, a.frozen], ["incoming", "connector:kdniao", "erp:jst", 10, false]);
    const b = arbitrate(DEFAULT_PRECEDENCE, "collectedAt", carrier, erp)!;
    assert.deepEqual([b.winner, b.kept.source, b.lost.source], ["current", "connector:kdniao", "erp:jst"]);
    // For the paid time the shop ranks first.
    const paid = arbitrate(DEFAULT_PRECEDENCE, "paidAt", claim("2026-01-15T02:05:00.000Z", "connector:tmall"), claim("2026-01-15T02:00:00.000Z", "erp:jst"))!;
    assert.equal(paid.winner, "current");
  });

  it("settles nothing for the same value or the same class, and freezes beyond the tolerance", function () {
    assert.equal(arbitrate(DEFAULT_PRECEDENCE, "signedAt", claim("2026-01-15T04:00:00.000Z", "connector:kdniao"), claim("2026-01-15T05:00:00.000Z", "carrier:sf")), null);
    assert.equal(arbitrate(DEFAULT_PRECEDENCE, "signedAt", claim("2026-01-15T04:00:00.000Z", "connector:kdniao"), claim("2026-01-15T04:00:00.000Z", "sheet:li")), null);
    const d = arbitrate({ ...DEFAULT_PRECEDENCE, toleranceMinutes: 30 }, "signedAt", claim("2026-01-15T04:00:00.000Z", "connector:kdniao"), claim("2026-01-15T04:31:00.000Z", "sheet:li"))!;
    assert.deepEqual([d.diffMinutes, d.frozen], [31, true]);
  });

  it("in decide: keeps the winner's value, holds the order beyond the tolerance with a task, and changes nothing without precedence", function () {
    const order = makeOrder({ status: "in_transit", paidAt: at(-600).toISOString(), outboundAt: at(-300).toISOString(), extra: { collectedAt: at(-200).toISOString(), lastTrackAt: at(-200).toISOString() } });
    const precedence: PrecedenceInput = { policy: DEFAULT_PRECEDENCE, holders: { collectedAt: "connector:kdniao" }, classOf: (s) => sourceClass(s) };
    const e = ev("carrier.collected", { collectedAt: at(-100).toISOString() }, { source: "erp:jst" });
    const d = decide(flow, order, e, SYSTEM, NOW, {}, { precedence });
    assert.ok(d.kind === "update" && d.hold, JSON.stringify(d));
    assert.deepEqual(d.changes, [], "the ERP's time and the tracking news it stood for are not taken");
    assert.equal(d.disputes?.[0].lost.value, at(-100).toISOString());
    assert.deepEqual(d.effects.map((f) => f.kind === "task" && [f.sourceId, f.assignee]), [["fact_dispute:collectedAt", "warehouse"]]);
    const plain = decide(flow, order, e, SYSTEM, NOW);
    assert.ok(plain.kind === "update" && !plain.disputes && (plain.patch.extra as Record<string, unknown>).collectedAt === at(-100).toISOString(), "without precedence the arriving value overwrites, as before");
  });
});
