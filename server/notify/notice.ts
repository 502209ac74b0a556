import type { AlertLevel } from "../contracts/workflow.js";
import type { NotifyLocale, RouteMatch } from "../contracts/notify.js";

/** One entry of an order's history, as a task message shows it. */
export interface NoticeHistoryEntry {
  at: string;
  action: string;
  field: string | null;
  value: string | null;
}

/**
 * What one notification says, fixed when it is queued (the alert or task, its order and
 * since when); the words are chosen at send time in the target's language.
 */
export interface Notice {
  kind: "alert" | "task";
  /** Alerts only. */
  level: AlertLevel | null;
  message: string;
  /** The alert's audience (`notify`) or the task's assignee. */
  audience: string | null;
  orderId: string;
  externalOrderId: string | null;
  channel: string | null;
  region: string | null;
  warehouse: string | null;
  status: string | null;
  /** Since when the problem stands (a stall's clock start, or when the alert was raised). */
  since: string;
  raisedAt: string;
  /** SMS to the customer: the order's phone number at queue time. */
  phone?: string | null;
  /** Tasks: the order's latest history, oldest first. */
  history?: NoticeHistoryEntry[];
}

/** An alert or task not yet looked at by the notifier, with its order. */
export interface NoticeSource {
  sourceKind: "alert" | "task";
  /** Unique per raising: an alert raised again after it ended is a new source. */
  sourceRef: string;
  notice: Notice;
  customerPhone: string | null;
}

/** A routing rule as the planner reads it. */
export interface RouteRule {
  id: string;
  match: RouteMatch;
  targetId: string;
  /** The target's kind and, for SMS, whom it texts. */
  targetKind: string;
  targetPhone: string | null;
}

/** A message to queue: one notice for one target (or why it cannot be sent). */
export interface PlannedNotice {
  sourceKind: "alert" | "task";
  sourceRef: string;
  targetId: string;
  notice: Notice;
  /** Set when the notice can never be sent to this target (kept and counted, not dropped). */
  undeliverable?: string;
}

/** How messages are worded: language, time zone and the link back to an order. */
export interface RenderContext {
  locale: NotifyLocale;
  timeZone: string;
  link(orderId: string): string;
}
