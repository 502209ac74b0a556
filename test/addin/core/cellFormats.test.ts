import assert from "node:assert/strict";
import { amountNumber, cellFormat, columnKind, excelSerial, formatRunCount, formatRuns, moneyFormat, sameCell, serialText, TEXT_FORMAT } from "../../../addin/core/cellFormats.js";
import { COL, COLUMN_COUNT } from "../../../addin/core/columns.js";
import { diffRows } from "../../../addin/core/diffRows.js";
import { rowFromOrder } from "../../../addin/core/rowsFromOrders.js";
import { orderView, testContext } from "../fixtures.js";

describe("cellFormats", function () {
  it("computes Excel serials from the wall-clock time of the workspace zone, not UTC", function () {
    // 23:30 UTC on 14 Jan is 07:30 on 15 Jan in Shanghai.
    const serial = excelSerial("2026-01-14T23:30:00Z", "Asia/Shanghai") as number;
    assert.equal(serialText(serial), "2026-01-15 07:30");
    assert.equal(serial, Date.UTC(2026, 0, 15, 7, 30) / 86_400_000 + 25_569);
    assert.equal(serialText(excelSerial("2026-01-14T23:30:00Z", "UTC") as number), "2026-01-14 23:30");
    assert.equal(excelSerial(null, "Asia/Shanghai"), "");
    assert.equal(excelSerial("not a time", "Asia/Shanghai"), "");
  });

  it("types amounts as numbers with a currency format, times as dates, everything else as text", function () {
    assert.equal(columnKind(COL.amount), "money");
    assert.equal(cellFormat(COL.amount), "¥#,##0.00");
    assert.equal(cellFormat(COL.amount, "USD"), "$#,##0.00");
    assert.equal(moneyFormat("THB"), '#,##0.00 "THB"');
    assert.equal(cellFormat(COL.placedAt), "yyyy-mm-dd hh:mm");
    for (const col of [COL.key, COL.externalOrderId, COL.waybillNo, COL.customer, COL.remark]) assert.equal(cellFormat(col), TEXT_FORMAT);
    assert.equal(amountNumber("199.90"), 199.9);
    assert.equal(amountNumber("abc"), "");
  });

  it("groups a row's formats into a few column runs, giving each row its currency when they differ", function () {
    const ctx = testContext();
    const rows = [rowFromOrder(orderView(1), ctx), rowFromOrder(orderView(2, { currency: "USD" }), ctx)];
    const runs = formatRuns(0, rows);
    assert.equal(runs.length, formatRunCount(0, COLUMN_COUNT));
    const amount = runs.find((r) => r.offset === COL.amount)!;
    assert.deepEqual(amount.format, ["¥#,##0.00", "$#,##0.00"]);
    assert.equal(runs.reduce((n, r) => n + r.width, 0), COLUMN_COUNT);
    assert.equal(formatRuns(0, [rows[0]]).find((r) => r.offset === COL.amount)!.format, "¥#,##0.00");
  });

  it("tells a number from its text, so a cell that lost its type is rewritten", function () {
    assert.equal(sameCell(199.9, 199.9), true);
    assert.equal(sameCell("199.90", 199.9), false);
    assert.equal(sameCell("", undefined), true);
    const ctx = testContext();
    const values = rowFromOrder(orderView(1), ctx);
    values[COL.amount] = "199.90"; // an old text-only sheet
    const plan = diffRows(new Map([[orderView(1).id, { row: 0, values }]]), [orderView(1)], ctx);
    assert.equal(plan.updates.length, 1);
    assert.deepEqual(plan.updates[0].values, [199.9, "CNY"], "the amount is written with its currency beside it");
  });
});
