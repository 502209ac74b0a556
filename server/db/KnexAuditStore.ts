import type { Knex } from "knex";
import { NotFoundError } from "../domain/errors.js";
import type { AuditEntry, AuditStore, FullCheckRun, Verification } from "../domain/audit/ports.js";
import { archiveMonth, restoreMonth, type ArchivedMonth } from "./auditArchive.js";
import { writeDigest, type WrittenDigest } from "./auditDigests.js";
import { AuditFullCheck } from "./auditFullCheck.js";
import { routineCheck } from "./auditRoutineCheck.js";
import type { RowScope } from "../domain/access/principal.js";
import { isScoped, whereInScope, withScope } from "./access/rowScope.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { AuditEntry, Verification } from "../domain/audit/ports.js";

/** Options of the audit store. */
export interface AuditStoreOptions {
  /** Entries per page of a full check (progress is saved after each page). */
  fullCheckPageSize?: number;
  /** Told when a background full check stops on an error (it resumes later). */
  onError?: (err: unknown, ctx: { workspaceId: string; runId: string }) => void;
}

function toEntry(r: Record<string, any>): AuditEntry {
  return {
    seq: String(r.seq),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    source: r.source,
    action: r.action,
    field: r.field,
    oldValue: r.old_value ?? null,
    newValue: r.new_value ?? null,
    orderVersion: Number(r.order_version),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Reads, verifies, digests and archives the hash-chained audit trail. */
export class KnexAuditStore implements AuditStore {
  private readonly full: AuditFullCheck;

  constructor(
    private readonly knex: Knex,
    opts: AuditStoreOptions = {},
  ) {
    this.full = new AuditFullCheck(knex, { pageSize: opts.fullCheckPageSize, onError: opts.onError });
  }

  /**
   * An order's audit entries, oldest first. With a row `scope`, the order must exist and lie
   * inside it (a scoped caller cannot tell an order outside it from a missing one); the read
   * runs under row-level security as well.
   */
  async history(workspaceId: string, orderId: string, scope?: RowScope): Promise<AuditEntry[]> {
    return withScope(this.knex, scope, async (db) => {
      const exists = await whereInScope(db("orders").where({ workspace_id: workspaceId, id: orderId }), scope).first("id");
      if (!exists && isScoped(scope)) throw new NotFoundError(`order ${orderId} does not exist`);
      const rows = await db("audit_log")
        .where({ workspace_id: workspaceId, order_id: orderId })
        .orderBy("seq")
        .select("seq", "at", "actor", "source", "action", "field", "old_value", "new_value", "order_version", "prev_hash", "hash");
      if (!exists && rows.length === 0) throw new NotFoundError(`order ${orderId} does not exist`);
      return rows.map(toEntry);
    });
  }

  /**
   * Records the workspace's next digest: the heads of the chains changed since the previous
   * digest (a range read on (workspace_id, seq)), chained to that digest. Null when nothing
   * was written since.
   */
  async writeDigest(workspaceId: string, now: Date): Promise<WrittenDigest | null> {
    return writeDigest(this.knex, workspaceId, now);
  }

  /** The routine check: what came after the checkpoint only; moves the checkpoint when all holds. */
  async verify(workspaceId: string, now: Date = new Date()): Promise<Verification> {
    return routineCheck(this.knex, workspaceId, now);
  }

  /** Starts (or joins) the workspace's full check and continues it in the background. */
  async startFullCheck(workspaceId: string, now: Date): Promise<FullCheckRun> {
    const run = await this.full.start(workspaceId, now);
    if (run.status === "running") this.full.continueInBackground(workspaceId, run.id);
    return run;
  }

  /** A full check's progress or outcome. */
  async fullCheck(workspaceId: string, runId: string): Promise<FullCheckRun> {
    return this.full.get(workspaceId, runId);
  }

  /** Runs a full check to its end in this call (the CLI's `--full`, tests). */
  async verifyFull(workspaceId: string, now: Date = new Date()): Promise<Verification> {
    const run = await this.full.start(workspaceId, now);
    const done = await this.full.runToEnd(workspaceId, run.id);
    return done.result!;
  }

  /** Continues full checks a stopped or crashed server left running (start-up, the scheduler). */
  async resumeFullChecks(staleSeconds = 60): Promise<{ workspaceId: string; runId: string }[]> {
    return this.full.resumeStale(staleSeconds);
  }

  /** Detaches a sealed past month of the audit log, keeping its chain heads. */
  async archiveMonth(month: string, now: Date): Promise<ArchivedMonth> {
    return archiveMonth(this.knex, month, now);
  }

  /** Re-attaches an archived month restored from its dump. */
  async restoreMonth(month: string): Promise<{ month: string; partition: string }> {
    return restoreMonth(this.knex, month);
  }
}
