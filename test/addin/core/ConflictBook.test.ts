import assert from "node:assert/strict";
import { ConflictBook } from "../../../addin/core/ConflictBook.js";
import type { ConflictEntry } from "../../../addin/core/resultPlan.js";
import { testStatuses } from "../fixtures.js";

const ctx = { lang: "zh-CN" as const, statuses: testStatuses };
const conflict = (id: string, orderId: string, mine: string): ConflictEntry => ({
  clientEditId: id,
  orderId,
  column: "remark",
  mine,
  theirs: "主管改的",
  currentVersion: 5,
  changedBy: "admin",
  changedAt: "2026-01-15T03:00:00Z",
  reason: "admin changed remark after version 4",
});

describe("ConflictBook", function () {
  it("keeps open conflicts through a pane reload, and forgets resolved ones", function () {
    let text: string | null = null;
    const storage = { load: () => text, save: (s: string) => (text = s) };
    const book = new ConflictBook(storage);
    book.add([conflict("e1", "A", "我改的"), conflict("e2", "B", "别动")]);
    const reloaded = new ConflictBook(storage);
    assert.deepEqual(reloaded.list().map((c) => [c.orderId, c.mine]), [["A", "我改的"], ["B", "别动"]]);
    const kept = reloaded.keepMine("e1", () => "e3", ctx);
    assert.deepEqual(kept?.edit, { clientEditId: "e3", orderId: "A", column: "remark", baseVersion: 5, value: "我改的" });
    reloaded.settle("B", "remark");
    assert.deepEqual(new ConflictBook(storage).list(), []);
  });

  it("starts empty from unreadable or foreign storage", function () {
    for (const text of ["{", JSON.stringify({ v: 2, conflicts: [] }), JSON.stringify({ v: 1, conflicts: [{ orderId: 1 }] })]) {
      assert.deepEqual(new ConflictBook({ load: () => text, save: () => {} }).list(), []);
    }
  });
});
