import assert from "node:assert/strict";
import type { CellEdit, EditResult } from "../../../server/contracts/edits.js";
import { COL } from "../../../addin/core/columns.js";
import { ConflictBook } from "../../../addin/core/ConflictBook.js";
import { pendingPatches, refusalPatches, resultPlan, SYNC_COLOURS } from "../../../addin/core/resultPlan.js";
import { testStatuses } from "../fixtures.js";

const ctx = { lang: "zh-CN" as const, statuses: testStatuses };
const edit = (id: string, orderId: string, value: string, column: CellEdit["column"] = "status"): CellEdit => ({ clientEditId: id, orderId, column, baseVersion: 3, value });

describe("resultPlan", function () {
  it("marks a saved edit and bumps the row's version", function () {
    const results: EditResult[] = [{ clientEditId: "e1", orderId: "A", column: "status", outcome: "saved", version: 4, value: "reviewed" }];
    const plan = resultPlan(results, [edit("e1", "A", "reviewed")], ctx);
    assert.deepEqual(plan.patches, [
      { orderId: "A", col: COL.version, value: "4" },
      { orderId: "A", col: COL.sync, value: "已保存", fill: SYNC_COLOURS.saved },
    ]);
    assert.deepEqual(plan.conflicts, []);
  });

  it("keeps the row's version when the edit was saved on top of someone else's change", function () {
    const results: EditResult[] = [{ clientEditId: "e1", orderId: "A", column: "remark", outcome: "saved", version: 6, value: "加急" }];
    const plan = resultPlan(results, [edit("e1", "A", "加急", "remark")], ctx);
    assert.ok(!plan.patches.some((p) => p.col === COL.version), "base 3 → saved 6: versions 4 and 5 are not on this row");
    const chained: EditResult[] = [
      { clientEditId: "e1", orderId: "A", column: "remark", outcome: "saved", version: 4, value: "加急" },
      { clientEditId: "e2", orderId: "A", column: "region", outcome: "saved", version: 5, value: "华南" },
    ];
    const both = resultPlan(chained, [edit("e1", "A", "加急", "remark"), edit("e2", "A", "华南", "region")], ctx);
    assert.deepEqual(both.patches.filter((p) => p.col === COL.version), [{ orderId: "A", col: COL.version, value: "5" }], "the user's own two edits move it on");
  });

  it("reverts a stale edit to the server's value and opens a conflict with both values", function () {
    const results: EditResult[] = [
      { clientEditId: "e1", orderId: "A", column: "status", outcome: "conflict", currentValue: "cancelled", currentVersion: 5, changedBy: "li.li", changedAt: "2026-01-15T03:00:00Z", reason: "改过了" },
    ];
    const plan = resultPlan(results, [edit("e1", "A", "reviewed")], ctx);
    assert.deepEqual(plan.patches[0], { orderId: "A", col: COL.status, value: "已取消" });
    assert.equal(plan.patches[1].value, "冲突：li.li 已先改为「已取消」", "said from the facts, in the staff's language");
    assert.equal(plan.patches[1].fill, SYNC_COLOURS.conflict);
    assert.equal(plan.conflicts[0].mine, "reviewed");
    assert.equal(plan.conflicts[0].theirs, "cancelled");
    assert.equal(plan.conflicts[0].currentVersion, 5);
  });

  it("shows why a move was refused and which statuses are allowed, in labels", function () {
    const results: EditResult[] = [
      { clientEditId: "e1", orderId: "A", column: "status", outcome: "refused", reason: "不允许", currentValue: "paid", currentVersion: 3, allowed: ["reviewed", "cancelled"] },
    ];
    const plan = resultPlan(results, [edit("e1", "A", "shipped")], ctx);
    assert.deepEqual(plan.patches[0], { orderId: "A", col: COL.status, value: "已支付" });
    assert.equal(plan.patches[1].value, "已拒绝：状态不能从「已支付」改为「已发货」（可改为：已审单、已取消）");
  });

  it("lets the worst outcome of a row win the Sync cell", function () {
    const results: EditResult[] = [
      { clientEditId: "e1", orderId: "A", column: "region", outcome: "saved", version: 4, value: "x" },
      { clientEditId: "e2", orderId: "A", column: "status", outcome: "refused", reason: "不行", currentValue: "paid", currentVersion: 4 },
    ];
    const sync = resultPlan(results, [edit("e1", "A", "x", "region"), edit("e2", "A", "shipped")], ctx).patches.filter((p) => p.col === COL.sync);
    assert.deepEqual(sync.map((p) => p.value), ["已拒绝：不行"]);
  });

  it("marks pending rows once and reverts local refusals from the known row", function () {
    assert.equal(pendingPatches(["A", "A", "B"], "en").length, 2);
    const known = () => ["k", "1", "A", "已支付"];
    const patches = refusalPatches([{ orderId: "A", row: 0, col: 3, reason: "no", text: "x" }], known, "en");
    assert.deepEqual(patches[0], { orderId: "A", col: 3, value: "已支付", format: "@" });
    assert.equal(patches[1].value, "Refused: no");
  });
});

describe("ConflictBook", function () {
  const conflict = { clientEditId: "e1", orderId: "A", column: "status" as const, mine: "reviewed", theirs: "cancelled", currentVersion: 5, changedBy: null, changedAt: null, reason: "r" };

  it("keeps mine by re-sending my value based on the server's current version", function () {
    const book = new ConflictBook();
    book.add([conflict]);
    const r = book.keepMine("e1", () => "e9", ctx)!;
    assert.deepEqual(r.edit, { clientEditId: "e9", orderId: "A", column: "status", baseVersion: 5, value: "reviewed" });
    assert.equal(r.patches[0].value, "已审单");
    assert.equal(book.list().length, 0);
  });

  it("takes the server's value and clears the mark", function () {
    const book = new ConflictBook();
    book.add([conflict]);
    const r = book.takeServer("e1", ctx)!;
    assert.equal(r.edit, undefined);
    assert.equal(r.patches[0].value, "已取消");
    assert.equal(book.list().length, 0);
  });

  it("keeps one conflict per cell", function () {
    const book = new ConflictBook();
    book.add([conflict, { ...conflict, clientEditId: "e2" }]);
    assert.deepEqual(book.list().map((c) => c.clientEditId), ["e2"]);
  });
});
