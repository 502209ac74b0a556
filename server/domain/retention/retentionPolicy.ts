import type { WorkflowDefinition } from "../../contracts/workflow.js";

/** How long each kind of history is kept, in days; 0 keeps it for ever. */
export interface RetentionSettings {
  /** The change feed (`changes`), dropped by whole month partitions. */
  feedDays: number;
  /** The events inbox (`events_inbox`), by whole month partitions; also the dedupe window. */
  inboxDays: number;
  /** Refused input kept for admins. */
  rejectedInputDays: number;
  /** Timer firings of orders that reached a terminal status. */
  timerFiringDays: number;
  /** Resolved conflicts. */
  conflictDays: number;
  /** Finished tasks. */
  taskDays: number;
  /** Month partitions created ahead of the current month. */
  monthsAhead: number;
  /** Rows one delete statement removes at most (row retention runs in batches). */
  batchRows: number;
}

/** The shortest inbox retention allowed: longer than any platform retries a webhook (Shopify: 4 hours). */
export const MIN_INBOX_DAYS = 7;

const DAY_MS = 86_400_000;

/** The instant before which history of `days` is no longer kept at `now`; null when kept for ever. */
export function retentionCutoff(now: Date, days: number): Date | null {
  return days > 0 ? new Date(now.getTime() - days * DAY_MS) : null;
}

/** A month partition as retention sees it. */
export interface PartitionSpan {
  name: string;
  from: Date;
  to: Date;
}

/**
 * The partitions to drop at `now` when `days` are kept: those whose every instant is older
 * than the cutoff (a partition ending at or before it). A partition that still holds one
 * instant inside the kept window stays whole, so history is kept for `days` at least and for
 * at most a month more. None when kept for ever.
 */
export function partitionsToDrop<P extends PartitionSpan>(partitions: readonly P[], now: Date, days: number): P[] {
  const cutoff = retentionCutoff(now, days);
  if (!cutoff) return [];
  return partitions.filter((p) => p.to.getTime() <= cutoff.getTime());
}

/**
 * The statuses of a workflow in which an order's life has ended. An order there never
 * moves again (the workflow allows no transition and no timer out of a terminal status),
 * so no timer can come due for it again and its timer firings are history.
 */
export function terminalStatuses(flow: WorkflowDefinition): string[] {
  return flow.states.filter((s) => s.terminal).map((s) => s.code);
}
