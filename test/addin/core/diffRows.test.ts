import assert from "node:assert/strict";
import { COL } from "../../../addin/core/columns.js";
import { diffRows, protectKey, removalBlocks, type SheetRow } from "../../../addin/core/diffRows.js";
import { rowFromOrder } from "../../../addin/core/rowsFromOrders.js";
import { orderView, testContext } from "../fixtures.js";

function sheetOf(orders: ReturnType<typeof orderView>[], positions: number[]): Map<string, SheetRow> {
  const ctx = testContext();
  return new Map(orders.map((o, i) => [o.id, { row: positions[i], values: rowFromOrder(o, ctx) }]));
}

describe("diffRows", function () {
  it("updates rows where the key is, not where the order came in, after a user's sort", function () {
    const orders = [orderView(1), orderView(2), orderView(3)];
    // The user sorted descending: order 3 is now the first data row.
    const snapshot = sheetOf(orders, [2, 1, 0]);
    const plan = diffRows(snapshot, [orderView(3, { version: 2, region: "华南" })], testContext());
    assert.deepEqual(plan.updates, [
      { row: 0, col: COL.version, values: ["2"] },
      { row: 0, col: COL.region, values: ["华南"] },
    ]);
    assert.equal(plan.appends.length, 0);
    assert.equal(plan.updatedRows, 1);
  });

  it("writes only changed cells and merges near neighbours into one run", function () {
    const snapshot = sheetOf([orderView(1)], [4]);
    const plan = diffRows(snapshot, [orderView(1, { version: 2, warehouse: "WH1", waybillNo: "SF1" })], testContext());
    assert.deepEqual(
      plan.updates.map((u) => [u.row, u.col, u.values.length]),
      [
        [4, COL.version, 1],
        [4, COL.warehouse, 3],
      ],
    );
  });

  it("appends orders that are not on the sheet and leaves unchanged rows alone", function () {
    const snapshot = sheetOf([orderView(1)], [0]);
    const plan = diffRows(snapshot, [orderView(1), orderView(2)], testContext());
    assert.equal(plan.updates.length, 0);
    assert.equal(plan.unchangedRows, 1);
    assert.deepEqual(plan.appendedIds, ["TM20260115-00002"]);
    assert.equal(plan.appends[0][COL.key], "TM20260115-00002");
  });

  it("skips an order older than the row and does not append when told not to", function () {
    const snapshot = sheetOf([orderView(1, { version: 5 })], [0]);
    const plan = diffRows(snapshot, [orderView(1, { version: 4, region: "旧" }), orderView(9)], testContext(), { append: () => false });
    assert.equal(plan.staleOrders, 1);
    assert.equal(plan.updates.length, 0);
    assert.equal(plan.appends.length, 0);
  });

  it("does not overwrite a cell holding an edit the server has not answered", function () {
    const snapshot = sheetOf([orderView(1)], [0]);
    const plan = diffRows(snapshot, [orderView(1, { version: 2, region: "华南", status: "reviewed" })], testContext(), {
      protect: new Set([protectKey("TM20260115-00001", COL.status)]),
    });
    assert.ok(!plan.updates.some((u) => u.col <= COL.status && u.col + u.values.length > COL.status));
    assert.ok(plan.updates.some((u) => u.col === COL.region));
  });

  it("treats a number read back from a cell as equal to the same text", function () {
    const ctx = testContext();
    const values = rowFromOrder(orderView(1), ctx);
    values[COL.version] = 1 as unknown as string;
    const plan = diffRows(new Map([["TM20260115-00001", { row: 0, values }]]), [orderView(1)], ctx);
    assert.equal(plan.updates.length, 0);
  });

  it("when replacing, removes the rows of orders outside the view but keeps rows with unanswered edits", function () {
    const snapshot = sheetOf([orderView(1), orderView(2), orderView(3), orderView(4)], [0, 1, 2, 3]);
    const editing = new Set([orderView(4).id]);
    const plan = diffRows(snapshot, [orderView(2)], testContext(), { replace: { keep: (id) => editing.has(id) } });
    assert.deepEqual(plan.removes, [
      { orderId: orderView(1).id, row: 0 },
      { orderId: orderView(3).id, row: 2 },
    ]);
    assert.deepEqual(diffRows(snapshot, [orderView(2)], testContext()).removes, [], "without replace nothing is removed");
  });
});

describe("removalBlocks", function () {
  it("groups rows into contiguous blocks, bottom block first", function () {
    assert.deepEqual(removalBlocks([3, 0, 1, 7, 4, 9, 8]), [[7, 3], [3, 2], [0, 2]]);
    assert.deepEqual(removalBlocks([]), []);
  });
});
