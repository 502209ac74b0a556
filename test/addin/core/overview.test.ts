import assert from "node:assert/strict";
import { overview, overviewLabel } from "../../../addin/core/overview.js";

describe("overview", function () {
  it("counts orders with open conflicts, red or orange SLA, and open alerts, each once", function () {
    const sla = new Map([["A", "红"], ["B", "橙"], ["C", "绿"], ["D", ""], ["E", "red"]]);
    const o = overview([{ orderId: "X" }, { orderId: "X" }], sla, [{ orderId: "A" }, { orderId: "A" }, { orderId: "Y" }]);
    assert.deepEqual(o, { conflicts: ["X"], late: ["A", "B", "E"], alerts: ["A", "Y"] });
    assert.equal(overviewLabel("late", 3, "zh-CN"), "红/橙 SLA 3");
    assert.equal(overviewLabel("alerts", 2, "en"), "Alerts 2");
  });
});
