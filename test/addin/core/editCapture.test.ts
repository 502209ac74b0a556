import assert from "node:assert/strict";
import { COL } from "../../../addin/core/columns.js";
import { captureEdits, isOwnOrRemoteChange, normaliseTags, type ChangedBlock } from "../../../addin/core/editCapture.js";
import { testStatuses } from "../fixtures.js";

function ids() {
  let n = 0;
  return () => `e${++n}`;
}

const ctx = () => ({ statuses: testStatuses, lang: "zh-CN" as const, role: "customer_service" as const, newId: ids() });

function block(overrides: Partial<ChangedBlock>): ChangedBlock {
  return { firstRow: 0, firstCol: COL.status, values: [["已审单"]], keys: ["TM1"], versions: ["3"], ...overrides };
}

describe("captureEdits", function () {
  it("turns a typed status label into an edit carrying the state code and the row's version", function () {
    const out = captureEdits(block({ before: "已支付" }), ctx());
    assert.deepEqual(out.edits, [{ edit: { clientEditId: "e1", orderId: "TM1", column: "status", baseVersion: 3, value: "reviewed" }, row: 0, col: COL.status, text: "已审单" }]);
    assert.deepEqual(out.refusals, []);
  });

  it("turns a 3-cell paste of statuses into 3 edits, one per row, keyed by each row's order", function () {
    const out = captureEdits(
      block({ firstRow: 5, values: [["已审单"], ["Cancelled"], ["shipped"]], keys: ["A", "B", "C"], versions: [1, 2, 3] }),
      ctx(),
    );
    assert.deepEqual(
      out.edits.map((e) => [e.edit.orderId, e.edit.value, e.edit.baseVersion, e.row]),
      [
        ["A", "reviewed", 1, 5],
        ["B", "cancelled", 2, 6],
        ["C", "shipped", 3, 7],
      ],
    );
    assert.equal(new Set(out.edits.map((e) => e.edit.clientEditId)).size, 3);
  });

  it("refuses an edit of a system column with a reason naming the column", function () {
    const out = captureEdits(block({ firstCol: COL.amount, values: [["1.00"]] }), ctx());
    assert.equal(out.edits.length, 0);
    assert.equal(out.refusals.length, 1);
    assert.match(out.refusals[0].reason, /金额/);
    assert.equal(out.refusals[0].orderId, "TM1");
  });

  it("refuses an unknown status and a column the role may not edit", function () {
    const out = captureEdits(block({ values: [["乱写"]] }), ctx());
    assert.equal(out.edits.length, 0);
    assert.match(out.refusals[0].reason, /乱写/);
    const wh = captureEdits(block({ firstCol: COL.warehouse, values: [["WH9"]] }), ctx());
    assert.match(wh.refusals[0].reason, /customer_service/);
  });

  it("refuses typing into a row without an order and ignores clearing one", function () {
    assert.equal(captureEdits(block({ keys: [""], values: [["已审单"]] }), ctx()).refusals[0].orderId, null);
    assert.deepEqual(captureEdits(block({ keys: [""], values: [[""]] }), ctx()), { edits: [], refusals: [] });
  });

  it("sends cleared text as null and normalises tags", function () {
    const out = captureEdits(block({ firstCol: COL.region, values: [["  ", "x", "x", "x", "618， 极速达;满300减50"]] }), {
      ...ctx(),
      role: "admin",
    });
    const byCol = new Map(out.edits.map((e) => [e.col, e.edit.value]));
    assert.equal(byCol.get(COL.region), null);
    assert.equal(byCol.get(COL.tags), "618,极速达,满300减50");
  });

  it("skips a single-cell change whose value did not change", function () {
    assert.deepEqual(captureEdits(block({ before: "已审单" }), ctx()).edits, []);
  });

  it("refuses edits from a read-only auditor", function () {
    const out = captureEdits(block({}), { ...ctx(), role: "auditor" });
    assert.equal(out.edits.length, 0);
    assert.match(out.refusals[0].reason, /只读/);
  });
});

describe("isOwnOrRemoteChange", function () {
  it("ignores the add-in's own writes and co-authors' changes, keeps the user's", function () {
    assert.equal(isOwnOrRemoteChange({ triggerSource: "ThisLocalAddin", source: "Local", writeInProgress: false }), true);
    assert.equal(isOwnOrRemoteChange({ triggerSource: "Unknown", source: "Remote", writeInProgress: false }), true);
    assert.equal(isOwnOrRemoteChange({ triggerSource: "Unknown", source: "Local", writeInProgress: true }), false);
    assert.equal(isOwnOrRemoteChange({ source: "Local", writeInProgress: true }), true);
    assert.equal(isOwnOrRemoteChange({ source: "Local", writeInProgress: false }), false);
  });
});

describe("normaliseTags", function () {
  it("splits on commas and semicolons of either width", function () {
    assert.equal(normaliseTags(" a ,b；c;;"), "a,b,c");
  });
});
