import type { RowScope } from "../access/principal.js";

/** One audit entry as read back. */
export interface AuditEntry {
  seq: string;
  at: string;
  actor: string;
  source: string;
  action: string;
  field: string | null;
  oldValue: unknown;
  newValue: unknown;
  orderVersion: number;
  prevHash: string | null;
  hash: string;
}

/** What verification found. */
export interface Verification {
  ok: boolean;
  chains: number;
  entries: number;
  digestsChecked: number;
  firstBroken: { orderId: string | null; seq: string | null; reason: string } | null;
  message: string;
}

/** The hash-chained audit trail as the audit routes read it (implemented by `KnexAuditStore`). */
export interface AuditStore {
  /**
   * An order's audit entries, oldest first; `NotFoundError` when the order never existed, or
   * when `scope` is given and the order is not (or no longer) inside it.
   */
  history(workspaceId: string, orderId: string, scope?: RowScope): Promise<AuditEntry[]>;
  /** Re-checks every chain and digest of a workspace. */
  verify(workspaceId: string): Promise<Verification>;
}
