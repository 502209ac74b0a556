import assert from "node:assert/strict";
import { parseA1, formatA1 } from "../../../addin/core/a1.js";
import { ALERT_FILLS, AlertBook, alertPatches } from "../../../addin/core/AlertBook.js";
import { COL } from "../../../addin/core/columns.js";
import { LANGS, t, type MessageKey } from "../../../addin/core/i18n.js";
import { listQuery, matchesFilter } from "../../../addin/core/OrderFilter.js";
import { StatusBook } from "../../../addin/core/StatusBook.js";
import { orderView, testFlow } from "../fixtures.js";

describe("AlertBook", function () {
  it("adds raised alerts, clears them, and lists the most urgent first", function () {
    const book = new AlertBook();
    const change = (kind: "alert.raised" | "alert.cleared", orderId: string, data: Record<string, unknown>, at = "2026-01-15T03:00:00Z") => ({ seq: "1", kind, orderId, orderVersion: 1, at, data });
    book.apply(change("alert.raised", "A", { level: "orange", message: "慢", sourceId: "t1" }));
    book.apply(change("alert.raised", "B", { level: "red", message: "超时", sourceId: "t2" }));
    assert.deepEqual(book.list().map((a) => a.orderId), ["B", "A"]);
    assert.equal(book.apply(change("alert.cleared", "B", { sourceId: "t2" })), true);
    assert.deepEqual(book.list().map((a) => a.orderId), ["A"]);
  });
});

describe("alertPatches", function () {
  const entry = (orderId: string, level: string, sourceId = "t") => ({ orderId, sourceId, level, message: "", at: "2026-01-15T03:00:00Z" });

  it("colours each alerted order's ID cell by its most urgent alert and clears orders whose alerts ended", function () {
    const book = new AlertBook();
    book.reset([
      { orderId: "A", sourceId: "t1", level: "orange", message: "慢", raisedAt: "2026-01-15T03:00:00Z" },
      { orderId: "A", sourceId: "t2", level: "red", message: "超时", raisedAt: "2026-01-15T02:00:00Z" },
      { orderId: "B", sourceId: "t3", level: "green", message: "提前", raisedAt: "2026-01-15T03:00:00Z" },
    ]);
    const first = alertPatches(book.list(), new Map([["C", ALERT_FILLS.red]]));
    assert.deepEqual(first.patches, [
      { orderId: "A", col: COL.orderId, value: "A", fill: ALERT_FILLS.red },
      { orderId: "B", col: COL.orderId, value: "B", fill: ALERT_FILLS.green },
      { orderId: "C", col: COL.orderId, value: "C", fill: "" },
    ]);
    assert.deepEqual([...first.coloured], [["A", ALERT_FILLS.red], ["B", ALERT_FILLS.green]]);
  });

  it("writes nothing when the colours already match, and recolours rows marked as rewritten", function () {
    const shown = new Map([["A", ALERT_FILLS.orange]]);
    assert.deepEqual(alertPatches([entry("A", "orange")], shown).patches, []);
    assert.deepEqual(alertPatches([entry("A", "orange")], new Map([["A", ""]])).patches, [{ orderId: "A", col: COL.orderId, value: "A", fill: ALERT_FILLS.orange }]);
  });
});

describe("StatusBook", function () {
  it("maps labels in either language and codes to codes", function () {
    const book = new StatusBook(testFlow);
    assert.equal(book.code(" 已审单 "), "reviewed");
    assert.equal(book.code("REVIEWED"), "reviewed");
    assert.equal(book.code("shipped"), "shipped");
    assert.equal(book.code("nope"), undefined);
    assert.equal(book.label("paid", "en"), "Paid");
    assert.equal(book.label("unknown_state", "en"), "unknown_state");
    assert.deepEqual(book.labels("zh-CN"), ["已支付", "已审单", "已发货", "已取消"]);
  });
});

describe("OrderFilter", function () {
  it("sends the whole view to the server and checks the date range again in the workspace zone", function () {
    assert.deepEqual(listQuery({ channel: "tmall", placedFrom: "2026-01-15", placedTo: "2026-01-16" }), { channel: "tmall", placedFrom: "2026-01-15", placedTo: "2026-01-16" });
    const o = orderView(1, { placedAt: "2026-01-14T17:00:00Z" }); // 01:00 on the 15th in Shanghai
    assert.equal(matchesFilter(o, { placedFrom: "2026-01-15", placedTo: "2026-01-15" }, "Asia/Shanghai"), true);
    assert.equal(matchesFilter(o, { placedFrom: "2026-01-15" }, "UTC"), false);
    assert.equal(matchesFilter(o, { status: "shipped" }, "UTC"), false);
  });
});

describe("a1", function () {
  it("parses addresses with sheets, dollars, whole columns and rows", function () {
    assert.deepEqual(parseA1("Orders!$D$5:$F$7"), { top: 4, left: 3, bottom: 6, right: 5 });
    assert.deepEqual(parseA1("B2"), { top: 1, left: 1, bottom: 1, right: 1 });
    assert.equal(parseA1("D:D").bottom, 1_048_575);
    assert.equal(parseA1("5:7").right, 16_383);
    assert.equal(formatA1({ top: 4, left: 3, bottom: 6, right: 5 }), "D5:F7");
    assert.throws(() => parseA1("hello world"));
  });
});

describe("i18n", function () {
  it("has every message in both languages with the same placeholders", function () {
    const sample: MessageKey[] = ["sync.refused", "conflicts.entry", "error.server", "progress.done"];
    for (const key of sample) {
      const names = LANGS.map((l) => (t(l, key).match(/\{\w+\}/g) ?? []).sort().join());
      assert.equal(names[0], names[1], key);
    }
    assert.equal(t("zh-CN", "sync.refused", { reason: "x" }), "已拒绝：x");
    assert.equal(t("en", "sync.refused", { reason: "x" }), "Refused: x");
  });
});
