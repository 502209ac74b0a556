import { serialText } from "../../../addin/core/cellFormats.js";
import assert from "node:assert/strict";
import { COL } from "../../../addin/core/columns.js";
import { formatTime } from "../../../addin/core/formatTime.js";
import { rowFromOrder, slaPatches } from "../../../addin/core/rowsFromOrders.js";
import { orderView, testContext } from "../fixtures.js";

describe("rowFromOrder", function () {
  it("shows the status label, the amount as a number and times as Excel serials of Shanghai wall-clock time", function () {
    const row = rowFromOrder(orderView(7, { tags: ["618", "极速达"], extra: { remark: "加急" } }), testContext());
    assert.equal(row[COL.key], "TM20260115-00007");
    assert.equal(row[COL.version], "1");
    assert.equal(row[COL.status], "已支付");
    assert.equal(row[COL.channel], "天猫");
    assert.equal(row[COL.amount], 199.9);
    // 2026-01-15 10:00 in Shanghai (02:00 UTC): 46037 days after 1899-12-30, plus 10/24.
    assert.equal(row[COL.placedAt], Date.UTC(2026, 0, 15, 10) / 86_400_000 + 25_569);
    assert.equal(serialText(row[COL.placedAt] as number), "2026-01-15 10:00");
    assert.equal(row[COL.tags], "618, 极速达");
    assert.equal(row[COL.remark], "加急");
    assert.equal(row[COL.sync], "");
  });

  it("switches labels to English", function () {
    const row = rowFromOrder(orderView(1), testContext({ lang: "en" }));
    assert.equal(row[COL.status], "Paid");
    assert.equal(row[COL.channel], "Tmall");
  });

  it("colours SLA orange at 80 % of the state's limit and red past it", function () {
    const at = (iso: string) => rowFromOrder(orderView(1), testContext({ now: new Date(iso) }))[COL.sla];
    assert.equal(at("2026-01-15T03:00:00Z"), "");
    assert.equal(at("2026-01-15T03:20:00Z"), "橙");
    assert.equal(at("2026-01-15T03:31:00Z"), "红");
  });

  it("patches only the SLA cells whose level changed with the time that passed", function () {
    const orders = [orderView(1), orderView(2, { status: "reviewed" })];
    const shown = new Map<string, string>();
    assert.equal(slaPatches(orders, shown, testContext({ now: new Date("2026-01-15T03:00:00Z") })).length, 2, "first pass fills the map");
    assert.deepEqual(slaPatches(orders, shown, testContext({ now: new Date("2026-01-15T03:05:00Z") })), [], "nothing changed level");
    assert.deepEqual(slaPatches(orders, shown, testContext({ now: new Date("2026-01-15T03:20:00Z") })), [{ orderId: orderView(1).id, col: COL.sla, value: "橙" }]);
    assert.deepEqual(slaPatches(orders, shown, testContext({ now: new Date("2026-01-15T03:31:00Z") })), [{ orderId: orderView(1).id, col: COL.sla, value: "红" }]);
  });
});

describe("formatTime", function () {
  it("formats in the given zone and leaves missing times empty", function () {
    assert.equal(formatTime("2026-01-15T16:30:00Z", "Asia/Shanghai"), "2026-01-16 00:30");
    assert.equal(formatTime("2026-01-15T16:30:00Z", "UTC"), "2026-01-15 16:30");
    assert.equal(formatTime(null, "UTC"), "");
    assert.equal(formatTime("nonsense", "UTC"), "");
  });
});
