import assert from "node:assert/strict";
import { COL } from "../../../addin/core/columns.js";
import { captureEdits, editableColumnsFor, isOwnOrRemoteChange, normaliseTags, type ChangedBlock } from "../../../addin/core/editCapture.js";
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
    assert.match(wh.refusals[0].reason, /客服专员.*仓库/);
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

describe("captureEdits under the server's access policy (editableColumns of /api/me)", function () {
  const row = { firstCol: COL.region, values: [["华南", "WH1", "SF", "SF123", "vip", "周末送"]] };

  it("refuses locally, naming the column and the columns this user may edit, what the server's list leaves out", function () {
    const out = captureEdits(block(row), { ...ctx(), editableColumns: ["status", "remark"] });
    assert.deepEqual(out.edits.map((e) => e.edit.column), ["remark"]);
    assert.deepEqual(out.refusals.map((r) => r.col), [COL.region, COL.warehouse, COL.carrier, COL.waybillNo, COL.tags]);
    assert.equal(out.refusals[0].reason, "你的角色（客服专员）不能修改「地区」；你可以修改：状态、备注");
    assert.equal(out.refusals[0].orderId, "TM1");
    const en = captureEdits(block({ firstCol: COL.tags, values: [["vip"]] }), { ...ctx(), lang: "en", editableColumns: ["status", "remark"] });
    assert.equal(en.refusals[0].reason, 'Your role (customer service) may not change "Tags"; you may change: Status, Remark');
  });

  it("lets the user edit what the server's list allows even where the built-in role table would not", function () {
    const out = captureEdits(block({ firstCol: COL.region, values: [["华南"]] }), { ...ctx(), role: "warehouse", editableColumns: ["region"] });
    assert.deepEqual(out.edits.map((e) => [e.edit.column, e.edit.value]), [["region", "华南"]]);
    assert.deepEqual(out.refusals, []);
    // The same edit without the server's answer falls back on the built-in table, which refuses it.
    const fallback = captureEdits(block({ firstCol: COL.region, values: [["华南"]] }), { ...ctx(), role: "warehouse" });
    assert.deepEqual(fallback.edits, []);
    assert.match(fallback.refusals[0].reason, /仓储主管.*地区/);
  });

  it("says plainly when the policy leaves a writer role no column at all", function () {
    const out = captureEdits(block({}), { ...ctx(), role: "finance", editableColumns: [] });
    assert.deepEqual(out.edits, []);
    assert.equal(out.refusals[0].reason, "访问策略不允许你的角色（财务会计）修改任何列");
  });

  it("editableColumnsFor: the server's list in sheet order, else the built-in table for the role, else everything", function () {
    assert.deepEqual(editableColumnsFor({ role: "customer_service", editableColumns: ["remark", "status"] }), ["status", "remark"]);
    assert.deepEqual(editableColumnsFor({ role: "customer_service" }), ["status", "region", "tags", "remark"]);
    assert.deepEqual(editableColumnsFor({ role: "auditor" }), []);
    assert.equal(editableColumnsFor({}).length, 7);
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
