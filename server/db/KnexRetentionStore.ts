import type { Knex } from "knex";
import { WorkflowDefinition } from "../contracts/workflow.js";
import type { PartitionDrop, PartitionedTable, PartitionReport, PrunedTable, RetentionStore } from "../domain/retention/ports.js";
import { terminalStatuses, type PartitionSpan } from "../domain/retention/retentionPolicy.js";
import { addMonths, ensureMonthlyPartitions, listMonthlyPartitions, monthOf, rowsInDefault } from "./partitions.js";

/** The tables retention keeps in month partitions. */
export const PARTITIONED_TABLES: readonly PartitionedTable[] = ["changes", "events_inbox"];

/**
 * Retention in the database. Partitioned history (the change feed, the events inbox) goes
 * only by dropping whole month partitions, one transaction each:
 * - a feed partition's newest position per workspace is recorded in `feed_horizons` in the
 *   same transaction, so a client whose cursor is older is told to reload instead of
 *   silently missing what was dropped (`KnexChangeFeed`);
 * - an inbox partition still holding events of a paused channel (`held`, waiting to be
 *   applied when the channel resumes) is kept until they are.
 * The small tables that are not partitioned lose old rows in bounded batches, and only rows
 * that can no longer matter: resolved conflicts, finished tasks, and timer firings of orders
 * in a terminal status (such an order never moves again, so the timer cannot come due again).
 */
export class KnexRetentionStore implements RetentionStore {
  constructor(private readonly knex: Knex) {}

  /** Creates this month's partitions and `monthsAhead` more on every partitioned table. */
  async ensurePartitions(now: Date, monthsAhead: number): Promise<{ created: string[]; skipped: string[] }> {
    const out = { created: [] as string[], skipped: [] as string[] };
    for (const table of PARTITIONED_TABLES) {
      const r = await ensureMonthlyPartitions(this.knex, table, monthOf(now), addMonths(monthOf(now), monthsAhead));
      out.created.push(...r.created);
      out.skipped.push(...r.skipped);
    }
    return out;
  }

  /** Drops the month partitions of `table` that `pick` chooses, each in its own transaction. */
  async dropPartitions(table: PartitionedTable, pick: (months: PartitionSpan[]) => PartitionSpan[]): Promise<PartitionDrop> {
    const result: PartitionDrop = { table, dropped: [], kept: [] };
    const chosen = new Set(pick(await listMonthlyPartitions(this.knex, table)).map((p) => p.name));
    for (const name of chosen) {
      const outcome = await this.knex.transaction(async (trx) => {
        // The partition may have gone meanwhile (another instance's run).
        if (!(await listMonthlyPartitions(trx, table)).some((p) => p.name === name)) return "gone" as const;
        if (table === "events_inbox") {
          const held = await trx.raw(`select 1 from ${name} where outcome = 'held' limit 1`);
          if (held.rows.length) return "held" as const;
        } else {
          await trx.raw(
            `insert into feed_horizons (workspace_id, dropped_upto_seq, dropped_at)
             select workspace_id, max(seq), now() from ${name} group by workspace_id
             on conflict (workspace_id) do update
               set dropped_upto_seq = greatest(feed_horizons.dropped_upto_seq, excluded.dropped_upto_seq), dropped_at = excluded.dropped_at`,
          );
        }
        await trx.raw(`drop table ${name}`);
        return "dropped" as const;
      });
      if (outcome === "dropped") result.dropped.push(name);
      else if (outcome === "held") result.kept.push({ name, reason: "holds events of a paused channel" });
    }
    return result;
  }

  /** Deletes up to `batchRows` rows of `table` from before `before` that may go; answers how many. */
  async pruneBatch(table: PrunedTable, before: Date, batchRows: number): Promise<number> {
    const at = before.toISOString();
    switch (table) {
      case "rejected_inputs":
        return this.deleteBatch(table, `select id from rejected_inputs where at < ?::timestamptz order by at limit ?`, [at, batchRows], "id");
      case "conflicts":
        return this.deleteBatch(
          table,
          `select workspace_id, id from conflicts where resolved_at < ?::timestamptz order by resolved_at limit ?`,
          [at, batchRows],
          "workspace_id, id",
        );
      case "tasks":
        return this.deleteBatch(table, `select workspace_id, id from tasks where done_at < ?::timestamptz order by done_at limit ?`, [at, batchRows], "workspace_id, id");
      case "timer_firings": {
        const terminal = await this.terminalStates();
        if (terminal.workspaces.length === 0) return 0;
        return this.deleteBatch(
          table,
          `select f.workspace_id, f.order_id, f.key from timer_firings f
             join orders o on o.workspace_id = f.workspace_id and o.id = f.order_id
             join unnest(?::text[], ?::int[], ?::text[]) as t(workspace_id, version, status)
               on t.workspace_id = o.workspace_id and t.version = o.workflow_version and t.status = o.status
            where f.fired_at < ?::timestamptz
            limit ?`,
          [terminal.workspaces, terminal.versions, terminal.statuses, at, batchRows],
          "workspace_id, order_id, key",
        );
      }
    }
  }

  /** Deletes the rows whose `key` columns the `select` lists. */
  private async deleteBatch(table: string, select: string, bindings: unknown[], key: string): Promise<number> {
    const r = await this.knex.raw(`delete from ${table} where (${key}) in (${select})`, bindings as Knex.RawBinding[]);
    return Number(r.rowCount ?? 0);
  }

  /** Every (workspace, workflow version, status) in which an order's life has ended. */
  private async terminalStates(): Promise<{ workspaces: string[]; versions: number[]; statuses: string[] }> {
    const out = { workspaces: [] as string[], versions: [] as number[], statuses: [] as string[] };
    const rows = await this.knex("workflow_versions").select("workspace_id", "version", "definition");
    for (const r of rows) {
      const parsed = WorkflowDefinition.safeParse(typeof r.definition === "string" ? JSON.parse(r.definition) : r.definition);
      if (!parsed.success) continue; // a definition that does not parse keeps its firings
      for (const status of terminalStatuses(parsed.data)) {
        out.workspaces.push(r.workspace_id);
        out.versions.push(Number(r.version));
        out.statuses.push(status);
      }
    }
    return out;
  }

  /** The oldest month kept and the rows waiting in the default partition, per partitioned table. */
  async report(): Promise<PartitionReport[]> {
    const out: PartitionReport[] = [];
    for (const table of PARTITIONED_TABLES) {
      const months = await listMonthlyPartitions(this.knex, table);
      out.push({ table, oldestMonth: months[0]?.from ?? null, rowsInDefault: await rowsInDefault(this.knex, table) });
    }
    return out;
  }
}
