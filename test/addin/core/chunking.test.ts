import assert from "node:assert/strict";
import { chunkWrites, DEFAULT_MAX_BATCH_BYTES, jsonRowBytes, jsonValueBytes, planCost } from "../../../addin/core/chunking.js";
import { COL } from "../../../addin/core/columns.js";
import { diffRows } from "../../../addin/core/diffRows.js";
import { rowFromOrder, type CellValue } from "../../../addin/core/rowsFromOrders.js";
import { orderView, testContext } from "../fixtures.js";

function bigRows(n: number): CellValue[][] {
  const ctx = testContext();
  const template = rowFromOrder(orderView(1, { tags: ["618", "满300减50"], extra: { remark: "客户要求周末送货，请提前电话联系" }, waybillNo: "SF1234567890123" }), ctx);
  return Array.from({ length: n }, (_, i) => {
    const row = [...template];
    row[COL.key] = row[COL.orderId] = `TM20260115-${String(i).padStart(6, "0")}`;
    return row;
  });
}

describe("chunking", function () {
  it("measures JSON bytes as UTF-8, escapes included", function () {
    assert.equal(jsonValueBytes("ab"), JSON.stringify("ab").length);
    assert.equal(jsonValueBytes("已支付"), Buffer.byteLength(JSON.stringify("已支付")));
    assert.equal(jsonValueBytes('a"\\\n'), Buffer.byteLength(JSON.stringify('a"\\\n')));
    assert.equal(jsonValueBytes("😀"), Buffer.byteLength(JSON.stringify("😀")));
    const row = ["a", "数", "b"];
    assert.equal(jsonRowBytes(row), Buffer.byteLength(JSON.stringify(row)) + 1);
  });

  it("splits a 100,000-row × 20-column load into writes under 4 MB each, covering every row once", function () {
    this.timeout(20_000);
    const rows = bigRows(100_000);
    const batches = chunkWrites({ updates: [], appends: rows }, 0);
    assert.ok(batches.length > 1);
    let next = 0;
    for (const b of batches) {
      const real = b.ops.reduce((n, op) => n + Buffer.byteLength(JSON.stringify(op.values)), 0);
      assert.ok(real < DEFAULT_MAX_BATCH_BYTES, `batch of ${real} bytes`);
      assert.ok(b.bytes >= real, "the estimate never undercounts");
      for (const op of b.ops) {
        assert.equal(op.row, next);
        next += op.values.length;
      }
    }
    assert.equal(next, 100_000);
    const cost = planCost({ updates: [], appends: rows }, 0);
    assert.equal(cost.syncs, batches.length);
    assert.ok(cost.maxBatchBytes < DEFAULT_MAX_BATCH_BYTES);
  });

  it("applies 100 changed rows in one small batch", function () {
    const ctx = testContext();
    const orders = Array.from({ length: 1000 }, (_, i) => orderView(i));
    const snapshot = new Map(orders.map((o, i) => [o.id, { row: i, values: rowFromOrder(o, ctx) }]));
    const changed = orders.filter((_, i) => i % 10 === 0).map((o) => ({ ...o, version: 2, status: "reviewed" }));
    const plan = diffRows(snapshot, changed, ctx);
    assert.equal(plan.updatedRows, 100);
    const cost = planCost(plan, 1000);
    assert.equal(cost.syncs, 1);
    assert.ok(cost.bytes < 100_000);
    assert.ok(cost.calls <= 200, `${cost.calls} calls`);
  });

  it("stacks the same change on consecutive rows into one block", function () {
    const updates = [0, 1, 2, 5].map((row) => ({ row, col: COL.sla, values: ["红"] as CellValue[] }));
    const [batch] = chunkWrites({ updates, appends: [] }, 10);
    assert.deepEqual(batch.ops.map((op) => [op.row, op.values.length]), [[0, 3], [5, 1]]);
  });
});
