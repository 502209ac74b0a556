import type { Knex } from "knex";
import { Findings, reasons, verificationMessage, type Finding } from "../domain/audit/findings.js";
import type { FullCheckRun, MonthState, Verification } from "../domain/audit/ports.js";
import { NotFoundError } from "../domain/errors.js";
import { checkDigests, type DigestRow } from "./auditDigests.js";
import { ENTRY_COLUMNS, checkEntry, checkOrderHeads, hasArchive, lastEntries, ordersWithoutChain, predecessors, readTally, type EntryRow, type Link as EntryLink } from "./auditEntryCheck.js";
import { auditPartitions } from "./auditPartitions.js";
import { advanceCheckpoint } from "./auditRoutineCheck.js";
import { addMonths, monthOf } from "./partitions.js";

/** One partition's place in a run: what was read of it so far. */
interface RunMonth {
  name: string;
  month: string | null;
  entries: number;
  starts: number;
  firstSeq: string | null;
  lastSeq: string | null;
  missing?: boolean;
}

type RunRow = Record<string, any>;

const IDENT = /^[a-z_][a-z0-9_]*$/;

/**
 * The full check, in the background: every entry month partition by month partition (a
 * page at a time, progress persisted after each so a run resumes where it stopped after a
 * crash or restart), then every order's recorded head, every digest over its own range, and
 * the tally against all entries present and archived. A run that finds everything whole
 * seals the past months it read (routine checks never read them again; a later full check
 * still does) and moves the checkpoint.
 */
export class AuditFullCheck {
  private readonly active = new Set<string>();

  constructor(
    private readonly knex: Knex,
    private readonly opts: { pageSize?: number; onError?: (err: unknown, ctx: { workspaceId: string; runId: string }) => void } = {},
  ) {}

  private get page(): number {
    return this.opts.pageSize ?? 5000;
  }

  /** Starts a run (or returns the one already running for the workspace). */
  async start(workspaceId: string, now: Date): Promise<FullCheckRun> {
    const row = await this.knex.transaction(async (trx) => {
      await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`audit-full-check:${workspaceId}`]);
      const running = await trx("audit_check_runs").where({ workspace_id: workspaceId, status: "running" }).orderBy("id", "desc").first();
      if (running) return running as RunRow;
      const top = await trx("audit_log").where("workspace_id", workspaceId).max({ seq: "seq" }).first();
      const uptoSeq = top?.seq === null || top?.seq === undefined ? "0" : String(top.seq);
      const total = Number((await trx("audit_log").where("workspace_id", workspaceId).andWhere("seq", "<=", uptoSeq).count({ n: "*" }).first())?.n ?? 0);
      const months: RunMonth[] = (await auditPartitions(trx)).map((p) => ({ name: p.name, month: p.month, entries: 0, starts: 0, firstSeq: null, lastSeq: null }));
      const [inserted] = await trx("audit_check_runs")
        .insert({ workspace_id: workspaceId, status: "running", phase: "entries", upto_seq: uptoSeq, total, months: JSON.stringify(months), started_at: now.toISOString() })
        .returning("*");
      return inserted as RunRow;
    });
    return this.view(row);
  }

  /** A run's progress or outcome. */
  async get(workspaceId: string, runId: string): Promise<FullCheckRun> {
    if (!/^\d{1,18}$/.test(runId)) throw new NotFoundError(`audit check run ${runId} does not exist`);
    const row = await this.knex("audit_check_runs").where({ workspace_id: workspaceId, id: runId }).first();
    if (!row) throw new NotFoundError(`audit check run ${runId} does not exist`);
    return this.view(row);
  }

  /** Continues a run for up to `pages` pages; true once it has finished. */
  async step(workspaceId: string, runId: string, pages = 1): Promise<boolean> {
    for (let i = 0; i < pages; i++) {
      const run = await this.knex("audit_check_runs").where({ workspace_id: workspaceId, id: runId }).first();
      if (!run || run.status !== "running") return true;
      await this.advance(run);
    }
    const after = await this.knex("audit_check_runs").where({ workspace_id: workspaceId, id: runId }).first("status");
    return !after || after.status !== "running";
  }

  /** Runs a run to its end in this call. */
  async runToEnd(workspaceId: string, runId: string): Promise<FullCheckRun> {
    while (!(await this.step(workspaceId, runId, 10)));
    return this.get(workspaceId, runId);
  }

  /** Continues a run in the background of this process (once per run at a time). */
  continueInBackground(workspaceId: string, runId: string): void {
    const key = `${workspaceId}:${runId}`;
    if (this.active.has(key)) return;
    this.active.add(key);
    this.runToEnd(workspaceId, runId)
      .catch((err) => this.opts.onError?.(err, { workspaceId, runId }))
      .finally(() => this.active.delete(key));
  }

  /**
   * Picks up runs left running whose last progress is older than `staleSeconds` (a crashed
   * or stopped server's), claims them and continues them in the background; returns them.
   */
  async resumeStale(staleSeconds = 60): Promise<{ workspaceId: string; runId: string }[]> {
    const claimed = await this.knex.raw(
      `update audit_check_runs set heartbeat_at = now()
        where status = 'running' and heartbeat_at <= now() - make_interval(secs => ?)
        returning workspace_id, id`,
      [staleSeconds],
    );
    const out = (claimed.rows as { workspace_id: string; id: string | number }[]).map((r) => ({ workspaceId: r.workspace_id, runId: String(r.id) }));
    for (const r of out) this.continueInBackground(r.workspaceId, r.runId);
    return out;
  }

  private async advance(run: RunRow): Promise<void> {
    switch (run.phase) {
      case "entries":
        return this.entriesPage(run);
      case "heads":
        return this.headsPage(run);
      default:
        return this.finish(run);
    }
  }

  private async save(run: RunRow, patch: Record<string, unknown>, finding: Finding | null): Promise<void> {
    const findings = new Findings();
    findings.merge(run.first_broken ?? null);
    findings.merge(finding);
    await this.knex("audit_check_runs")
      .where({ workspace_id: run.workspace_id, id: run.id })
      .update({ ...patch, first_broken: findings.earliest ? JSON.stringify(findings.earliest) : null, heartbeat_at: this.knex.fn.now() });
  }

  /** Reads the next page of entries; months holding nothing of the workspace are passed over in the same step. */
  private async entriesPage(run: RunRow): Promise<void> {
    const ws = run.workspace_id as string;
    const months = run.months as RunMonth[];
    let index = Number(run.month_index);
    let cursor: { order: string; seq: string } | null = run.cursor_order === null ? null : { order: run.cursor_order, seq: String(run.cursor_seq) };
    for (;;) {
      if (index >= months.length) return this.save(run, { phase: "heads", months: JSON.stringify(months), month_index: index, cursor_order: null, cursor_seq: null }, null);
      const m = months[index];
      const attached = await this.knex.raw(
        `select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relname = ? and (c.relispartition or c.relname = 'audit_log')`,
        [m.name],
      );
      if (!attached.rows.length || !IDENT.test(m.name)) {
        // Detached (archived) since the run started: its chain heads stand in for it.
        m.missing = true;
        index++;
        cursor = null;
        continue;
      }
      const findings = new Findings();
      const q = this.knex(m.name).where("workspace_id", ws).andWhere("seq", "<=", run.upto_seq);
      if (cursor) q.andWhereRaw("(order_id, seq) > (?, ?::bigint)", [cursor.order, cursor.seq]);
      const rows = (await q.orderBy([{ column: "order_id" }, { column: "seq" }]).limit(this.page).select(...ENTRY_COLUMNS)) as EntryRow[];
      if (rows.length === 0) {
        index++;
        cursor = null;
        continue;
      }
      const firsts = rows.filter((r, i) => i === 0 || rows[i - 1].order_id !== r.order_id).map((r) => ({ orderId: r.order_id as string, seq: String(r.seq) }));
      const archive = await hasArchive(this.knex, ws);
      const preds = await predecessors(this.knex, ws, firsts, archive);
      // The entry before one in this partition is its predecessor only if no entry of the
      // chain lies between them in another month: entries are numbered in commit order, but
      // partitioned by `at`, the writer's clock, so an entry written after one in the next
      // month by a server whose clock was behind lands back in this month. Where the link to
      // the in-partition entry does not hold, the chain's true predecessor is looked up
      // before the link is called broken (rare, so one probe per such entry costs nothing).
      const inPartition = (i: number) => (i > 0 && rows[i - 1].order_id === rows[i].order_id ? { seq: String(rows[i - 1].seq), hash: rows[i - 1].hash } : null);
      const probed = new Map<number, EntryLink | null>();
      let pending = rows.map((_, i) => i).filter((i) => {
        const p = inPartition(i);
        return p !== null && (rows[i].prev_hash ?? null) !== p.hash;
      });
      while (pending.length) {
        // One probe per chain at a time (the answer is keyed by order).
        const seen = new Set<string>();
        const batch = pending.filter((i) => !seen.has(rows[i].order_id) && seen.add(rows[i].order_id));
        pending = pending.filter((i) => !batch.includes(i));
        const found = await predecessors(this.knex, ws, batch.map((i) => ({ orderId: rows[i].order_id as string, seq: String(rows[i].seq) })), archive);
        for (const i of batch) probed.set(i, found.get(rows[i].order_id) ?? null);
      }
      let chains = 0;
      rows.forEach((r, i) => {
        const prev = probed.has(i) ? probed.get(i)! : inPartition(i) ?? preds.get(r.order_id) ?? null;
        checkEntry(ws, r, prev, findings);
        if (r.prev_hash === null || r.prev_hash === undefined) chains++;
        const seq = BigInt(r.seq);
        if (m.firstSeq === null || seq < BigInt(m.firstSeq)) m.firstSeq = String(r.seq);
        if (m.lastSeq === null || seq > BigInt(m.lastSeq)) m.lastSeq = String(r.seq);
      });
      m.entries += rows.length;
      m.starts += chains;
      const last = rows[rows.length - 1];
      const done = rows.length < this.page;
      return this.save(
        run,
        {
          months: JSON.stringify(months),
          done: Number(run.done) + rows.length,
          pages: Number(run.pages) + 1,
          chains: Number(run.chains) + chains,
          month_index: done ? index + 1 : index,
          cursor_order: done ? null : last.order_id,
          cursor_seq: done ? null : String(last.seq),
        },
        findings.earliest,
      );
    }
  }

  private async headsPage(run: RunRow): Promise<void> {
    const ws = run.workspace_id as string;
    const findings = new Findings();
    const ids = await this.knex.transaction(async (trx) => {
      await trx.raw("set transaction isolation level repeatable read");
      const rows = await trx("orders").where("workspace_id", ws).andWhere("id", ">", run.cursor_order ?? "").orderBy("id").limit(this.page).select("id");
      const list = rows.map((r) => r.id as string);
      const last = await lastEntries(trx, ws, list, null, await hasArchive(trx, ws));
      await checkOrderHeads(trx, ws, list, (id) => last.get(id), findings);
      return list;
    });
    const done = ids.length < this.page;
    await this.save(run, { phase: done ? "digests" : "heads", cursor_order: done ? null : ids[ids.length - 1], pages: Number(run.pages) + 1 }, findings.earliest);
  }

  /** Digests and the tally (bounded work), then the outcome: sealed months and the checkpoint when all holds. */
  private async finish(run: RunRow): Promise<void> {
    const ws = run.workspace_id as string;
    const findings = new Findings();
    findings.merge(run.first_broken ?? null);
    const outcome = await this.knex.transaction(async (trx) => {
      await trx.raw("set transaction isolation level repeatable read");
      const digests = (await trx("audit_digests").where("workspace_id", ws).orderBy("id")) as DigestRow[];
      await checkDigests(trx, ws, null, digests, findings);
      const counts = (
        await trx.raw(
          `select (select count(*) from audit_log where workspace_id = ?) as entries,
                  (select count(*) from audit_log where workspace_id = ? and seq <= ?) as entries_upto,
                  (select count(*) from audit_log where workspace_id = ? and seq <= ? and prev_hash is null) as starts_upto,
                  (select count(*) from (select order_id from audit_log where workspace_id = ? union select order_id from audit_archived_heads h
                     join audit_months m on m.workspace_id = h.workspace_id and m.month = h.month and m.state = 'archived' where h.workspace_id = ?) x) as chains,
                  (select coalesce(sum(entries), 0) from audit_months where workspace_id = ? and state = 'archived') as archived_entries,
                  (select coalesce(sum(chains), 0) from audit_months where workspace_id = ? and state = 'archived') as archived_starts`,
          [ws, ws, run.upto_seq, ws, run.upto_seq, ws, ws, ws, ws],
        )
      ).rows[0] as Record<string, string | number>;
      const archivedEntries = Number(counts.archived_entries);
      const entries = Number(counts.entries) + archivedEntries;
      const chains = Number(counts.chains);
      const tally = await readTally(trx, ws);
      const digestChains = Math.max(0, ...digests.map((d) => Number(d.total_chains ?? d.chains)));
      if (tally.chains < digestChains) findings.note(null, null, reasons.tallyLowered(tally.chains, digestChains));
      else if (entries > tally.entries || chains > tally.chains) findings.note(null, null, reasons.inserted(entries, chains, tally.entries, tally.chains));
      else if (entries < tally.entries || chains < tally.chains) {
        const ids = await ordersWithoutChain(trx, ws);
        findings.note(ids.length === 1 ? ids[0] : null, null, reasons.removed(tally.chains - chains, tally.entries - entries, tally.entries, tally.chains, entries, chains, ids));
      }
      const archived = await trx("audit_months").where({ workspace_id: ws, state: "archived" }).orderBy("month").select("month", "entries");
      const sealedBefore = new Set((await trx("audit_months").where({ workspace_id: ws, state: "sealed" }).select("month")).map((r) => r.month as string));
      return {
        chains,
        entries,
        digests,
        archived,
        sealedBefore,
        checkpoint: { entries: Number(counts.entries_upto) + archivedEntries, chains: Number(counts.starts_upto) + Number(counts.archived_starts) },
      };
    });
    const firstBroken = findings.earliest;
    const ok = firstBroken === null;
    const startedAt = new Date(run.started_at);
    const thisMonth = monthOf(startedAt);
    const months = run.months as RunMonth[];
    const sealable = months.filter((m) => m.month && !m.missing && m.entries > 0 && addMonths(new Date(`${m.month}-01T00:00:00Z`), 1) <= thisMonth);
    const states: MonthState[] = [
      ...outcome.archived.map((a) => ({ month: a.month as string, state: "archived" as const, entries: Number(a.entries) })),
      ...months
        .filter((m) => !m.missing && m.entries > 0)
        .map((m) => ({ month: m.month, state: (ok && sealable.includes(m)) || (m.month && outcome.sealedBefore.has(m.month)) ? ("sealed" as const) : ("verified" as const), entries: m.entries })),
    ].sort((a, b) => (a.month ?? "9999").localeCompare(b.month ?? "9999"));
    const result: Verification = {
      ok,
      chains: outcome.chains,
      entries: outcome.entries,
      digestsChecked: outcome.digests.length,
      firstBroken,
      message: verificationMessage({ firstBroken, chains: outcome.chains, entries: outcome.entries, digestsChecked: outcome.digests.length, mode: "full", entriesRead: Number(run.done) }),
      mode: "full",
      entriesRead: Number(run.done),
      fromSeq: "0",
      uptoSeq: String(run.upto_seq),
      months: states,
    };
    await this.knex.transaction(async (trx) => {
      if (ok) {
        for (const m of sealable) {
          await trx.raw(
            `insert into audit_months as a (workspace_id, month, state, entries, chains, first_seq, last_seq, sealed_by_run, sealed_at, partition)
             values (?, ?, 'sealed', ?, ?, ?, ?, ?, ?, ?)
             on conflict (workspace_id, month) do update set entries = excluded.entries, chains = excluded.chains, first_seq = excluded.first_seq,
               last_seq = excluded.last_seq, sealed_by_run = excluded.sealed_by_run, sealed_at = excluded.sealed_at
             where a.state = 'sealed'`,
            [ws, m.month, m.entries, m.starts, m.firstSeq, m.lastSeq, run.id, startedAt.toISOString(), m.name],
          );
        }
        const lastDigest = outcome.digests.length ? outcome.digests[outcome.digests.length - 1] : null;
        await advanceCheckpoint(
          trx,
          ws,
          { uptoSeq: String(run.upto_seq), entries: outcome.checkpoint.entries, chains: outcome.checkpoint.chains, digestId: lastDigest ? String(lastDigest.id) : null, digest: lastDigest?.digest ?? null },
          { fromSeq: "0", entriesRead: Number(run.done), digestsChecked: outcome.digests.length, mode: "full", at: startedAt },
        );
      }
      await trx("audit_check_runs")
        .where({ workspace_id: ws, id: run.id })
        .update({ status: "done", phase: "done", result: JSON.stringify(result), first_broken: firstBroken ? JSON.stringify(firstBroken) : null, finished_at: trx.fn.now(), heartbeat_at: trx.fn.now() });
    });
  }

  private view(row: RunRow): FullCheckRun {
    const months = row.months as RunMonth[];
    const current = row.phase === "entries" ? months[Number(row.month_index)] : undefined;
    return {
      id: String(row.id),
      status: row.status,
      phase: row.phase,
      entriesDone: Number(row.done),
      entriesTotal: Number(row.total),
      currentMonth: current ? current.month ?? "default" : null,
      startedAt: new Date(row.started_at).toISOString(),
      finishedAt: row.finished_at ? new Date(row.finished_at).toISOString() : null,
      result: row.result ?? null,
    };
  }
}
