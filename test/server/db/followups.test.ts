import assert from "node:assert/strict";
import crypto from "node:crypto";
import type { Database } from "../../../server/db/createKnex.js";
import { KnexEditStore } from "../../../server/db/KnexEditStore.js";
import { KnexFollowupStore } from "../../../server/db/KnexFollowupStore.js";
import { LocalChangeSignal } from "../../../server/db/ChangeSignal.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { at, importOrder, newWorkspace, orderRow, send, stores } from "../jobs/fixtures.js";

const OPEN = { open: "true" as const, limit: 100 };
const ALL = { open: "false" as const, limit: 100 };

async function remark(db: Database, ws: string, user: string, orderId: string, baseVersion: number, value: string, when: Date) {
  const edits = new KnexEditStore(db.knex, new LocalChangeSignal());
  const [r] = await edits.apply({ workspaceId: ws, user, role: "customer_service" }, [{ clientEditId: crypto.randomUUID(), orderId, column: "remark", baseVersion, value }], when);
  return r;
}

/** A standard order in transit since `when`. */
async function inTransit(db: Database, ws: string, when: Date): Promise<string> {
  const id = await importOrder(db, ws, when);
  await send(db, ws, id, when, "payment.confirmed", { paidAt: when.toISOString() });
  await send(db, ws, id, when, "waybill.assigned", { carrier: "SF", waybillNo: `SF${id}` });
  await send(db, ws, id, when, "wms.outbound", { outboundAt: when.toISOString() });
  return id;
}

describeEachDatabase("conflicts and tasks end", function ({ db }) {
  const store = () => new KnexFollowupStore(db().knex);

  it("an edit conflict stays open until a later saved edit of the same cell supersedes it, by that editor", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const id = await importOrder(db(), ws, at(0));
    const v = (await orderRow(db(), ws, id)).version;
    assert.equal((await remark(db(), ws, "王芳", id, v, "先到先发", at(1))).outcome, "saved");
    const stale = await remark(db(), ws, "李雷", id, v, "加急", at(2));
    assert.equal(stale.outcome, "conflict");
    const open = await store().listConflicts(ws, OPEN);
    assert.deepEqual(open.map((c) => [c.orderId, c.kind, c.field, c.resolvedAt]), [[id, "stale_edit", "remark", null]]);

    // A saved edit of another cell of the order leaves it open; the same cell ends it.
    const current = (await orderRow(db(), ws, id)).version;
    const edits = new KnexEditStore(db().knex, new LocalChangeSignal());
    const [wh] = await edits.apply({ workspaceId: ws, user: "李雷", role: "admin" }, [{ clientEditId: "wh-1", orderId: id, column: "warehouse", baseVersion: current, value: "WH-SH" }], at(3));
    assert.equal(wh.outcome, "saved");
    assert.equal((await store().listConflicts(ws, OPEN)).length, 1, "another cell does not end it");
    const again = await remark(db(), ws, "李雷", id, current + 1, "加急", at(4));
    assert.equal(again.outcome, "saved");
    assert.deepEqual(await store().listConflicts(ws, OPEN), []);
    const [ended] = await store().listConflicts(ws, ALL);
    assert.deepEqual([ended.resolution, ended.resolvedBy, ended.resolvedAt], ["superseded", "李雷", at(4).toISOString()]);
  });

  it("a person resolves a conflict once, with how and a note; a second try answers already_ended; an unknown id not_found", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const id = await importOrder(db(), ws, at(0));
    const v = (await orderRow(db(), ws, id)).version;
    await remark(db(), ws, "王芳", id, v, "一", at(1));
    await remark(db(), ws, "李雷", id, v, "二", at(2));
    const [c] = await store().listConflicts(ws, OPEN);
    const r = await store().resolveConflict(ws, c.id, "took_server", { actor: "李雷", note: "用王芳的" }, at(5));
    assert.equal(r.outcome, "ended");
    assert.deepEqual(r.outcome === "ended" && [r.item.resolution, r.item.resolvedBy, r.item.note, r.item.resolvedAt], ["took_server", "李雷", "用王芳的", at(5).toISOString()]);
    const twice = await store().resolveConflict(ws, c.id, "closed", { actor: "王芳", note: null }, at(6));
    assert.equal(twice.outcome, "already_ended");
    assert.equal(twice.outcome === "already_ended" && twice.item.resolvedBy, "李雷", "the first resolution stands");
    assert.equal((await store().resolveConflict(ws, "999999999", "closed", { actor: "x", note: null }, at(6))).outcome, "not_found");
    const other = await newWorkspace(db(), standardWorkflow);
    assert.equal((await store().resolveConflict(other, c.id, "closed", { actor: "x", note: null }, at(6))).outcome, "not_found", "another workspace's id");
  });

  it("the logistics task ends by itself when the order leaves in_transit, and a person can finish one by hand", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const signed = await inTransit(db(), ws, at(0));
    const handled = await inTransit(db(), ws, at(0));
    const job = stores(db()).job();
    await job.run(at(360));
    const open = await store().listTasks(ws, OPEN);
    assert.deepEqual(open.map((t) => [t.orderId, t.sourceId, t.assignee]).sort(), [[handled, "stall_task_6h", "customer_service"], [signed, "stall_task_6h", "customer_service"]].sort());

    const out = await send(db(), ws, signed, at(400), "carrier.signed", { signedAt: at(400).toISOString() });
    assert.equal(out.status, "signed");
    const still = await store().listTasks(ws, OPEN);
    assert.deepEqual(still.map((t) => t.orderId), [handled], "the signed order's task ended");
    const ended = (await store().listTasks(ws, ALL)).find((t) => t.orderId === signed)!;
    assert.deepEqual([ended.doneReason, ended.doneBy, ended.doneAt], ["status_left", "system", at(400).toISOString()]);

    const done = await store().finishTask(ws, still[0].id, { actor: "客服小张", note: "已联系顾客" }, at(410));
    assert.equal(done.outcome, "ended");
    assert.deepEqual(done.outcome === "ended" && [done.item.doneReason, done.item.doneBy, done.item.note], ["done", "客服小张", "已联系顾客"]);
    assert.deepEqual(await store().listTasks(ws, OPEN), []);
    assert.equal((await store().finishTask(ws, still[0].id, { actor: "x", note: null }, at(411))).outcome, "already_ended");
  });

  it("a scoped person sees and ends only the conflicts and tasks of orders inside their scope", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const east = await importOrder(db(), ws, at(0), { region: "east" });
    const west = await importOrder(db(), ws, at(0), { region: "west" });
    for (const id of [east, west]) {
      const v = (await orderRow(db(), ws, id)).version;
      await remark(db(), ws, "a", id, v, "一", at(1));
      await remark(db(), ws, "b", id, v, "二", at(2));
    }
    const scope = { regions: ["east"] };
    const seen = await store().listConflicts(ws, OPEN, scope);
    assert.deepEqual(seen.map((c) => c.orderId), [east]);
    const westConflict = (await store().listConflicts(ws, OPEN)).find((c) => c.orderId === west)!;
    assert.equal((await store().resolveConflict(ws, westConflict.id, "closed", { actor: "east-cs", note: null, scope }, at(3))).outcome, "not_found");
    assert.equal((await store().resolveConflict(ws, seen[0].id, "kept_mine", { actor: "east-cs", note: null, scope }, at(3))).outcome, "ended");
  });
});
