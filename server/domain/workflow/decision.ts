import type { AlertLevel, AlertVia, BilingualMessage } from "../../contracts/workflow.js";
import type { RefusalParams } from "../../contracts/refusals.js";
import type { Role } from "../../contracts/roles.js";
import type { Order } from "../order.js";
import type { FactDispute } from "./sourcePrecedence.js";
import type { StatusDisagreement } from "./statusDisagreement.js";

/** Who sends an event: a person from the sheet, or a connector/timer acting under a role. */
export interface Actor {
  role: Role;
  name: string;
}

/** One field that a decision changes; `field` is an Order key or `extra.<fact>`. */
export interface FieldChange {
  field: string;
  old: unknown;
  new: unknown;
}

/** An alert to deliver; `sourceId` is the timer or rule id that raised it (or the kind of conflict). */
export interface Alert {
  source: "timer" | "rule" | "conflict";
  sourceId: string;
  level: AlertLevel;
  /** The English form (what notifications and older clients read). */
  message: string;
  /** The text in zh-CN and English. */
  messages: BilingualMessage;
  notify?: string;
  via?: AlertVia;
  /** Figures for a report (e.g. the receivable vs channel amount difference). */
  details?: Record<string, string | number | boolean | null>;
}

/** A side effect for the caller to carry out (the domain does no I/O). */
export type Effect =
  | { kind: "task"; sourceId: string; assignee: Role; message: string; messages: BilingualMessage }
  | { kind: "pause_channel"; sourceId: string; channel: string; message: string; messages: BilingualMessage };

/** One step of a move; a decision chains several when "auto" transitions follow. */
export interface Step {
  transitionId: string;
  from: string;
  to: string;
}

/** What rules raised while deciding; present on every decision. */
export interface Signals {
  alerts: Alert[];
  effects: Effect[];
}

/**
 * The engine's answer to one event. `patch` holds only the fields to write (facts, and
 * for moves `status` + `statusSince`); the store bumps `version` and `updatedAt`. An
 * "update" or "refused" answer to another system's status fact that our status contradicts
 * carries the `disagreement` (see `statusDisagreement`), already counted in the rules' `related`.
 * With source precedence on, a fact two sources disagree about carries the `disputes` (the
 * value kept and the one not taken); `hold` says one is beyond the tolerance: the order's
 * flow is frozen (the event does not move it) until a person decides.
 */
export type Decision =
  | ({ kind: "transition"; from: string; to: string; transitionId: string; steps: Step[]; patch: Partial<Order>; changes: FieldChange[]; disputes?: FactDispute[] } & Signals)
  | ({ kind: "update"; patch: Partial<Order>; changes: FieldChange[]; disagreement?: StatusDisagreement; disputes?: FactDispute[]; hold?: boolean } & Signals)
  | ({ kind: "noop"; reason: string } & Signals)
  | ({ kind: "refused"; reason: string; code: string; params: RefusalParams; allowed: string[]; disagreement?: StatusDisagreement } & Signals)
  | ({ kind: "conflict"; reason: string; code: string; params: RefusalParams; currentVersion: number; currentStatus: string } & Signals);

/** The kinds of decision, for counters and reports. */
export const DECISION_KINDS = ["transition", "update", "noop", "refused", "conflict"] as const;
export type DecisionKind = (typeof DECISION_KINDS)[number];
