import type { Logger } from "pino";
import type { PartitionedTable, PrunedTable, RetentionStore } from "../domain/retention/ports.js";
import { partitionsToDrop, retentionCutoff, type RetentionSettings } from "../domain/retention/retentionPolicy.js";
import type { SlotClaims } from "./jobPorts.js";

/** The slot key of work that is not one workspace's (partitions hold every workspace's rows). */
export const ALL_WORKSPACES = "*";

/** Told what a run removed (for metrics). */
export interface RetentionObserver {
  partitionsDropped(table: PartitionedTable, n: number): void;
  rowsDeleted(table: PrunedTable, n: number): void;
}

/** What one retention run did. */
export interface RetentionRunSummary {
  /** Another instance claimed this slot. */
  skipped: boolean;
  partitionsCreated: string[];
  /** Months whose rows already sat in the default partition, so no partition could be made. */
  partitionsSkipped: string[];
  partitionsDropped: string[];
  /** Partitions old enough to go but kept, with why. */
  partitionsKept: { name: string; reason: string }[];
  rowsDeleted: Partial<Record<PrunedTable, number>>;
  errors: number;
}

/** How the retention job is put together. */
export interface RetentionJobOptions {
  store: RetentionStore;
  settings: RetentionSettings;
  logger: Logger;
  slots?: SlotClaims;
  observer?: RetentionObserver;
  /** More partition maintenance to run with this job's (e.g. the audit log's months). */
  alsoEnsure?: (now: Date, monthsAhead: number) => Promise<unknown>;
  /** Batches one table's row retention runs at most per run, so a run ends; the rest goes next time. */
  maxBatches?: number;
}

const PRUNED: [PrunedTable, keyof RetentionSettings][] = [
  ["rejected_inputs", "rejectedInputDays"],
  ["timer_firings", "timerFiringDays"],
  ["conflicts", "conflictDays"],
  ["tasks", "taskDays"],
];

const PARTITIONED: [PartitionedTable, keyof RetentionSettings][] = [
  ["changes", "feedDays"],
  ["events_inbox", "inboxDays"],
];

/**
 * Keeps history for as long as configured and no longer: creates the month partitions
 * ahead, drops whole partitions of the change feed and the inbox older than their
 * retention (never deleting rows inside them), and deletes old rows of the small tables
 * that retention may remove, in batches. One instance runs each slot (claimed under
 * `ALL_WORKSPACES`). Each step's failure is logged and counted; the others still run.
 */
export class RetentionJob {
  constructor(private readonly opts: RetentionJobOptions) {}

  /** Partition maintenance alone: run at start-up, so this month and the next ones exist before the first write. */
  async maintainPartitions(now: Date): Promise<{ created: string[]; skipped: string[] }> {
    const r = await this.opts.store.ensurePartitions(now, this.opts.settings.monthsAhead);
    if (this.opts.alsoEnsure) await this.opts.alsoEnsure(now, this.opts.settings.monthsAhead);
    return r;
  }

  /** One run at `now`; `slot` names the schedule slot for claims (default: `now`). */
  async run(now: Date, slot: Date = now): Promise<RetentionRunSummary> {
    const sum: RetentionRunSummary = { skipped: false, partitionsCreated: [], partitionsSkipped: [], partitionsDropped: [], partitionsKept: [], rowsDeleted: {}, errors: 0 };
    if (this.opts.slots && !(await this.opts.slots.claim(ALL_WORKSPACES, "retention", slot))) {
      sum.skipped = true;
      return sum;
    }
    const s = this.opts.settings;
    await this.step("partitions ahead", async () => {
      const r = await this.maintainPartitions(now);
      sum.partitionsCreated.push(...r.created);
      sum.partitionsSkipped.push(...r.skipped);
    }, sum);
    for (const [table, setting] of PARTITIONED) {
      await this.step(`drop ${table} partitions`, async () => {
        const r = await this.opts.store.dropPartitions(table, (months) => partitionsToDrop(months, now, s[setting]));
        sum.partitionsDropped.push(...r.dropped);
        sum.partitionsKept.push(...r.kept);
        if (r.dropped.length) this.opts.observer?.partitionsDropped(table, r.dropped.length);
        for (const k of r.kept) this.opts.logger.warn({ job: "retention", partition: k.name, reason: k.reason }, "partition past retention kept");
      }, sum);
    }
    for (const [table, setting] of PRUNED) {
      const before = retentionCutoff(now, s[setting]);
      if (!before) continue;
      await this.step(`prune ${table}`, async () => {
        let total = 0;
        for (let i = 0; i < (this.opts.maxBatches ?? 100); i++) {
          const n = await this.opts.store.pruneBatch(table, before, s.batchRows);
          total += n;
          if (n) this.opts.observer?.rowsDeleted(table, n);
          if (n < s.batchRows) break;
        }
        sum.rowsDeleted[table] = total;
      }, sum);
    }
    return sum;
  }

  private async step(what: string, fn: () => Promise<void>, sum: RetentionRunSummary): Promise<void> {
    try {
      await fn();
    } catch (err) {
      sum.errors += 1;
      this.opts.logger.error({ err, job: "retention", step: what }, "retention step failed");
    }
  }
}
