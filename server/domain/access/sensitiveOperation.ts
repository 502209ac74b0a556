import type { SensitiveAction } from "../../contracts/sensitiveLog.js";

/** The kinds of operation the sensitive-operation log records (defined in `contracts/sensitiveLog.ts`). */
export type { SensitiveAction } from "../../contracts/sensitiveLog.js";

/** One sensitive operation: who did what, from where, when. */
export interface SensitiveOperation {
  workspaceId: string;
  /** User name of the actor. */
  actor: string;
  tokenId: string | null;
  ip: string | null;
  userAgent: string | null;
  action: SensitiveAction;
  /** What it was done to, e.g. an order ID, a user name, a workflow version. */
  target: string;
  /** Small, non-personal facts about the operation (counts, versions, roles …). */
  detail: Record<string, unknown>;
  at: Date;
}

/** A recorded operation with its position in the log. */
export interface LoggedOperation extends Omit<SensitiveOperation, "workspaceId"> {
  /** Position in the log; later entries have larger ones. */
  seq: string;
}

/** Which entries to read: all filters optional; `before` is the seq the previous page ended at. */
export interface SensitiveLogFilter {
  actions?: readonly SensitiveAction[];
  actor?: string;
  /** At or after. */
  from?: Date;
  /** Strictly before. */
  to?: Date;
  /** Only entries with a seq below this one (the cursor). */
  before?: string;
  limit: number;
}

/** Append-only log of sensitive operations (implemented by `KnexSensitiveLog`). */
export interface SensitiveLog {
  record(op: SensitiveOperation): Promise<void>;
  /** The workspace's entries that pass `filter`, newest first, at most `limit`. */
  list(workspaceId: string, filter: SensitiveLogFilter): Promise<LoggedOperation[]>;
}
