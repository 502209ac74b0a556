import assert from "node:assert/strict";
import { orderTimeline, stretchesOf, type NodeMap } from "../../../../server/domain/analysis/nodeTimeline.js";

const MAP: NodeMap = {
  nodes: [
    { code: "pay", slaMinutes: 30 },
    { code: "review", slaMinutes: 10 },
    { code: "pick", slaMinutes: 60 },
    { code: "ship" },
  ],
  nodeOf: { pending_payment: "pay", paid: "review", manual_review: "review", reviewed: "pick", in_transit: "ship" },
};
const T = (m: number) => new Date(Date.UTC(2026, 5, 18, 12, 0) + m * 60_000).toISOString();
const TERMINAL = new Set(["completed", "cancelled"]);

describe("node timeline (delay attribution per standard node)", function () {
  it("sums each node's states, compares with its SLA and names the node that made the order late with its share", function () {
    // 审单 in two states (paid 5 min + manual review 40 min = 45 against 10): 35 late; 拣货 70 against 60: 10 late.
    const stretches = stretchesOf(
      [
        { status: "pending_payment", at: T(0) },
        { status: "paid", at: T(20) },
        { status: "manual_review", at: T(25) },
        { status: "reviewed", at: T(65) },
        { status: "in_transit", at: T(135) },
        { status: "completed", at: T(2000) },
      ],
      TERMINAL,
    );
    const t = orderTimeline(stretches, MAP, new Date(T(5000)));
    assert.deepEqual(
      t.nodes.map((n) => [n.node, n.minutes, n.slaMinutes, n.lateMinutes, n.lateShare, n.visits]),
      [
        ["pay", 20, 30, 0, 0, 1],
        ["review", 45, 10, 35, 0.7778, 1],
        ["pick", 70, 60, 10, 0.2222, 1],
        ["ship", 1865, null, 0, 0, 1],
      ],
    );
    assert.equal(t.lateMinutes, 45);
    assert.equal(t.culprit, "review");
    assert.equal(t.nodes[1].enteredAt, T(20));
    assert.equal(t.nodes[1].leftAt, T(65));
  });

  it("counts an open stretch up to now, a node entered again as a second visit, and leaves out states in no node", function () {
    const stretches = stretchesOf(
      [
        { status: "paid", at: T(0) },
        { status: "finance_hold", at: T(5) },
        { status: "paid", at: T(100) },
        { status: "reviewed", at: T(108) },
      ],
      TERMINAL,
    );
    const t = orderTimeline(stretches, MAP, new Date(T(150)));
    assert.deepEqual(
      t.nodes.map((n) => [n.node, n.minutes, n.lateMinutes, n.visits, n.leftAt]),
      [
        ["review", 13, 3, 2, T(108)],
        ["pick", 42, 0, 1, null],
      ],
    );
    assert.equal(t.culprit, "review");
  });

  it("says nothing was late when every node kept its SLA", function () {
    const t = orderTimeline(stretchesOf([{ status: "pending_payment", at: T(0) }, { status: "paid", at: T(1) }, { status: "cancelled", at: T(2) }], TERMINAL), MAP, new Date(T(10)));
    assert.equal(t.lateMinutes, 0);
    assert.equal(t.culprit, null);
    assert.ok(t.nodes.every((n) => n.lateShare === 0));
  });
});
