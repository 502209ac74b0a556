import assert from "node:assert/strict";
import { KnexAuditStore } from "../../../server/db/KnexAuditStore.js";
import { KnexJobSlots } from "../../../server/db/KnexJobSlots.js";
import { KnexTimerStore } from "../../../server/db/KnexTimerStore.js";
import { DigestJob } from "../../../server/jobs/digestJob.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { at, auditSeq, behindTheServersBack, newWorkspace, quietLogger, seededWorkspace, stores } from "./fixtures.js";
import type { Database } from "../../../server/db/createKnex.js";

function digestJob(db: Database, slots?: KnexJobSlots): DigestJob {
  const s = stores(db);
  const timers = new KnexTimerStore(db.knex, s.workflows, s.signal);
  return new DigestJob({ workspaces: () => timers.workspaces(), audit: new KnexAuditStore(db.knex), logger: quietLogger, slots });
}

describeEachDatabase("audit digest job and tamper detection", function ({ db }) {
  it("writes one digest per workspace with audit entries and skips empty ones", async function () {
    const { ws } = await seededWorkspace(db());
    const empty = await newWorkspace(db(), standardWorkflow);
    const sum = await digestJob(db()).run(at(60));
    assert.equal(sum.errors, 0);
    const rows = await db().knex("audit_digests").whereIn("workspace_id", [ws, empty]).select("workspace_id", "chains");
    assert.deepEqual(rows.map((r) => [r.workspace_id, Number(r.chains)]), [[ws, 3]]);
    assert.equal((await new KnexAuditStore(db().knex).verify(ws)).digestsChecked, 1);
  });

  it("lets one instance write a slot's digest when slots are claimed", async function () {
    const { ws } = await seededWorkspace(db(), 1);
    const slot = new Date("2026-01-15T03:00:00.000Z");
    const [a, b] = await Promise.all([digestJob(db(), new KnexJobSlots(db().knex, "a")).run(at(61), slot), digestJob(db(), new KnexJobSlots(db().knex, "b")).run(at(61), slot)]);
    const workspaces = Number((await db().knex("workspaces").count({ n: "*" }).first())!.n);
    assert.equal(a.skipped + b.skipped, workspaces);
    assert.equal(Number((await db().knex("audit_digests").where("workspace_id", ws).count({ n: "*" }).first())!.n), 1);
  });

  it("finds an audit entry edited behind the server's back (the routine check before its checkpoint passes it, the full check after)", async function () {
    const { ws, orders } = await seededWorkspace(db());
    const audit = new KnexAuditStore(db().knex);
    const seq = await auditSeq(db(), ws, orders[1], 1);
    await behindTheServersBack(db(), (k) => k("audit_log").where("seq", seq).update({ actor: "mallory" }));
    const routine = await audit.verify(ws);
    assert.equal(routine.ok, false);
    assert.deepEqual([routine.firstBroken!.orderId, routine.firstBroken!.seq], [orders[1], seq]);

    // Edited after a clean routine check moved the checkpoint past it: only the full check re-reads it.
    const other = await seededWorkspace(db());
    assert.equal((await audit.verify(other.ws)).ok, true);
    const seq2 = await auditSeq(db(), other.ws, other.orders[1], 1);
    await behindTheServersBack(db(), (k) => k("audit_log").where("seq", seq2).update({ actor: "mallory" }));
    assert.equal((await audit.verify(other.ws)).entriesRead, 0);
    const v = await audit.verifyFull(other.ws);
    assert.equal(v.ok, false);
    assert.deepEqual([v.firstBroken!.orderId, v.firstBroken!.seq], [other.orders[1], seq2]);
    assert.match(v.firstBroken!.reason, /edited/);
  });

  it("reports the edited entry of a full check with its order and entry", async function () {
    const { ws, orders } = await seededWorkspace(db());
    const audit = new KnexAuditStore(db().knex);
    const seq = await auditSeq(db(), ws, orders[1], 1);
    await behindTheServersBack(db(), (k) => k("audit_log").where("seq", seq).update({ actor: "mallory" }));
    const v = await audit.verifyFull(ws);
    assert.equal(v.ok, false);
    assert.deepEqual([v.firstBroken!.orderId, v.firstBroken!.seq], [orders[1], seq]);
    assert.match(v.firstBroken!.reason, /edited/);
  });

  it("finds an audit entry deleted behind the server's back, in the middle or at the end of a chain", async function () {
    const { ws, orders } = await seededWorkspace(db());
    const audit = new KnexAuditStore(db().knex);
    const first = await auditSeq(db(), ws, orders[0], 0);
    const second = await auditSeq(db(), ws, orders[0], 1);
    await behindTheServersBack(db(), (k) => k("audit_log").where("seq", first).del());
    const v = await audit.verify(ws);
    assert.equal(v.ok, false);
    assert.deepEqual([v.firstBroken!.orderId, v.firstBroken!.seq], [orders[0], second]);
    assert.match(v.firstBroken!.reason, /missing/);

    const { ws: ws2, orders: orders2 } = await seededWorkspace(db(), 1);
    const rows = await db().knex("audit_log").where({ workspace_id: ws2, order_id: orders2[0] }).orderBy("seq", "desc").select("seq");
    await behindTheServersBack(db(), (k) => k("audit_log").where("seq", rows[0].seq).del());
    const tail = await audit.verify(ws2);
    assert.equal(tail.ok, false);
    assert.match(tail.firstBroken!.reason, /newest entries of the order's chain are missing/);
  });

  it("catches a whole chain removed with its order, before any digest (the tally) and after one (the digest)", async function () {
    const audit = new KnexAuditStore(db().knex);
    const removeChain = async (ws: string, orderId: string) => {
      await behindTheServersBack(db(), (k) => k("audit_log").where({ workspace_id: ws, order_id: orderId }).del());
      await db().knex("orders").where({ workspace_id: ws, id: orderId }).del();
    };

    // Without a digest the database's running tally of chains still names the removal.
    const blind = await seededWorkspace(db());
    await removeChain(blind.ws, blind.orders[2]);
    const seen = await audit.verify(blind.ws);
    assert.deepEqual([seen.ok, seen.chains], [false, 2]);

    // With the periodic digest written before the removal, the full check notices it.
    const pinned = await seededWorkspace(db());
    await digestJob(db()).run(at(60));
    assert.equal((await audit.verify(pinned.ws)).ok, true);
    await removeChain(pinned.ws, pinned.orders[2]);
    const v = await audit.verifyFull(pinned.ws);
    assert.equal(v.ok, false);
    assert.match(v.firstBroken!.reason, /1 chain\(s\) were removed/);
  });
});
