import assert from "node:assert/strict";
import { EVENT_DATA } from "../../../../server/contracts/events.js";
import { EVENT_DATA_FIELDS, guardContext } from "../../../../server/domain/workflow/guardContext.js";
import { compileGuard, evaluateGuard, GuardError, guardProblem } from "../../../../server/domain/workflow/guards.js";
import { makeOrder, NOW, at } from "./fixtures.js";

const event = { type: "payment.confirmed", source: "connector:test", data: {} };

function holds(expr: string, order = makeOrder(), now = NOW, related = {}): boolean {
  return evaluateGuard(expr, guardContext({ order, event, now, related })).ok;
}

describe("guards", function () {
  describe("guardProblem (publish-time checks)", function () {
    it("accepts well-typed boolean expressions over order, event, now, heldFor, tz and related", function () {
      for (const expr of [
        "order.totalAmount > 50000",
        '"618" in order.tags',
        'order.lines.exists(l, "special" in l.flags && l.flags["special"])',
        "heldFor > hours(2) && now - order.statusSince < days(1)",
        "has(order.paidAt) && order.paidAt.getHours(tz) < 12",
        "related.sameCustomerOtherChannels30m > 0",
        'has(event.data.state) && event.data.state == "201"',
        "abs(order.receivableAmount - order.totalAmount) * 1000 > order.totalAmount * 5",
        'order.milestones["boards_outbound"] - order.statusSince > minutes(30)',
      ]) {
        assert.equal(guardProblem(expr), null, expr);
      }
    });

    it("refuses a field the order does not have, naming it", function () {
      assert.match(guardProblem("order.amount > 5") ?? "", /type error: .*amount/);
    });

    it("refuses a related count that is not declared", function () {
      assert.match(guardProblem("related.ordersToday > 5") ?? "", /ordersToday/);
    });

    it("refuses comparing text with a number", function () {
      assert.match(guardProblem('order.channel > 5') ?? "", /type error/);
    });

    it("refuses a syntax error", function () {
      assert.match(guardProblem("order.totalAmount >") ?? "", /^syntax error/);
    });

    it("refuses an expression that is not a condition", function () {
      assert.match(guardProblem("order.totalAmount + 1") ?? "", /true\/false condition.*int/);
    });

    it("refuses undeclared variables instead of treating them as dynamic", function () {
      assert.match(guardProblem("user.admin") ?? "", /type error/);
    });

    it("throws GuardError from compileGuard for an invalid guard", function () {
      assert.throws(() => compileGuard("order.nope"), GuardError);
    });

    it("compiles each expression once", function () {
      assert.equal(compileGuard("order.totalAmount > 1"), compileGuard("order.totalAmount > 1"));
    });
  });

  describe("evaluation", function () {
    it("compares money as exact integer minor units", function () {
      assert.equal(holds("order.totalAmount > 50000", makeOrder({ totalAmount: 50001 })), true);
      assert.equal(holds("order.totalAmount > 50000", makeOrder({ totalAmount: 50000 })), false);
    });

    it("treats null fields as absent for has()", function () {
      assert.equal(holds("has(order.waybillNo)", makeOrder({ waybillNo: null })), false);
      assert.equal(holds("has(order.waybillNo)", makeOrder({ waybillNo: "SF1" })), true);
    });

    it("measures time in the current status with heldFor and the duration helpers", function () {
      const order = makeOrder({ statusSince: NOW.toISOString() });
      assert.equal(holds("heldFor > hours(2)", order, at(121)), true);
      assert.equal(holds("heldFor > hours(2)", order, at(119)), false);
    });

    it("reads recorded facts from extra as typed fields", function () {
      const order = makeOrder({ extra: { signedAt: "2026-01-15T09:00:00.000Z", receivableAmount: 9990 } });
      assert.equal(holds("order.signedAt < now && order.receivableAmount == 9990", order), true);
    });

    it("gives the local hour with hourIn, like getHours(tz) but faster", function () {
      for (const iso of ["2026-01-15T03:59:00Z", "2026-01-15T04:00:00Z", "2026-01-15T16:30:00Z"]) {
        const order = makeOrder({ paidAt: iso });
        assert.equal(holds("hourIn(order.paidAt, tz) == order.paidAt.getHours(tz)", order), true, iso);
      }
      assert.equal(holds("hourIn(order.paidAt, tz) == 11", makeOrder({ paidAt: "2026-01-15T03:59:00Z" })), true);
    });

    it("counts missing related numbers as zero", function () {
      assert.equal(holds("related.channelConflictsToday == 0"), true);
      assert.equal(holds("related.channelConflictsToday > 15", makeOrder(), NOW, { channelConflictsToday: 16 }), true);
    });

    it("does not hold, and reports why, when reading an absent field without has()", function () {
      const r = evaluateGuard("order.outboundAt < now", guardContext({ order: makeOrder(), event, now: NOW }));
      assert.equal(r.ok, false);
      assert.ok(!r.ok && r.error && /outboundAt/.test(r.error));
    });
  });

  it("declares every payload field of every event type for guards", function () {
    for (const [type, schema] of Object.entries(EVENT_DATA)) {
      for (const key of Object.keys(schema.shape)) {
        assert.ok(key in EVENT_DATA_FIELDS, `${type}.data.${key} is not visible to guards`);
      }
    }
  });
});
