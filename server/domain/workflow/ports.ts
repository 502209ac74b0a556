import type { RefusalParams } from "../../contracts/refusals.js";
import type { CellEdit, EditResult } from "../../contracts/edits.js";
import type { EventInput } from "../../contracts/events.js";
import type { Role } from "../../contracts/roles.js";
import type { WorkflowDefinition } from "../../contracts/workflow.js";
import type { RowScope } from "../access/principal.js";
import type { Actor } from "./decision.js";

/** How one event ended. `duplicate`: the same (source, sourceEventId) was processed before. */
export type EventOutcomeKind = "applied" | "noop" | "refused" | "conflict" | "held" | "not_found" | "duplicate";

/** The answer for one event of a batch. */
export interface EventOutcome {
  index: number;
  source: string;
  sourceEventId: string;
  outcome: EventOutcomeKind;
  orderId: string | null;
  status?: string;
  version?: number;
  reason?: string;
  /** A refusal's or conflict's stable code and parameters (`contracts/refusals.ts`), and its words in both languages. */
  code?: string;
  params?: RefusalParams;
  messages?: { "zh-CN": string; en: string };
  allowed?: string[];
  currentVersion?: number;
  currentStatus?: string;
  changedBy?: string | null;
  changedAt?: string | null;
  /** For duplicates: how the first delivery ended. */
  firstOutcome?: string;
  alerts?: { level: string; message: string; messages?: { "zh-CN": string; en: string } }[];
}

/** Who is sending the batch. */
export interface EventContext {
  workspaceId: string;
  timeZone: string;
  actor: Actor;
  /**
   * The sender's row scope (absent: unrestricted). An event about an order outside it is
   * answered `not_found`, like one about no order; one whose effect would move an order out
   * of it is `refused`, naming the field.
   */
  scope?: RowScope;
}

/** The one door through which facts change orders (implemented by `KnexEventStore`). */
export interface EventStore {
  /** Processes a batch of events; the answer has one outcome per event, in order. */
  process(ctx: EventContext, events: EventInput[], now: Date): Promise<EventOutcome[]>;
}

/** Who edits. */
export interface EditContext {
  workspaceId: string;
  user: string;
  role: Role;
  /** The access policy already allowed these columns for this role (the store then skips its static role list). */
  policyChecked?: boolean;
  /**
   * The editor's row scope (absent: unrestricted). An edit of an order outside it is refused
   * like one of an order that does not exist; one that would move the order out of it is
   * refused, naming the field.
   */
  scope?: RowScope;
}

/** Cell edits from the sheet (implemented by `KnexEditStore`). */
export interface EditStore {
  /** Applies field edits in order; returns one result per edit. */
  apply(ctx: EditContext, edits: CellEdit[], now: Date): Promise<EditResult[]>;
  /** How earlier deliveries of these events ended (a resent status edit answers with its first result). */
  priorEventResults(workspaceId: string, source: string, sourceEventIds: string[]): Promise<Map<string, Record<string, any>>>;
}

/** A stored workflow version. */
export interface WorkflowVersion {
  version: number;
  definition: WorkflowDefinition;
  publishedBy: string;
  publishedAt: string;
}

/** A published version as listed, without its definition. */
export interface WorkflowVersionSummary {
  version: number;
  name: string;
  publishedBy: string;
  publishedAt: string;
}

/** Workflow definitions, versioned per workspace (implemented by `KnexWorkflowStore`). */
export interface WorkflowStore {
  /** The newest version of a workspace's workflow. */
  current(workspaceId: string): Promise<WorkflowVersion>;
  /** Every version, newest first. */
  versions(workspaceId: string): Promise<WorkflowVersionSummary[]>;
  /** Validates and publishes a new version, moving live orders onto it; `InputError` listing every problem when invalid. */
  publish(workspaceId: string, definition: WorkflowDefinition, actor: { name: string; source: string }, now: Date): Promise<{ version: number; migratedOrders: number }>;
}

/** An alert as the API shows it. */
export interface AlertRecord {
  id: string;
  orderId: string;
  level: string;
  message: string;
  /** The text in zh-CN and English (alerts raised before both were kept repeat `message`). */
  messages: { "zh-CN": string; en: string };
  source: string;
  sourceId: string;
  notify: string | null;
  raisedAt: string;
  clearedAt: string | null;
  /** `system` when the condition ended by itself, else the user who closed it. */
  clearedBy: string | null;
  clearReason: AlertClearReason | null;
  clearNote: string | null;
}

/** Why an alert ended: the order left the status, the timer's condition ended, or a person closed it. */
export type AlertClearReason = "status_left" | "condition_ended" | "closed";

/** Alerts raised by timers and rules (implemented by `KnexAlertStore`). */
export interface AlertStore {
  /** Alerts newest first; open ones only unless `open` is false; only about orders inside `scope` when given. */
  list(workspaceId: string, opts: { open: boolean; orderId?: string; limit: number; scope?: RowScope }): Promise<AlertRecord[]>;
  /**
   * Closes an open alert on behalf of `actor` (with an optional note) and puts the clearing
   * in the change feed. `not_found` when no such alert exists in the workspace (or inside
   * `scope`), `already_cleared` (with the record) when it has ended.
   */
  close(
    workspaceId: string,
    id: string,
    by: { actor: string; note: string | null; scope?: RowScope },
    now: Date,
  ): Promise<{ outcome: "closed" | "already_cleared"; alert: AlertRecord } | { outcome: "not_found" }>;
}

/** A paused channel as listed. */
export interface PauseRecord {
  channel: string;
  reason: string;
  sourceId: string;
  pausedAt: string;
  heldEvents: number;
}

/** A held event waiting for its channel to resume. */
export interface HeldEvent {
  inboxId: number;
  actor: string;
  event: EventInput;
}

/** Channel intake pauses set by circuit-breaker rules, and the events they hold (implemented by `KnexChannelStore`). */
export interface ChannelStore {
  /** Paused channels with how many events each holds. */
  list(workspaceId: string): Promise<PauseRecord[]>;
  /** Lifts a pause; whether the channel was paused. */
  resume(workspaceId: string, channel: string, by: string, note: string | undefined, now: Date): Promise<boolean>;
  /** Held events of a channel after `after`, oldest first. */
  held(workspaceId: string, channel: string, after: number, limit: number): Promise<HeldEvent[]>;
}
