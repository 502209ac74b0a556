import assert from "node:assert/strict";
import type { CellEdit, EditResult } from "../../../server/contracts/edits.js";
import { EditQueue } from "../../../addin/core/EditQueue.js";
import { MemoryPaneStore, queueStorage } from "../../../addin/core/PaneStore.js";

const edit = (id: string, orderId = "A", column: CellEdit["column"] = "region"): CellEdit => ({ clientEditId: id, orderId, column, baseVersion: 1, value: id });
const saved = (e: CellEdit): EditResult => ({ clientEditId: e.clientEditId, orderId: e.orderId, column: e.column, outcome: "saved", version: 2, value: e.value });

describe("EditQueue", function () {
  it("survives a pane reload: a new queue over the same storage holds the same edits", function () {
    const store = new MemoryPaneStore();
    new EditQueue(queueStorage(store)).enqueue([edit("e1"), edit("e2", "B")]);
    assert.deepEqual(new EditQueue(queueStorage(store)).pending().map((e) => e.clientEditId), ["e1", "e2"]);
  });

  it("ignores an edit ID already queued and replaces a queued edit of the same cell", function () {
    const q = new EditQueue(queueStorage(new MemoryPaneStore()));
    q.enqueue([edit("e1"), edit("e1"), edit("e2", "B")]);
    q.enqueue([edit("e3")]);
    assert.deepEqual(q.pending().map((e) => e.clientEditId), ["e2", "e3"]);
  });

  it("keeps edits when the server is unreachable and sends them once when it is back", async function () {
    const store = new MemoryPaneStore();
    const q = new EditQueue(queueStorage(store));
    q.enqueue([edit("e1")]);
    const down = await q.drain(async () => {
      throw new Error("offline");
    });
    assert.ok(down.error);
    assert.equal(q.size(), 1);
    const sent: string[] = [];
    const send = async (edits: CellEdit[]) => {
      sent.push(...edits.map((e) => e.clientEditId));
      return edits.map(saved);
    };
    const [a, b] = await Promise.all([q.drain(send), q.drain(send)]);
    assert.equal(a, b, "concurrent drains share one run");
    await q.drain(send);
    assert.deepEqual(sent, ["e1"]);
    assert.equal(new EditQueue(queueStorage(store)).size(), 0, "the answered edit is gone from storage too");
  });

  it("drops every definite answer, conflicts and refusals included, and keeps unanswered edits", async function () {
    const q = new EditQueue(queueStorage(new MemoryPaneStore()), 2);
    q.enqueue([edit("e1", "A"), edit("e2", "B"), edit("e3", "C")]);
    const report = await q.drain(async (edits) =>
      edits.slice(0, 1).map((e) => ({ clientEditId: e.clientEditId, orderId: e.orderId, column: e.column, outcome: "refused" as const, reason: "no", currentValue: null, currentVersion: 1 })),
    );
    assert.deepEqual(report.sent.map((e) => e.clientEditId), ["e1"]);
    assert.deepEqual(q.pending().map((e) => e.clientEditId), ["e2", "e3"]);
  });

  it("starts empty from unreadable storage", function () {
    const store = new MemoryPaneStore();
    store.set("queue", "{not json");
    assert.equal(new EditQueue(queueStorage(store)).size(), 0);
  });
});
