import assert from "node:assert/strict";
import { COL, headerRow } from "../../../addin/core/columns.js";
import { diffRows } from "../../../addin/core/diffRows.js";
import type { ChangedBlock } from "../../../addin/core/editCapture.js";
import { rowFromOrder } from "../../../addin/core/rowsFromOrders.js";
import { TableShapeError, type WorkbookSetup } from "../../../addin/core/SheetGateway.js";
import { ExcelSheetGateway } from "../../../addin/excel/ExcelSheetGateway.js";
import { orderView, testContext, testStatuses } from "../fixtures.js";
import { installExcelEnums, MockWorkbook } from "./mockWorkbook.js";

const setup: WorkbookSetup = {
  lang: "zh-CN",
  statusLabels: testStatuses.labels("zh-CN"),
  headers: headerRow("zh-CN"),
  slaLabels: { red: ["红", "red"], orange: ["橙", "orange"], green: ["绿", "green"] },
  validation: { title: "状态", message: "请选择" },
};

function seeded(orders = [orderView(3), orderView(2), orderView(1)]): MockWorkbook {
  const wb = new MockWorkbook();
  wb.seedTable("Orders", headerRow("zh-CN"), orders.map((o) => rowFromOrder(o, testContext())));
  return wb;
}

describe("ExcelSheetGateway (office-addin-mock)", function () {
  before(installExcelEnums);

  it("creates the Orders table, the hidden lists sheet with the dropdown table, and the list sheets, named in the workbook's language and marked", async function () {
    const wb = new MockWorkbook();
    await new ExcelSheetGateway(wb.host()).prepare(setup);
    assert.deepEqual([...wb.sheets.keys()].sort(), ["冲突", "列表", "订单", "预警"].sort());
    assert.deepEqual(Object.fromEntries(wb.names), { _ordersheet_orders: "订单", _ordersheet_lists: "列表", _ordersheet_alerts: "预警", _ordersheet_conflicts: "冲突" });
    assert.equal(wb.table?.name, "OrdersTable");
    assert.deepEqual(Array.from({ length: 20 }, (_, c) => wb.cell("订单", 0, c)), setup.headers);
    assert.deepEqual(wb.sheets.get("订单")!.hiddenColumns.slice(0, 2), ["0", "1"]);
    const lists = wb.sheets.get("列表")!;
    assert.equal(lists.visibility, "Hidden");
    assert.deepEqual([0, 1, 2, 3].map((r) => wb.cell("列表", r, 0)), ["已支付", "已审单", "已发货", "已取消"]);
    const validation = wb.sheets.get("订单")!.validations[0];
    assert.deepEqual(validation.rule, { list: { inCellDropDown: true, source: "='列表'!$A$1:$A$4" } });
    const cfs = wb.sheets.get("订单")!.conditionalFormats;
    const shaded = cfs.filter((c) => c.type === "Custom").map((c) => c.address);
    assert.deepEqual(shaded, ["订单!1,4:2000,8", "订单!1,15:2000,16", "订单!1,18:2000,18"], "system columns are shaded, but not Order ID, SLA and Sync, whose own colours a conditional format would hide");
    assert.equal(cfs.filter((c) => c.type === "ContainsText").length, 6, "SLA colours in both languages");
    assert.equal(wb.sheets.get("订单")!.frozenRows, 1);
  });

  it("sets up an English workbook with English sheet names, and takes over the sheets of a workbook set up before markers", async function () {
    const wb = new MockWorkbook();
    await new ExcelSheetGateway(wb.host()).prepare({ ...setup, lang: "en", headers: headerRow("en") });
    assert.deepEqual([...wb.sheets.keys()].sort(), ["Alerts", "Conflicts", "Lists", "Orders"]);
    const old = seeded();
    for (const name of ["Lists", "Alerts", "Conflicts"]) old.addSheet(name);
    await new ExcelSheetGateway(old.host()).prepare(setup);
    assert.deepEqual([...old.sheets.keys()].sort(), ["Alerts", "Conflicts", "Lists", "Orders"], "no second set of sheets");
    assert.equal(old.names.get("_ordersheet_alerts"), "Alerts");
  });

  it("shades the columns this user may not edit like system columns, and takes the shading off when they may again", async function () {
    const wb = new MockWorkbook();
    const gateway = new ExcelSheetGateway(wb.host());
    const shaded = () => wb.sheets.get("订单")!.conditionalFormats.filter((c) => c.type === "Custom").map((c) => c.address);
    await gateway.prepare({ ...setup, lockedColumns: [COL.region, COL.tags] });
    const system = ["订单!1,4:2000,8", "订单!1,15:2000,16", "订单!1,18:2000,18"];
    assert.deepEqual(shaded(), [...system, `订单!1,${COL.region}:2000,${COL.region}`, `订单!1,${COL.tags}:2000,${COL.tags}`]);
    await gateway.prepare({ ...setup, lockedColumns: [COL.tags] });
    assert.deepEqual(shaded(), [...system, `订单!1,${COL.tags}:2000,${COL.tags}`], "region is editable again; tags shaded once");
    await gateway.prepare(setup);
    assert.deepEqual(shaded(), system);
  });

  it("refuses an Orders table whose columns were rearranged", async function () {
    const wb = new MockWorkbook();
    const moved = headerRow("zh-CN");
    [moved[3], moved[5]] = [moved[5], moved[3]];
    wb.seedTable("Orders", moved, []);
    await assert.rejects(new ExcelSheetGateway(wb.host()).prepare(setup), TableShapeError);
  });

  it("follows a renamed Orders sheet instead of creating a second one", async function () {
    const wb = seeded();
    const sheet = wb.sheets.get("Orders")!;
    wb.sheets.delete("Orders");
    sheet.name = "我的订单";
    wb.sheets.set("我的订单", sheet);
    wb.table!.sheet = "我的订单";
    await new ExcelSheetGateway(wb.host()).prepare(setup);
    assert.ok(!wb.sheets.has("Orders") && !wb.sheets.has("订单"), "no second Orders sheet was created");
    assert.equal(wb.names.get("_ordersheet_orders"), "我的订单");
  });

  it("after a user's sort, writes a server update into the row holding the key and appends new orders", async function () {
    const wb = seeded();
    const gw = new ExcelSheetGateway(wb.host());
    const updated = orderView(1, { version: 2, region: "华南" });
    const outcome = await gw.syncRows([updated.id, orderView(4).id], (snap) => diffRows(snap, [updated, orderView(4)], testContext()));
    const rows = wb.tableRows();
    assert.equal(rows.length, 4);
    assert.deepEqual(rows.map((r) => r[COL.key]), ["TM20260115-00003", "TM20260115-00002", "TM20260115-00001", "TM20260115-00004"]);
    assert.equal(rows[2][COL.region], "华南");
    assert.equal(rows[2][COL.version], "2");
    assert.equal(rows[0][COL.region], "华东");
    assert.equal(outcome.plan.appends.length, 1);
  });

  it("reuses verified positions: a later update takes one read and one write round trip", async function () {
    const wb = seeded();
    const gw = new ExcelSheetGateway(wb.host());
    await gw.syncRows("all", (snap) => diffRows(snap, [], testContext()));
    const before = wb.syncs;
    const updated = orderView(2, { version: 2, status: "reviewed" });
    const outcome = await gw.syncRows([updated.id], (snap) => diffRows(snap, [updated], testContext()));
    assert.equal(wb.syncs - before, 2);
    assert.equal(outcome.syncs, 2);
    assert.equal(wb.tableRows()[1][COL.status], "已审单");
  });

  it("fills the blank row of a new table instead of leaving it above the orders", async function () {
    const wb = new MockWorkbook();
    wb.seedTable("Orders", headerRow("zh-CN"), []);
    const gw = new ExcelSheetGateway(wb.host());
    await gw.syncRows([orderView(1).id], (snap) => diffRows(snap, [orderView(1)], testContext()));
    assert.deepEqual(wb.tableRows().map((r) => r[COL.key]), ["TM20260115-00001"]);
  });

  it("takes the rows of orders outside a replaced view off the table and finds the rest by key afterwards", async function () {
    const wb = seeded([orderView(5), orderView(4), orderView(3), orderView(2), orderView(1)]);
    const gw = new ExcelSheetGateway(wb.host());
    const keep = [orderView(4), orderView(1, { version: 2, region: "华南" })];
    const outcome = await gw.syncRows("all", (snap) => diffRows(snap, keep, testContext(), { replace: { keep: () => false } }));
    assert.equal(outcome.plan.removes.length, 3);
    assert.deepEqual(wb.tableRows().map((r) => r[COL.key]), ["TM20260115-00004", "TM20260115-00001"]);
    assert.equal(wb.tableRows()[1][COL.region], "华南", "the update was written before the rows moved");
    await gw.patchCells([{ orderId: "TM20260115-00001", col: COL.sync, value: "已保存" }]);
    assert.equal(wb.tableRows()[1][COL.sync], "已保存", "positions were re-read after the deletion");
  });

  it("patches cells of rows found by key", async function () {
    const wb = seeded();
    await new ExcelSheetGateway(wb.host()).patchCells([{ orderId: "TM20260115-00002", col: COL.sync, value: "已保存", fill: "#C6EFCE" }]);
    assert.equal(wb.tableRows()[1][COL.sync], "已保存");
  });

  it("reads a user's paste back with each row's key and version, and ignores its own writes", async function () {
    const wb = seeded();
    const gw = new ExcelSheetGateway(wb.host());
    const blocks: ChangedBlock[] = [];
    await gw.onEdit((b) => blocks.push(b));
    const sheet = wb.sheets.get("Orders")!;
    sheet.cells.set("2,3", "已审单");
    sheet.cells.set("3,3", "已取消");
    await wb.handlers[0]({ address: "D3:D4", changeType: "RangeEdited", source: "Local", triggerSource: "Unknown" });
    await wb.handlers[0]({ address: "D3:D4", changeType: "RangeEdited", source: "Local", triggerSource: "ThisLocalAddin" });
    await wb.handlers[0]({ address: "D3:D4", changeType: "RangeEdited", source: "Remote", triggerSource: "Unknown" });
    assert.equal(blocks.length, 1);
    assert.deepEqual(blocks[0], {
      firstRow: 1,
      firstCol: COL.status,
      values: [["已审单"], ["已取消"]],
      keys: ["TM20260115-00002", "TM20260115-00001"],
      versions: ["1", "1"],
    });
  });

  it("selects the cell of an order wherever its row is", async function () {
    const wb = seeded();
    assert.equal(await new ExcelSheetGateway(wb.host()).select("TM20260115-00001", COL.status), true);
    assert.equal(wb.selected, "Orders!3,3");
    assert.equal(await new ExcelSheetGateway(wb.host()).select("nope", COL.status), false);
  });
});
