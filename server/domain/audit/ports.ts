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

/** How one month of the audit log stands after a full check. */
export interface MonthState {
  /** `YYYY-MM` (UTC), or null for the default partition (rows whose month had no partition). */
  month: string | null;
  /** verified: read in this run; sealed: past and fully verified (routine checks never re-read it); archived: detached, only its chain heads are kept. */
  state: "verified" | "sealed" | "archived";
  entries: number;
}

/** What verification found. */
export interface Verification {
  ok: boolean;
  /** Chains covered: for a routine check, those verified so far in all (checkpoint plus new). */
  chains: number;
  /** Entries covered, likewise. */
  entries: number;
  digestsChecked: number;
  firstBroken: { orderId: string | null; seq: string | null; reason: string } | null;
  /** In zh-CN and English. */
  message: string;
  /** routine: only what came after the checkpoint; full: everything, month by month. */
  mode?: "routine" | "full";
  /** Entries read by this check (routine: those after the checkpoint). */
  entriesRead?: number;
  /** The entries checked: seq in (fromSeq, uptoSeq]. */
  fromSeq?: string;
  uptoSeq?: string;
  /** Full check: each month's state. */
  months?: MonthState[];
}

/** A full check running in the background, or its outcome. */
export interface FullCheckRun {
  id: string;
  status: "running" | "done" | "failed";
  /** entries → heads (orders' recorded heads) → digests → tally. */
  phase: string;
  entriesDone: number;
  entriesTotal: number;
  /** The month partition being read (`YYYY-MM`, "default"), null once past the entries. */
  currentMonth: string | null;
  startedAt: string;
  finishedAt: string | null;
  result: Verification | null;
}

/** The hash-chained audit trail as the audit routes read it (implemented by `KnexAuditStore`). */
export interface AuditStore {
  /**
   * An order's audit entries, oldest first; `NotFoundError` when the order never existed, or
   * when `scope` is given and the order is not (or no longer) inside it.
   */
  history(workspaceId: string, orderId: string, scope?: RowScope): Promise<AuditEntry[]>;
  /**
   * The routine check: only what came after the workspace's checkpoint (new entries, their
   * links, new digests, the tally, the heads of orders touched since); moves the checkpoint
   * when all holds.
   */
  verify(workspaceId: string, now?: Date): Promise<Verification>;
  /** Starts (or joins the running) full check of the workspace in the background. */
  startFullCheck(workspaceId: string, now: Date): Promise<FullCheckRun>;
  /** A full check's progress or outcome; `NotFoundError` for a run of another workspace or none. */
  fullCheck(workspaceId: string, runId: string): Promise<FullCheckRun>;
}
