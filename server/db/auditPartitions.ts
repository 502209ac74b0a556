import type { Knex } from "knex";
import { addMonths, defaultPartitionName, ensureMonthlyPartitions, isPartitioned, listMonthlyPartitions, monthOf, type EnsureResult } from "./partitions.js";

type Db = Knex | Knex.Transaction;

/** Month partitions of `audit_log` kept ready after the current month. */
export const AUDIT_MONTHS_AHEAD = 3;

/**
 * Creates the audit log's missing month partitions from `now`'s month through
 * {@link AUDIT_MONTHS_AHEAD} months ahead, and puts the TRUNCATE guard on each partition
 * (a statement trigger on the parent does not reach a partition truncated by name).
 * Idempotent; run at start-up and by the hourly digest job.
 */
export async function ensureAuditPartitions(db: Db, now: Date): Promise<EnsureResult> {
  if (!(await isPartitioned(db, "audit_log"))) return { created: [], skipped: [] };
  const made = await ensureMonthlyPartitions(db, "audit_log", monthOf(now), addMonths(monthOf(now), AUDIT_MONTHS_AHEAD));
  for (const name of made.created) await guardPartition(db, name);
  return made;
}

/** Puts the TRUNCATE guard on an audit partition that lacks it. */
export async function guardPartition(db: Db, name: string): Promise<void> {
  const has = await db.raw(
    `select 1 from pg_trigger t join pg_class c on c.oid = t.tgrelid join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relname = ? and t.tgname = 'audit_log_no_truncate'`,
    [name],
  );
  if (has.rows.length) return;
  await db.raw(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON ${name} FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
}

/** One place audit entries may be read from: a month partition or the default one. */
export interface AuditPartition {
  name: string;
  /** `YYYY-MM`, or null for the default partition. */
  month: string | null;
  from: Date | null;
  to: Date | null;
}

/** `2026-01` for January 2026. */
export function monthLabel(d: Date): string {
  const m = monthOf(d);
  return `${m.getUTCFullYear()}-${String(m.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** The attached partitions of the audit log, oldest month first, the default one last. */
export async function auditPartitions(db: Db): Promise<AuditPartition[]> {
  if (!(await isPartitioned(db, "audit_log"))) return [{ name: "audit_log", month: null, from: null, to: null }];
  const months = (await listMonthlyPartitions(db, "audit_log")).map((p) => ({ name: p.name, month: monthLabel(p.from), from: p.from, to: p.to }));
  const def = defaultPartitionName("audit_log");
  const exists = await db.raw(`select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relname = ?`, [def]);
  return exists.rows.length ? [...months, { name: def, month: null, from: null, to: null }] : months;
}
