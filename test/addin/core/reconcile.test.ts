import assert from "node:assert/strict";
import { COL } from "../../../addin/core/columns.js";
import { protectKey } from "../../../addin/core/diffRows.js";
import { missedEdits } from "../../../addin/core/reconcile.js";
import { rowFromOrder } from "../../../addin/core/rowsFromOrders.js";
import { orderView, testContext } from "../fixtures.js";

describe("missedEdits", function () {
  const rows = new Map([1, 2, 3].map((n) => [orderView(n).id, rowFromOrder(orderView(n), testContext())]));
  const versions = new Map([...rows.keys()].map((id) => [id, "1"]));

  it("turns cells that differ from what the pane wrote into single-cell changes, leaving pending cells and unknown orders alone", function () {
    const [a, b, c] = [...rows.keys()];
    const read = new Map([[COL.remark, new Map([[a, "拖动填充"], [b, "改了但在等服务器"], [c, ""], ["UNKNOWN", "x"]])]]);
    const blocks = missedEdits(read, versions, (id) => rows.get(id), new Set([protectKey(b, COL.remark)]));
    assert.deepEqual(blocks, [{ firstRow: 0, firstCol: COL.remark, values: [["拖动填充"]], keys: [a], versions: ["1"], before: "" }]);
  });

  it("skips a row whose version is not the one the pane wrote (mid-update)", function () {
    const [a] = [...rows.keys()];
    const read = new Map([[COL.remark, new Map([[a, "新"]])]]);
    assert.deepEqual(missedEdits(read, new Map([[a, "2"]]), (id) => rows.get(id), new Set()), []);
  });
});
