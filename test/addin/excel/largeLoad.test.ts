import assert from "node:assert/strict";
import { COL, COLUMN_COUNT, headerRow } from "../../../addin/core/columns.js";
import { DEFAULT_MAX_BATCH_BYTES } from "../../../addin/core/chunking.js";
import { diffRows } from "../../../addin/core/diffRows.js";
import { ExcelSheetGateway } from "../../../addin/excel/ExcelSheetGateway.js";
import { FakeBook, read } from "../e2e/fakeExcel.js";
import { orderView, testContext, testStatuses } from "../fixtures.js";
import { installExcelEnums } from "./mockWorkbook.js";
import { textOnlyPlan } from "./textOnlyPlan.js";

describe("ExcelSheetGateway on a 100,000-row load (counting Excel stand-in)", function () {
  before(installExcelEnums);

  it("writes every row typed in one Excel.run, in round trips each under 4 MB and within 1.3× the bytes of a text-only load, and then updates 100 rows in two", async function () {
    this.timeout(120_000);
    const book = new FakeBook();
    const gateway = new ExcelSheetGateway({ run: book.run as unknown as typeof Excel.run });
    await gateway.prepare({
      lang: "zh-CN",
      statusLabels: testStatuses.labels("zh-CN"),
      headers: headerRow("zh-CN"),
      slaLabels: { red: ["红"], orange: ["橙"], green: ["绿"] },
      validation: { title: "状态", message: "请选择" },
    });
    const ctx = testContext();
    const orders = Array.from({ length: 100_000 }, (_, i) =>
      orderView(i + 1, { warehouse: `华东${i % 17}号仓`, carrier: "SF", waybillNo: `SF${1_000_000_000 + i}`, tags: ["618"], extra: { remark: `备注 ${i}` } }),
    );
    const progress: number[] = [];

    book.resetStats();
    const outcome = await gateway.syncRows("all", (snap) => diffRows(snap, orders, ctx), (done) => progress.push(done));
    const load = { ...book.stats };
    assert.equal(load.runs, 1, "one Excel.run");
    assert.ok(load.maxRequestBytes < DEFAULT_MAX_BATCH_BYTES, `largest request ${load.maxRequestBytes} bytes`);
    assert.ok(load.requestBytes > 5 * 1024 * 1024, "the load as a whole is over the 5 MB cap, so it had to be split");
    assert.ok(load.syncs >= Math.ceil(load.requestBytes / DEFAULT_MAX_BATCH_BYTES), `${load.syncs} round trips`);
    assert.equal(outcome.plan.appends.length, 100_000);
    assert.equal(progress.at(-1), 100_000, "progress reaches the row count");
    assert.ok(progress.length > 1, "progress is reported per chunk");

    // The same load as text only (before cells were typed), for its bytes and round trips.
    const textBook = new FakeBook();
    const textGateway = new ExcelSheetGateway({ run: textBook.run as unknown as typeof Excel.run });
    await textGateway.prepare({ lang: "zh-CN", statusLabels: testStatuses.labels("zh-CN"), headers: headerRow("zh-CN"), slaLabels: { red: ["红"], orange: ["橙"], green: ["绿"] }, validation: { title: "状态", message: "请选择" } });
    await textGateway.syncRows("all", (snap) => textOnlyPlan(diffRows(snap, orders, ctx)));
    const text = textBook.stats;
    assert.ok(load.requestBytes <= text.requestBytes * 1.3, `typed ${load.requestBytes} bytes against text-only ${text.requestBytes}`);
    assert.ok(load.syncs <= text.syncs + 2, `typed ${load.syncs} round trips against text-only ${text.syncs}`);

    const table = book.tableOn("OrdersTable");
    assert.equal(table.rows, 100_000);
    const body = read(table.sheet, { top: table.top + 1, left: table.left, bottom: table.top + table.rows, right: table.left + COLUMN_COUNT - 1 });
    assert.equal(new Set(body.map((r) => r[COL.key])).size, 100_000, "every order once");
    assert.equal(body[99_999][COL.key], orders[99_999].id);
    assert.equal(body[99_999][COL.remark], "备注 99999");
    assert.equal(typeof body[99_999][COL.amount], "number", "amounts are numbers");
    assert.equal(typeof body[99_999][COL.placedAt], "number", "times are serials");
    assert.equal(table.sheet.formats.get(`${table.top + 1 + 99_999},${table.left + COL.amount}`), "¥#,##0.00");
    assert.equal(table.sheet.formats.get(`${table.top + 1 + 99_999},${table.left + COL.waybillNo}`), "@");

    // 100 rows spread over the sheet change: one verifying read and one write, not a rewrite.
    const changed = Array.from({ length: 100 }, (_, i) => ({ ...orders[i * 1000], version: 2, status: "reviewed" }));
    book.resetStats();
    const update = await gateway.syncRows(changed.map((o) => o.id), (snap) => diffRows(snap, changed, ctx));
    assert.equal(book.stats.runs, 1);
    assert.equal(book.stats.syncs, 2);
    assert.ok(book.stats.requestBytes < load.requestBytes / 100, `${book.stats.requestBytes} bytes for 100 rows`);
    assert.equal(update.plan.updatedRows, 100);
    const after = read(table.sheet, { top: table.top + 1 + 5000, left: table.left, bottom: table.top + 1 + 5000, right: table.left + COLUMN_COUNT - 1 })[0];
    assert.equal(after[COL.key], orders[5000].id);
    assert.equal(after[COL.status], "已审单");
  });
});
