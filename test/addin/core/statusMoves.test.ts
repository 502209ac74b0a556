import assert from "node:assert/strict";
import { movesFor, statusMoveTable } from "../../../addin/core/statusMoves.js";
import { dependentListFormula } from "../../../addin/excel/prepareWorkbook.js";
import { testFlow, testStatuses } from "../fixtures.js";

describe("statusMoveTable", function () {
  it("offers each status itself first, then only the moves the role may make from it", function () {
    const table = statusMoveTable(testFlow, testStatuses, "zh-CN", "customer_service");
    assert.deepEqual(movesFor(table, "已支付"), ["已支付", "已审单", "已取消"]);
    assert.deepEqual(movesFor(table, "已审单"), ["已审单", "已取消"], "shipping is the warehouse's move");
    assert.deepEqual(movesFor(table, "已取消"), ["已取消"]);
    assert.deepEqual(movesFor(statusMoveTable(testFlow, testStatuses, "en", "warehouse"), "Reviewed"), ["Reviewed", "Shipped"]);
    assert.deepEqual(movesFor(statusMoveTable(testFlow, testStatuses, "zh-CN", "auditor"), "已支付"), ["已支付"], "read-only roles move nothing");
  });

  it("takes the server's allowed moves per status when it sends them", function () {
    const table = statusMoveTable(testFlow, testStatuses, "zh-CN", "customer_service", { paid: ["cancelled"] });
    assert.deepEqual(movesFor(table, "已支付"), ["已支付", "已取消"]);
  });

  it("points the Status cell's list at the lists-sheet row of the status it shows", function () {
    assert.equal(dependentListFormula("Lists", "$D2", 4), "=OFFSET('Lists'!$C$1,MATCH($D2,'Lists'!$A$1:$A$4,0)-1,0,1,INDEX('Lists'!$B$1:$B$4,MATCH($D2,'Lists'!$A$1:$A$4,0)))");
  });
});
