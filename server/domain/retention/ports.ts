import type { PartitionSpan, RetentionSettings } from "./retentionPolicy.js";

/** The tables kept in month partitions and dropped whole. */
export type PartitionedTable = "changes" | "events_inbox";

/** The tables whose old rows are deleted in batches (not partitioned). */
export type PrunedTable = "rejected_inputs" | "timer_firings" | "conflicts" | "tasks";

/** What dropping a table's old partitions did. */
export interface PartitionDrop {
  table: PartitionedTable;
  dropped: string[];
  /** Partitions old enough to go that were kept, and why (an inbox month still holding events of a paused channel). */
  kept: { name: string; reason: string }[];
}

/** A table's partitions as monitoring sees them. */
export interface PartitionReport {
  table: string;
  /** The first instant of the oldest month kept; null when no month partition exists. */
  oldestMonth: Date | null;
  /** Rows waiting in the default partition (a month that had no partition yet). */
  rowsInDefault: number;
}

/** Storage side of retention (implemented by `KnexRetentionStore`). */
export interface RetentionStore {
  /** Creates the month partitions from this month through `monthsAhead` months ahead, on every partitioned table. */
  ensurePartitions(now: Date, monthsAhead: number): Promise<{ created: string[]; skipped: string[] }>;
  /** Drops the partitions of `table` that `keep` picks from its months, oldest first. */
  dropPartitions(table: PartitionedTable, pick: (months: PartitionSpan[]) => PartitionSpan[]): Promise<PartitionDrop>;
  /** Deletes up to `batchRows` rows of `table` older than `before` that retention may remove; answers how many went. */
  pruneBatch(table: PrunedTable, before: Date, batchRows: number): Promise<number>;
  /** Partitions per partitioned table, for metrics. */
  report(): Promise<PartitionReport[]>;
}

export type { RetentionSettings };
