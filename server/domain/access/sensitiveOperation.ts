/** The kinds of operation the sensitive-operation log records. */
export type SensitiveAction =
  | "export"
  | "workflow.publish"
  | "rule.change"
  | "connector.change"
  | "pii.unmasked_read"
  | "token.issue"
  | "token.revoke"
  | "token.rotate"
  | "user.disable"
  | "user.enable"
  | "user.change"
  | "access.policy_change";

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

/** Append-only log of sensitive operations (implemented by `KnexSensitiveLog`). */
export interface SensitiveLog {
  record(op: SensitiveOperation): Promise<void>;
}
