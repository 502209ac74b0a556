import assert from "node:assert/strict";
import { EventInput } from "../../../../server/contracts/events.js";
import { compareReports } from "../../../../server/domain/sandbox/compareReports.js";
import { formatComparison, formatReport } from "../../../../server/domain/sandbox/formatReport.js";
import { orderStream } from "../../../../server/domain/sandbox/orderStream.js";
import { Rng, mulberry32, seedFrom } from "../../../../server/domain/sandbox/prng.js";
import { simulate } from "../../../../server/domain/sandbox/simulate.js";
import { mergeReports } from "../../../../server/domain/sandbox/simulationReport.js";
import { furnitureWorkflow, standardWorkflow } from "../../../../server/domain/workflow/templates.js";

describe("sandbox", function () {
  describe("prng", function () {
    it("repeats the same sequence for the same seed and differs for another", function () {
      const a = mulberry32(42);
      const b = mulberry32(42);
      const c = mulberry32(43);
      const xs = [a(), a(), a()];
      assert.deepEqual([b(), b(), b()], xs);
      assert.notDeepEqual([c(), c(), c()], xs);
      assert.ok(xs.every((x) => x >= 0 && x < 1));
    });

    it("turns text seeds into stable numbers", function () {
      assert.equal(seedFrom("spring-sale"), seedFrom("spring-sale"));
      assert.notEqual(seedFrom("spring-sale"), seedFrom("spring-sales"));
      assert.equal(seedFrom(7), 7);
    });

    it("draws weighted keys in proportion to their weights", function () {
      const rng = new Rng(1);
      let heavy = 0;
      for (let i = 0; i < 10_000; i++) if (rng.weighted({ heavy: 9, light: 1 }) === "heavy") heavy++;
      assert.ok(heavy > 8700 && heavy < 9300, String(heavy));
    });
  });

  describe("orderStream", function () {
    it("yields the requested number of orders with unique ids and steps in time order", function () {
      const ids = new Set<string>();
      let n = 0;
      for (const o of orderStream({ orders: 500, seed: 3 })) {
        n++;
        ids.add(o.order.id);
        for (let i = 1; i < o.steps.length; i++) assert.ok(o.steps[i].at >= o.steps[i - 1].at, `${o.order.id} step ${i}`);
      }
      assert.equal(n, 500);
      assert.equal(ids.size, 500);
    });

    it("is lazy: the first order of a billion-order stream comes at once", function () {
      const it = orderStream({ orders: 1_000_000_000, seed: 1 })[Symbol.iterator]();
      assert.equal(it.next().done, false);
    });

    it("splits into shards whose union is the whole stream", function () {
      const whole = [...orderStream({ orders: 30, seed: 5 })].map((o) => o.order.id).sort();
      const parts = [0, 1, 2].flatMap((index) => [...orderStream({ orders: 30, seed: 5, shard: { index, count: 3 } })].map((o) => o.order.id));
      assert.deepEqual(parts.sort(), whole);
    });

    it("produces events that pass the EventInput schema, for both profiles", function () {
      for (const profile of ["standard", "furniture"] as const) {
        for (const o of orderStream({ orders: 300, seed: 9, profile })) {
          for (const s of o.steps) if (s.kind === "event") assert.deepEqual(EventInput.parse(s.event), s.event);
        }
      }
    });
  });

  describe("simulate", function () {
    const run = (seed: number, orders = 1500) => simulate(standardWorkflow, orderStream({ orders, seed }));

    it("gives the same report for the same seed", function () {
      assert.deepEqual(run(11), run(11));
    });

    it("gives a different report for a different seed", function () {
      assert.notDeepEqual(run(11), run(12));
    });

    it("gives the same report whether the stream is run whole or in merged shards", function () {
      const whole = run(21, 900);
      const shards = [0, 1, 2].map((index) => simulate(standardWorkflow, orderStream({ orders: 900, seed: 21, shard: { index, count: 3 } })));
      assert.deepEqual(mergeReports(shards), whole);
    });

    it("accounts for every order and every decision", function () {
      const r = run(4);
      assert.equal(r.orders, 1500);
      assert.equal(Object.values(r.states).reduce((n, s) => n + s.ended, 0), r.orders);
      const decided = Object.values(r.decisions).reduce((n, k) => n + k, 0);
      assert.ok(decided >= r.events + r.timerMoves);
      assert.equal(r.states.pending_payment.entered, r.orders);
    });

    it("groups refusals by reason with a few example orders", function () {
      const r = run(8, 3000);
      const groups = Object.entries(r.refusals);
      assert.ok(groups.length > 0);
      for (const [reason, g] of groups) {
        assert.match(reason, /^[a-z.]+: /);
        assert.ok(g.examples.length >= 1 && g.examples.length <= 3);
        assert.deepEqual([...g.examples].sort(), g.examples);
      }
      assert.ok(Object.keys(r.refusals).some((k) => k.startsWith("order.cancelled: ") && k.includes("!has(order.outboundAt)")));
      assert.ok(r.decisions.conflict > 0, "stale edits become conflicts");
    });

    it("reports the alerts and effects the quoted rules would raise", function () {
      const r = run(8, 3000);
      for (const key of ["timer:no_tracking_2h:orange", "timer:stall_sms_customer_2h:yellow", "rule:receivable_difference_report:red", "rule:refund_stock_not_restored:orange"]) {
        assert.ok((r.alerts[key] ?? 0) > 0, key);
      }
      assert.ok((r.effects["task:stall_task_6h"] ?? 0) > 0);
      assert.ok((r.effects["pause_channel:channel_conflict_breaker"] ?? 0) > 0);
      assert.ok((r.transitions["timer:stall_compensation_24h"] ?? 0) > 0);
    });

    it("runs the furniture lifecycle end to end with its SLA alerts", function () {
      const r = simulate(furnitureWorkflow, orderStream({ orders: 800, seed: 2, profile: "furniture" }));
      assert.ok(r.states.settled.ended > 700);
      assert.ok((r.alerts["timer:params_confirmation_red_2h:red"] ?? 0) > 0);
      assert.ok((r.alerts["timer:production_to_boards_orange_24h:orange"] ?? 0) > 0);
      assert.ok((r.alerts["rule:signed_early:green"] ?? 0) > 0);
    });

    it("leaves the stream's orders untouched", function () {
      const orders = [...orderStream({ orders: 50, seed: 6 })];
      const before = structuredClone(orders);
      simulate(standardWorkflow, orders);
      assert.deepEqual(orders, before);
    });
  });

  describe("compareReports", function () {
    const stream = () => orderStream({ orders: 1500, seed: 31 });

    it("finds no differences between a definition and itself", function () {
      const r = simulate(standardWorkflow, stream());
      const c = compareReports(r, r);
      assert.ok(c.sameStream);
      assert.ok(Object.values(c.sections).every((rows) => rows.length === 0));
      assert.match(formatComparison(c), /No differences/);
    });

    it("shows fewer manual reviews when the amount threshold is raised", function () {
      const raised = structuredClone(standardWorkflow);
      raised.name = "standard_1000";
      const t = raised.transitions.find((x) => x.id === "route_manual_review");
      assert.ok(t?.guard);
      t.guard = t.guard.replace("50000", "100000");
      const c = compareReports(simulate(standardWorkflow, stream()), simulate(raised, stream()));
      const row = c.sections.transitions.find((x) => x.key === "route_manual_review");
      assert.ok(row && row.delta < 0, JSON.stringify(row));
      assert.match(formatComparison(c), /route_manual_review/);
    });
  });

  it("formats a readable report", function () {
    const text = formatReport(simulate(standardWorkflow, orderStream({ orders: 300, seed: 1 })), standardWorkflow);
    assert.match(text, /^Workflow standard: 300 orders/);
    assert.match(text, /in_transit 在途/);
    assert.match(text, /Transitions taken:/);
    assert.match(text, /Alerts that would fire:/);
  });
});
