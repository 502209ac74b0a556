import assert from "node:assert/strict";
import { KnexAuditStore } from "../../../server/db/KnexAuditStore.js";
import { AuditFullCheck } from "../../../server/db/auditFullCheck.js";
import { AUDIT_MONTHS_AHEAD, ensureAuditPartitions } from "../../../server/db/auditPartitions.js";
import { ensureMonthlyPartitions, isPartitioned, listMonthlyPartitions } from "../../../server/db/partitions.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { at, auditSeq, behindTheServersBack, importOrder, newWorkspace, seededWorkspace, send } from "../jobs/fixtures.js";
import type { Database } from "../../../server/db/createKnex.js";
import type { Knex } from "knex";
import { appendAudit } from "../../../server/db/auditWriter.js";
import { startTestServer } from "../../helpers/testServer.js";
import { writeAuditHeads } from "../../../server/db/auditHeads.js";

async function checkpoint(db: Database, ws: string): Promise<Record<string, any>> {
  return db.knex("audit_checkpoints").where("workspace_id", ws).first();
}

async function entriesOf(db: Database, ws: string): Promise<number> {
  return Number((await db.knex("audit_log").where("workspace_id", ws).count({ n: "*" }).first())!.n);
}

/** Runs `fn` with the digests' append-only trigger off, as someone with database access could. */
async function digestsBehindTheServersBack(db: Database, fn: () => Promise<unknown>): Promise<void> {
  await db.knex.raw("alter table audit_digests disable trigger audit_digests_no_update_delete");
  try {
    await fn();
  } finally {
    await db.knex.raw("alter table audit_digests enable trigger audit_digests_no_update_delete");
  }
}

describeEachDatabase("audit log partitions, checkpoints, incremental digests and full checks", ({ db }) => {
  const later = new Date("2026-01-20T00:00:00Z");

  it("makes the audit log's months ahead with the feed's and the inbox's, in the retention job's partition upkeep (at start-up and daily)", async function () {
    this.timeout(60_000);
    const t = await startTestServer(db(), {}, () => new Date("2032-02-10T00:00:00Z"));
    try {
      const names = (await listMonthlyPartitions(db().knex, "audit_log")).map((p) => p.name);
      for (const m of ["audit_log_p203202", "audit_log_p203203"]) assert.ok(names.includes(m), `${m} in ${names.slice(-4).join(", ")}`);
      assert.ok((await listMonthlyPartitions(db().knex, "changes")).some((p) => p.name === "changes_p203202"));
    } finally {
      await t.close();
    }
  });

  it("the full check follows a chain across months when a writer's clock was behind: an entry numbered after one of the next month but dated back in this one is no break", async function () {
    this.timeout(60_000);
    await ensureAuditPartitions(db().knex, new Date("2029-01-15T00:00:00Z"));
    const ws = await newWorkspace(db(), standardWorkflow);
    const jan = (s: number) => new Date(Date.UTC(2029, 0, 31, 23, 59, s));
    const id = await importOrder(db(), ws, jan(50));
    // Entry 2 by a server on time (February); entry 3 by one whose clock is 5 s behind (January).
    await send(db(), ws, id, new Date("2029-02-01T00:00:01Z"), "payment.confirmed", { paidAt: jan(50).toISOString() });
    await send(db(), ws, id, jan(56), "waybill.assigned", { carrier: "SF", waybillNo: "SF1" });
    const where = (await db().knex.raw("select tableoid::regclass::text as p, seq from audit_log where workspace_id = ? order by seq", [ws])).rows.map((r: { p: string }) => r.p.replace(/^.*\./, ""));
    assert.equal(where[0], "audit_log_p202901");
    assert.ok(where.includes("audit_log_p202902"), where.join(", "));
    assert.equal(where[where.length - 1], "audit_log_p202901", "the last entry, dated back, sits in January");
    const audit = new KnexAuditStore(db().knex);
    const full = await audit.verifyFull(ws, new Date("2029-02-02T00:00:00Z"));
    assert.equal(full.ok, true, full.message);
    // Tampering inside the same chain is still found.
    const last = await db().knex("audit_log").where("workspace_id", ws).orderBy("seq", "desc").first("seq", "at");
    await behindTheServersBack(db(), (k) => k("audit_log").where({ workspace_id: ws, seq: last.seq }).update({ prev_hash: "0".repeat(64) }));
    const broken = await audit.verifyFull(ws, new Date("2029-02-02T00:00:00Z"));
    assert.equal(broken.ok, false);
  });

  it("the first routine check (no checkpoint) probes no chain predecessors: every earlier entry it needs it has read itself", async function () {
    this.timeout(60_000);
    const { ws } = await seededWorkspace(db(), 5);
    const probes: string[] = [];
    const watch = (q: { sql?: string; bindings?: unknown[] }) => {
      if (/a\.seq < u\.seq/.test(q.sql ?? "") && q.bindings?.includes(ws)) probes.push(q.sql!);
    };
    db().knex.on("query", watch);
    try {
      const v = await new KnexAuditStore(db().knex).verify(ws);
      assert.equal(v.ok, true, v.message);
      assert.ok((v.entriesRead ?? v.entries) > 5);
      assert.equal(probes.length, 0);
      await send(db(), ws, (await db().knex("orders").where("workspace_id", ws).first("id")).id, at(500), "payment.confirmed", { paidAt: at(500).toISOString() });
      const next = await new KnexAuditStore(db().knex).verify(ws);
      assert.equal(next.ok, true, next.message);
      assert.ok(probes.length > 0, "a later check links its first entries to the chains read before");
    } finally {
      db().knex.off("query", watch);
    }
  });

  it("partitions audit_log by month with (workspace_id, seq, at) as its key, keeps months ahead idempotently and refuses TRUNCATE of a partition", async () => {
    const k = db().knex;
    assert.equal(await isPartitioned(k, "audit_log"), true);
    const pk = await k.raw(`select pg_get_constraintdef(c.oid) as def from pg_constraint c where c.conrelid = 'audit_log'::regclass and c.contype = 'p'`);
    assert.equal(pk.rows[0].def, "PRIMARY KEY (workspace_id, seq, at)");
    const far = new Date("2031-05-10T00:00:00Z");
    const made = await ensureAuditPartitions(k, far);
    assert.equal(made.created.length, AUDIT_MONTHS_AHEAD + 1);
    assert.deepEqual(await ensureAuditPartitions(k, far), { created: [], skipped: [] });
    assert.ok((await listMonthlyPartitions(k, "audit_log")).some((p) => p.name === "audit_log_p203105"));
    await assert.rejects(k.raw("truncate audit_log_p203105"), /append-only/);
  });

  it("the routine check after new entries reads only the new ones and moves the checkpoint over them", async () => {
    const { ws, orders } = await seededWorkspace(db());
    const audit = new KnexAuditStore(db().knex);
    const first = await audit.verify(ws, later);
    assert.equal(first.ok, true, first.message);
    const all = await entriesOf(db(), ws);
    assert.deepEqual([first.entriesRead, first.entries, first.fromSeq], [all, all, "0"]);
    const cp1 = await checkpoint(db(), ws);
    assert.equal(String(cp1.upto_seq), first.uptoSeq);

    await send(db(), ws, orders[0], at(30), "waybill.assigned", { carrier: "SF", waybillNo: "SF0" });
    await send(db(), ws, orders[1], at(31), "waybill.assigned", { carrier: "SF", waybillNo: "SF1" });
    const added = (await entriesOf(db(), ws)) - all;
    assert.ok(added > 0, "new entries were written");
    const second = await audit.verify(ws, later);
    assert.equal(second.ok, true, second.message);
    assert.deepEqual([second.entriesRead, second.entries, second.fromSeq], [added, all + added, first.uptoSeq]);
    const cp2 = await checkpoint(db(), ws);
    assert.deepEqual([Number(cp2.last_entries_read), String(cp2.last_from_seq), Number(cp2.entries)], [added, first.uptoSeq, all + added]);

    const third = await audit.verify(ws, later);
    assert.deepEqual([third.ok, third.entriesRead], [true, 0]);
    assert.match(third.message, /条审计链完好.* \/ all \d+ chains hold/);
  });

  it("a digest covers only the chains changed since the previous one and names it; nothing new writes none", async () => {
    const { ws, orders } = await seededWorkspace(db());
    const audit = new KnexAuditStore(db().knex);
    const d1 = await audit.writeDigest(ws, at(60));
    assert.equal(d1!.chains, 3);
    assert.equal(await audit.writeDigest(ws, at(61)), null);
    const before = await entriesOf(db(), ws);
    await send(db(), ws, orders[2], at(62), "waybill.assigned", { carrier: "SF", waybillNo: "SF2" });
    assert.ok((await entriesOf(db(), ws)) > before);
    const d2 = await audit.writeDigest(ws, at(63));
    assert.equal(d2!.chains, 1, "only the changed chain");
    const rows = await db().knex("audit_digests").where("workspace_id", ws).orderBy("id").select("from_seq", "upto_seq", "prev_digest", "digest", "chains");
    assert.equal(String(rows[1].from_seq), String(rows[0].upto_seq));
    assert.equal(rows[1].prev_digest, rows[0].digest);
    const v = await audit.verify(ws, later);
    assert.deepEqual([v.ok, v.digestsChecked], [true, 2]);
    assert.equal((await audit.verifyFull(ws, later)).ok, true);
  });

  it("detects a removed old digest (full check) and a removed digest the checkpoint had checked (routine check)", async () => {
    const { ws, orders } = await seededWorkspace(db(), 2);
    const audit = new KnexAuditStore(db().knex);
    await audit.writeDigest(ws, at(60));
    await importOrder(db(), ws, at(61));
    await audit.writeDigest(ws, at(62));
    await importOrder(db(), ws, at(63));
    await audit.writeDigest(ws, at(64));
    assert.equal((await audit.verify(ws, later)).ok, true);
    const ids = (await db().knex("audit_digests").where("workspace_id", ws).orderBy("id").select("id")).map((r) => r.id);
    await digestsBehindTheServersBack(db(), () => db().knex("audit_digests").where({ workspace_id: ws, id: ids[1] }).del());
    const full = await audit.verifyFull(ws, later);
    assert.equal(full.ok, false);
    assert.match(full.firstBroken!.reason, /does not follow the digest before it: a digest was removed/);

    await digestsBehindTheServersBack(db(), () => db().knex("audit_digests").where({ workspace_id: ws, id: ids[2] }).del());
    await send(db(), ws, orders[0], at(65), "waybill.assigned", { carrier: "SF", waybillNo: "SF3" });
    const routine = await audit.verify(ws, later);
    assert.equal(routine.ok, false);
    assert.match(routine.firstBroken!.reason, /already checked at the checkpoint, was removed/);
    assert.match(routine.message, /审计链断裂/);
  });

  it("a full check interrupted after its first page resumes where it stopped, on another instance", async () => {
    const { ws } = await seededWorkspace(db(), 3);
    const total = await entriesOf(db(), ws);
    const first = new AuditFullCheck(db().knex, { pageSize: 2 });
    const run = await first.start(ws, later);
    assert.deepEqual([run.status, run.entriesDone, run.entriesTotal], ["running", 0, total]);
    assert.equal(await first.step(ws, run.id, 1), false);
    const stopped = await first.get(ws, run.id);
    assert.equal(stopped.entriesDone, 2);
    assert.notEqual(stopped.currentMonth, null);
    // Joining while it runs gives the same run.
    assert.equal((await first.start(ws, later)).id, run.id);

    // "Restart": a new instance claims the stale run and finishes it without reading page 1 again.
    const second = new AuditFullCheck(db().knex, { pageSize: 2 });
    const claimed = await second.resumeStale(0);
    assert.deepEqual(claimed.filter((c) => c.workspaceId === ws).map((c) => c.runId), [run.id]);
    let done = await second.get(ws, run.id);
    for (let i = 0; i < 2000 && done.status === "running"; i++) {
      await new Promise((r) => setTimeout(r, 10));
      done = await second.get(ws, run.id);
    }
    assert.equal(done.status, "done");
    assert.equal(done.result!.ok, true, done.result!.message);
    assert.deepEqual([done.entriesDone, done.result!.entriesRead, done.result!.entries], [total, total, total]);
    const pages = Number((await db().knex("audit_check_runs").where({ workspace_id: ws, id: run.id }).first("pages")).pages);
    assert.ok(pages >= Math.ceil(total / 2), `pages ${pages}`);
  });

  it("a sealed month: routine checks do not re-read it, the full check finds tampering in it", async () => {
    const k = db().knex;
    await ensureMonthlyPartitions(k, "audit_log", new Date("2025-10-01T00:00:00Z"), new Date("2025-10-01T00:00:00Z"));
    const ws = await newWorkspace(db(), standardWorkflow);
    const id = await importOrder(db(), ws, new Date("2025-10-05T00:00:00Z"));
    await send(db(), ws, id, new Date("2025-10-06T00:00:00Z"), "payment.confirmed", { paidAt: "2025-10-06T00:00:00Z" });
    const parts = (await k.raw("select distinct tableoid::regclass::text as p from audit_log where workspace_id = ?", [ws])).rows.map((r: { p: string }) => r.p.replace(/^.*\./, ""));
    assert.deepEqual(parts, ["audit_log_p202510"]);
    const audit = new KnexAuditStore(k);
    const sealedBy = await audit.verifyFull(ws, later);
    assert.equal(sealedBy.ok, true, sealedBy.message);
    const written = await entriesOf(db(), ws);
    assert.deepEqual(sealedBy.months!.filter((m) => m.month === "2025-10"), [{ month: "2025-10", state: "sealed", entries: written }]);
    assert.equal((await k("audit_months").where({ workspace_id: ws, month: "2025-10" }).first()).state, "sealed");

    const victim = await auditSeq(db(), ws, id, 1);
    await behindTheServersBack(db(), (kk) => kk("audit_log").where({ workspace_id: ws, seq: victim }).update({ actor: "mallory" }));
    await send(db(), ws, id, at(5), "waybill.assigned", { carrier: "SF", waybillNo: "SF9" });
    const routine = await audit.verify(ws, later);
    assert.equal(routine.ok, true, "the routine check reads only what came after the checkpoint");
    assert.equal(routine.entriesRead, (await entriesOf(db(), ws)) - written);
    const full = await audit.verifyFull(ws, later);
    assert.equal(full.ok, false);
    assert.deepEqual([full.firstBroken!.orderId, full.firstBroken!.seq], [id, victim]);
    assert.match(full.firstBroken!.reason, /edited/);
  });

  it("archives a sealed month without breaking a chain: later entries verify, the full check reports it archived and the tally counts it; restoring re-attaches it", async () => {
    const k = db().knex;
    await ensureMonthlyPartitions(k, "audit_log", new Date("2025-11-01T00:00:00Z"), new Date("2025-12-01T00:00:00Z"));
    const ws = await newWorkspace(db(), standardWorkflow);
    const id = await importOrder(db(), ws, new Date("2025-11-05T00:00:00Z"));
    await send(db(), ws, id, new Date("2025-11-06T00:00:00Z"), "payment.confirmed", { paidAt: "2025-11-06T00:00:00Z" });
    const audit = new KnexAuditStore(k);
    await assert.rejects(audit.archiveMonth("2025-11", later), /not sealed by a full check/);
    await assert.rejects(audit.archiveMonth("2026-01", later), /has not ended/);
    await assert.rejects(audit.archiveMonth("2025-13", later), /must be YYYY-MM/);
    assert.equal((await audit.verifyFull(ws, later)).ok, true);
    const written = await entriesOf(db(), ws);
    const archived = await audit.archiveMonth("2025-11", later);
    assert.deepEqual(archived.workspaces.filter((w) => w.workspaceId === ws), [{ workspaceId: ws, entries: written, heads: 1 }]);
    assert.equal((await listMonthlyPartitions(k, "audit_log")).some((p) => p.name === "audit_log_p202511"), false);
    assert.equal(await entriesOf(db(), ws), 0);
    // The detached table stays append-only.
    await assert.rejects(k("audit_log_p202511").where("workspace_id", ws).del(), /append-only/);

    // Later entries of the same chain link to the archived head.
    await send(db(), ws, id, at(5), "waybill.assigned", { carrier: "SF", waybillNo: "SF7" });
    const live = await entriesOf(db(), ws);
    const routine = await audit.verify(ws, later);
    assert.equal(routine.ok, true, routine.message);
    assert.equal(routine.entriesRead, live);
    await audit.writeDigest(ws, later);
    const full = await audit.verifyFull(ws, later);
    assert.equal(full.ok, true, full.message);
    assert.deepEqual(full.months!.find((m) => m.month === "2025-11"), { month: "2025-11", state: "archived", entries: written });
    assert.equal(full.entries, live + written);
    assert.equal(full.chains, 1);

    const restored = await audit.restoreMonth("2025-11");
    assert.equal(restored.partition, "audit_log_p202511");
    assert.equal(await entriesOf(db(), ws), live + written);
    const again = await audit.verifyFull(ws, later);
    assert.equal(again.ok, true, again.message);
    assert.equal(again.months!.find((m) => m.month === "2025-11")!.state, "sealed");
  });
});

describeEachDatabase("audit entries numbered in commit order", ({ db, backend }) => {
  it("a writer that numbers entries after another's waits for it to commit, so a routine check in between never moves past an entry still to come", async function () {
    // PGlite has a single connection: two open writers cannot exist there.
    if (backend === "pglite") this.skip();
    const { ws, orders } = await seededWorkspace(db());
    const audit = new KnexAuditStore(db().knex);
    assert.equal((await audit.verify(ws, new Date("2026-01-20T00:00:00Z"))).ok, true);
    const headOf = async (id: string) => (await db().knex("orders").where({ workspace_id: ws, id }).first("audit_head")).audit_head as string;
    const entry = (orderId: string, v: number) => ({
      orderId, orderVersion: v, at: "2026-01-16T00:00:00.000Z", actor: "li.li", source: "sheet:li.li", action: "remark", field: "remark", oldValue: null, newValue: `r${v}`,
    });
    const write = async (trx: Knex.Transaction, orderId: string) => {
      const heads = new Map([[orderId, await headOf(orderId)]]);
      await appendAudit(trx, ws, [entry(orderId, 50)], heads);
      await writeAuditHeads(trx, ws, heads);
    };

    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let firstWrote!: () => void;
    const firstHasWritten = new Promise<void>((r) => (firstWrote = r));
    const first = db().knex.transaction(async (trx) => {
      await write(trx, orders[0]); // numbered first …
      firstWrote();
      await held; // … committed last
    });
    await firstHasWritten;
    let secondDone = false;
    const second = db().knex.transaction((trx) => write(trx, orders[1])).then(() => (secondDone = true));
    try {
      await new Promise((r) => setTimeout(r, 500));
      assert.equal(secondDone, false, "the second writer waits for the first to commit");
      const between = await audit.verify(ws, new Date("2026-01-20T00:00:00Z"));
      assert.equal(between.ok, true, between.message);
    } finally {
      release();
    }
    await first;
    await second;
    const after = await audit.verify(ws, new Date("2026-01-20T00:00:00Z"));
    assert.equal(after.ok, true, after.message);
    assert.equal(after.entriesRead, 2, "both new entries were read by the next routine check");
  });
});
