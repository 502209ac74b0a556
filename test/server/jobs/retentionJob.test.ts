import assert from "node:assert/strict";
import { DEFAULT_RETENTION } from "../../../server/config.js";
import { KnexRetentionStore } from "../../../server/db/KnexRetentionStore.js";
import type { RetentionSettings } from "../../../server/domain/retention/retentionPolicy.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { RetentionJob } from "../../../server/jobs/retentionJob.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { at, importOrder, newWorkspace, orderRow, quietLogger, send, stores } from "./fixtures.js";

const DAY = 24 * 60;

function job(db: Parameters<typeof stores>[0], overrides: Partial<RetentionSettings>) {
  return new RetentionJob({ store: new KnexRetentionStore(db.knex), settings: { ...DEFAULT_RETENTION, ...overrides }, logger: quietLogger });
}

describeEachDatabase("retention of rows that are not partitioned", ({ db }) => {
  const firings = async (ws: string, orderId: string) => (await db().knex("timer_firings").where({ workspace_id: ws, order_id: orderId }).select("key")).map((r) => r.key as string);

  it("deletes the timer firings of orders in a terminal status only, and the timer does not fire again", async function () {
    // An order left unpaid is cancelled by its 24 h timer (a terminal status).
    const done = await newWorkspace(db(), standardWorkflow);
    const cancelled = await importOrder(db(), done, at(0));
    assert.equal((await stores(db()).job().run(at(DAY))).perWorkspace[done].transitions, 1);
    assert.equal((await orderRow(db(), done, cancelled)).status, "cancelled");
    assert.equal((await firings(done, cancelled)).length, 1);

    // An order still in transit whose stall alert fired: its status has timers, its firing must stay.
    const live = await newWorkspace(db(), standardWorkflow);
    const moving = await importOrder(db(), live, at(0));
    await send(db(), live, moving, at(0), "payment.confirmed", { paidAt: at(0).toISOString() });
    await send(db(), live, moving, at(0), "waybill.assigned", { carrier: "SF", waybillNo: "SF123456" });
    await send(db(), live, moving, at(0), "wms.outbound", { outboundAt: at(0).toISOString() });
    assert.ok((await stores(db()).job().run(at(120))).perWorkspace[live].alerts >= 1);
    const liveFirings = await firings(live, moving);
    assert.ok(liveFirings.length >= 1);

    const sum = await job(db(), { timerFiringDays: 1 }).run(at(3 * DAY));
    assert.equal(sum.errors, 0);
    assert.deepEqual(await firings(done, cancelled), []);
    assert.deepEqual(await firings(live, moving), liveFirings, "a firing of an order that may still be timed stays, however old");
    assert.ok((sum.rowsDeleted.timer_firings ?? 0) >= 1);

    // The cancelled order's timer has no status to come due in: nothing fires again.
    const alertsBefore = await db().knex("alerts").where("workspace_id", done).count({ n: "*" }).first();
    const again = await stores(db()).job().run(at(3 * DAY + 1));
    assert.equal(again.perWorkspace[done].transitions + again.perWorkspace[done].transitionsNotApplied, 0);
    assert.equal(again.perWorkspace[done].alerts + again.perWorkspace[done].tasks, 0);
    assert.equal((await orderRow(db(), done, cancelled)).status, "cancelled");
    assert.deepEqual(await db().knex("alerts").where("workspace_id", done).count({ n: "*" }).first(), alertsBefore);
  });

  it("keeps every timer firing when their retention is 0 (for ever)", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const id = await importOrder(db(), ws, at(0));
    await stores(db()).job().run(at(DAY));
    assert.equal((await job(db(), { timerFiringDays: 0 }).run(at(400 * DAY))).rowsDeleted.timer_firings, undefined);
    assert.equal((await firings(ws, id)).length, 1);
  });

  it("deletes refused input, resolved conflicts and finished tasks older than their retention, in batches; open ones stay", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const k = db().knex;
    const old = at(-40 * DAY).toISOString();
    const recent = at(-1 * DAY).toISOString();
    const rejected = (when: string, n: number) => Array.from({ length: n }, () => ({ workspace_id: ws, route: "POST /api/events", status: 400, reason: "bad", body: "{}", body_bytes: 2, at: when }));
    await k("rejected_inputs").insert([...rejected(old, 250), ...rejected(recent, 3)]);
    const conflict = (resolved: string | null) => ({ workspace_id: ws, order_id: "o1", channel: "tmall", kind: "stale_edit", field: "remark", details: "{}", at: old, resolved_at: resolved });
    await k("conflicts").insert([conflict(old), conflict(null), conflict(recent)]);
    const task = (key: string, doneAt: string | null) => ({ workspace_id: ws, order_id: "o1", key, source_id: "r", assignee: "小王", message: "call", created_at: old, done_at: doneAt });
    await k("tasks").insert([task("a", old), task("b", null), task("c", recent)]);

    const sum = await job(db(), { rejectedInputDays: 30, conflictDays: 30, taskDays: 30, batchRows: 100 }).run(at(0));
    assert.equal(sum.errors, 0);
    assert.equal(sum.rowsDeleted.rejected_inputs, 250, "three batches of at most 100");
    assert.equal(sum.rowsDeleted.conflicts, 1);
    assert.equal(sum.rowsDeleted.tasks, 1);
    assert.equal(Number((await k("rejected_inputs").where("workspace_id", ws).count({ n: "*" }).first())!.n), 3);
    assert.deepEqual((await k("conflicts").where("workspace_id", ws).orderBy("id").select("resolved_at")).map((r) => (r.resolved_at ? new Date(r.resolved_at).toISOString() : null)), [null, recent]);
    assert.deepEqual((await k("tasks").where("workspace_id", ws).orderBy("key").select("key")).map((r) => r.key), ["b", "c"]);
  });

  it("runs each slot once across server instances (claimed under the all-workspaces key)", async function () {
    const { KnexJobSlots } = await import("../../../server/db/KnexJobSlots.js");
    const slot = new Date("2026-02-01T00:00:00Z");
    const mk = (instance: string) =>
      new RetentionJob({ store: new KnexRetentionStore(db().knex), settings: DEFAULT_RETENTION, logger: quietLogger, slots: new KnexJobSlots(db().knex, instance) });
    assert.equal((await mk("a").run(slot, slot)).skipped, false);
    assert.equal((await mk("b").run(slot, slot)).skipped, true);
  });
});
