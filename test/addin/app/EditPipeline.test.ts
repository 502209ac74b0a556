import assert from "node:assert/strict";
import type { CellEdit, EditResult } from "../../../server/contracts/edits.js";
import type { OrderView } from "../../../server/contracts/orders.js";
import { ApiError } from "../../../addin/api/ApiError.js";
import { EditPipeline } from "../../../addin/app/EditPipeline.js";
import { COL } from "../../../addin/core/columns.js";
import { EditQueue } from "../../../addin/core/EditQueue.js";
import { applySaved, type CellPatch } from "../../../addin/core/resultPlan.js";
import { rowFromOrder } from "../../../addin/core/rowsFromOrders.js";
import type { SheetGateway } from "../../../addin/core/SheetGateway.js";
import { orderView, testContext, testStatuses } from "../fixtures.js";

/** A server that saves every edit on top of the version it holds. */
function savingServer(order: { version: number }) {
  const received: CellEdit[] = [];
  const send = async (edits: CellEdit[]): Promise<EditResult[]> =>
    edits.map((e) => {
      received.push(e);
      order.version += 1;
      return { clientEditId: e.clientEditId, orderId: e.orderId, column: e.column, outcome: "saved", version: order.version, value: e.value };
    });
  return { received, send };
}

describe("EditPipeline", function () {
  it("sends a cell changed back to its earlier value after the first change was saved", async function () {
    const known = new Map<string, OrderView>([["TM20260115-00001", orderView(1, { region: "华东" })]]);
    const server = savingServer({ version: 1 });
    const patches: CellPatch[] = [];
    const gateway = { patchCells: async (p: readonly CellPatch[]) => void patches.push(...p) } as unknown as SheetGateway;
    let n = 0;
    let storage: string | null = null;
    const pipeline = new EditPipeline({
      gateway,
      queue: new EditQueue({ load: () => storage, save: (s) => (storage = s) }),
      send: server.send,
      newId: () => `e${++n}`,
      context: () => ({ lang: "zh-CN", statuses: testStatuses, role: "customer_service" }),
      knownRow: (id) => (known.has(id) ? rowFromOrder(known.get(id)!, testContext()) : undefined),
      onReachable: () => {},
      onNotice: () => {},
      onProblem: () => {},
      onChange: () => {},
      onSaved: (saved) => saved.forEach((r) => known.set(r.orderId, applySaved(known.get(r.orderId)!, r))),
    });
    const typeRegion = (value: string) => {
      const o = known.get("TM20260115-00001")!;
      return pipeline.capture({ firstRow: 0, firstCol: COL.region, values: [[value]], keys: [o.id], versions: [String(o.version)] });
    };
    await typeRegion("华南");
    await typeRegion("华东");
    assert.deepEqual(server.received.map((e) => [e.value, e.baseVersion]), [["华南", 1], ["华东", 2]]);
    assert.equal(known.get("TM20260115-00001")!.region, "华东");
    assert.equal(known.get("TM20260115-00001")!.version, 3);
  });
});

describe("EditPipeline when the server refuses the batch", function () {
  it("keeps the edits queued and reports the problem, not 'offline'", async function () {
    const known = new Map<string, OrderView>([["TM20260115-00001", orderView(1)]]);
    const reachable: boolean[] = [];
    const problems: unknown[] = [];
    const queue = new EditQueue({ load: () => null, save: () => {} });
    const pipeline = new EditPipeline({
      gateway: { patchCells: async () => {} } as unknown as SheetGateway,
      queue,
      send: async () => {
        throw new ApiError("unauthorized", 401, "token revoked", "/api/edits");
      },
      newId: () => "e1",
      context: () => ({ lang: "zh-CN", statuses: testStatuses, role: "customer_service" }),
      knownRow: (id) => (known.has(id) ? rowFromOrder(known.get(id)!, testContext()) : undefined),
      onReachable: (r) => reachable.push(r),
      onNotice: () => {},
      onProblem: (e) => problems.push(e),
      onChange: () => {},
      onSaved: () => {},
    });
    await pipeline.capture({ firstRow: 0, firstCol: COL.region, values: [["华南"]], keys: ["TM20260115-00001"], versions: ["1"] });
    assert.deepEqual(reachable, []);
    assert.equal((problems[0] as ApiError).kind, "unauthorized");
    assert.equal(queue.size(), 1, "the edit waits for a valid token");
  });
});

describe("EditPipeline under the server's access policy", function () {
  it("answers an edit of a column this user may not edit locally (cell reverted, reason in Sync) and sends only the rest", async function () {
    const known = new Map<string, OrderView>([["TM20260115-00001", orderView(1, { region: "华东" })]]);
    const server = savingServer({ version: 1 });
    const patches: CellPatch[] = [];
    const editable: ("status" | "remark")[] = ["status", "remark"];
    const pipeline = new EditPipeline({
      gateway: { patchCells: async (p: readonly CellPatch[]) => void patches.push(...p) } as unknown as SheetGateway,
      queue: new EditQueue({ load: () => null, save: () => {} }),
      send: server.send,
      newId: () => "e1",
      context: () => ({ lang: "zh-CN", statuses: testStatuses, role: "customer_service", editableColumns: editable }),
      knownRow: (id) => (known.has(id) ? rowFromOrder(known.get(id)!, testContext()) : undefined),
      onReachable: () => {},
      onNotice: () => {},
      onProblem: () => {},
      onChange: () => {},
      onSaved: () => {},
    });
    await pipeline.capture({ firstRow: 0, firstCol: COL.region, values: [["华南"]], keys: ["TM20260115-00001"], versions: ["1"] });
    assert.equal(server.received.length, 0, "nothing reaches the server");
    assert.deepEqual(patches.find((p) => p.col === COL.region), { orderId: "TM20260115-00001", col: COL.region, value: "华东", format: "@" }, "the cell goes back, as text");
    assert.match(String(patches.find((p) => p.col === COL.sync)?.value), /你的角色（客服专员）不能修改「地区」；你可以修改：状态、备注/);
    await pipeline.capture({ firstRow: 0, firstCol: COL.remark, values: [["周末送"]], keys: ["TM20260115-00001"], versions: ["1"] });
    assert.deepEqual(server.received.map((e) => [e.column, e.value]), [["remark", "周末送"]]);
  });
});

describe("applySaved", function () {
  const saved = (column: string, value: unknown, version: number) => ({ clientEditId: "e", orderId: "A", column, outcome: "saved" as const, version, value });

  it("puts each editable column's saved value where the row reads it", function () {
    const o = orderView(1, { version: 4 });
    assert.equal(applySaved(o, saved("status", "reviewed", 5)).status, "reviewed");
    assert.deepEqual(applySaved(o, saved("tags", ["急", "VIP"], 5)).tags, ["急", "VIP"]);
    assert.equal(applySaved(o, saved("remark", "放门口", 5)).extra.remark, "放门口");
    assert.equal(applySaved(o, saved("waybillNo", null, 5)).waybillNo, null);
    assert.equal(applySaved(o, saved("carrier", "SF", 5)).version, 5);
  });

  it("leaves an order the change feed already made newer alone", function () {
    const o = orderView(1, { version: 7, region: "华北" });
    assert.equal(applySaved(o, saved("region", "华南", 6)), o);
  });

  it("does not jump over someone else's change: a save two versions on is left to the feed", function () {
    const o = orderView(1, { version: 4 });
    assert.equal(applySaved(o, saved("remark", "放门口", 6)), o);
  });
});
