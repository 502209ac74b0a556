import type { Knex } from "knex";
import { InputError } from "../domain/errors.js";
import { auditPartitions, monthLabel } from "./auditPartitions.js";
import { addMonths, monthOf, partitionName } from "./partitions.js";

/** What archiving a month did. */
export interface ArchivedMonth {
  month: string;
  partition: string;
  /** Per workspace: entries and chain heads kept. */
  workspaces: { workspaceId: string; entries: number; heads: number }[];
}

const MONTH = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** The first instant of a `YYYY-MM` month, or an `InputError` naming the field. */
export function parseMonth(month: string): Date {
  const m = MONTH.exec(month);
  if (!m) throw new InputError(`month: 须为 YYYY-MM / month: must be YYYY-MM, got ${JSON.stringify(month).slice(0, 40)}`);
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, 1));
}

/**
 * Detaches a sealed past month of the audit log (`ALTER TABLE … DETACH PARTITION`) without
 * deleting inside any chain: first, for every workspace with entries in it, the month must
 * be sealed by a full check and still hold exactly what was sealed; then each chain's last
 * entry of the month (seq, hash) is kept, so later entries' links to it still verify, and
 * the month is recorded as archived (the tally check counts its entries). The detached
 * table stays in the schema, append-only, for `pg_dump -t` and, if wanted, re-attaching.
 */
export async function archiveMonth(knex: Knex, month: string, now: Date): Promise<ArchivedMonth> {
  const first = parseMonth(month);
  if (addMonths(first, 1) > monthOf(now)) throw new InputError(`month: ${month} 尚未结束，不能归档 / month: ${month} has not ended; only past months can be archived`);
  const name = partitionName("audit_log", first);
  return knex.transaction(async (trx) => {
    const attached = (await auditPartitions(trx)).find((p) => p.name === name);
    if (!attached) throw new InputError(`month: ${month} 没有可归档的审计分区（已归档或从未创建） / month: ${month} has no audit partition to archive (archived already, or never created)`);
    const present = (await trx.raw(`select workspace_id, count(*) as n from ${name} group by workspace_id order by workspace_id`)).rows as { workspace_id: string; n: string | number }[];
    const sealed = new Map(
      (await trx("audit_months").where({ month, state: "sealed" }).select("workspace_id", "entries")).map((r) => [r.workspace_id as string, Number(r.entries)]),
    );
    const unsealed = present.filter((p) => sealed.get(p.workspace_id) !== Number(p.n)).map((p) => p.workspace_id);
    if (unsealed.length) {
      throw new InputError(
        `month: ${month} 尚未被全量核对封存（工作区 ${unsealed.slice(0, 5).join("、")}），请先运行全量核对 / month: ${month} is not sealed by a full check for workspace(s) ${unsealed.slice(0, 5).join(", ")}: run a full check first`,
      );
    }
    await trx.raw(
      `insert into audit_archived_heads (workspace_id, month, order_id, seq, hash, chain_start)
       select distinct on (workspace_id, order_id) workspace_id, ?, order_id, seq, hash,
              bool_or(prev_hash is null) over (partition by workspace_id, order_id)
         from ${name} order by workspace_id, order_id, seq desc
       on conflict do nothing`,
      [month],
    );
    const heads = new Map(
      ((await trx("audit_archived_heads").where("month", month).groupBy("workspace_id").select("workspace_id").count({ n: "*" })) as { workspace_id: string; n: string | number }[]).map((r) => [
        r.workspace_id,
        Number(r.n),
      ]),
    );
    await trx("audit_months").where({ month, state: "sealed" }).update({ state: "archived", archived_at: now.toISOString(), partition: name });
    await trx.raw(`ALTER TABLE audit_log DETACH PARTITION ${name}`);
    // Detached, it no longer inherits the parent's row triggers: keep it append-only.
    await trx.raw(`CREATE TRIGGER audit_archive_no_update_delete BEFORE UPDATE OR DELETE ON ${name} FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
    return { month, partition: name, workspaces: present.map((p) => ({ workspaceId: p.workspace_id, entries: Number(p.n), heads: heads.get(p.workspace_id) ?? 0 })) };
  });
}

/**
 * Re-attaches an archived month's table (restored from a dump under its original name, or
 * never dropped) and counts its entries as live again; its kept chain heads are no longer
 * consulted.
 */
export async function restoreMonth(knex: Knex, month: string): Promise<{ month: string; partition: string }> {
  const first = parseMonth(month);
  const name = partitionName("audit_log", first);
  return knex.transaction(async (trx) => {
    const exists = await trx.raw(`select c.relispartition from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relname = ?`, [name]);
    if (!exists.rows.length) throw new InputError(`month: 找不到表 ${name}，请先从备份恢复它 / month: table ${name} is not there: restore it from its dump first`);
    if (exists.rows[0].relispartition) throw new InputError(`month: ${month} 已在审计日志中 / month: ${month} is attached already`);
    await trx.raw(`DROP TRIGGER IF EXISTS audit_archive_no_update_delete ON ${name}`);
    await trx.raw(`ALTER TABLE audit_log ATTACH PARTITION ${name} FOR VALUES FROM ('${first.toISOString()}') TO ('${addMonths(first, 1).toISOString()}')`);
    await trx("audit_months").where({ month, state: "archived" }).update({ state: "sealed" });
    return { month: monthLabel(first), partition: name };
  });
}
