import type { CellEdit, EditableColumn, EditResult } from "../../server/contracts/edits.js";
import type { Role } from "../../server/contracts/roles.js";
import { ApiError } from "../api/ApiError.js";
import { COL } from "../core/columns.js";
import { ConflictBook } from "../core/ConflictBook.js";
import { RefusalLog } from "../core/RefusalLog.js";
import { captureEdits, type ChangedBlock, type LocalRefusal } from "../core/editCapture.js";
import { EditQueue, type QueueStorage } from "../core/EditQueue.js";
import type { Lang } from "../core/i18n.js";
import { pendingPatches, refusalPatches, resultPlan } from "../core/resultPlan.js";
import { cellText, type CellValue } from "../core/rowsFromOrders.js";
import type { SheetGateway } from "../core/SheetGateway.js";
import type { StatusBook } from "../core/StatusBook.js";

/** What the edit pipeline needs from the rest of the pane. */
export interface EditPipelineDeps {
  gateway: SheetGateway;
  queue: EditQueue;
  /** Where open conflicts are kept across pane reloads (per workbook); in memory only without it. */
  conflictStorage?: QueueStorage;
  /** Sends edits to the server (POST /api/edits). */
  send: (edits: CellEdit[]) => Promise<EditResult[]>;
  newId: () => string;
  /** Current display settings, and what the signed-in user may edit (from `GET /api/me` once it answered). */
  context: () => { lang: Lang; statuses: StatusBook; role?: Role; editableColumns?: readonly EditableColumn[] };
  /** The row the sheet last showed for an order (for reverting refused cells). */
  knownRow: (orderId: string) => readonly CellValue[] | undefined;
  /** Told when the server could not be reached (edits stay queued) or answered again. */
  onReachable: (reachable: boolean, error?: unknown) => void;
  /** Told when the server refused the batch itself (not one edit): the edits stay queued. */
  onProblem: (error: unknown) => void;
  /** Told about local refusals that cannot be marked in the sheet (rows without an order). */
  onNotice: (message: string) => void;
  /** Told whenever the queue or the conflicts changed. */
  onChange: () => void;
  /** Tells the server the user took its value of a cell, so its conflicts about that cell end there too (optional). */
  resolveTaken?: (orderId: string, column: string) => Promise<void>;
  /** Told which edits the server saved, so the pane knows what the cells now hold. */
  onSaved: (saved: Extract<EditResult, { outcome: "saved" }>[]) => void;
}

/**
 * From a cell change to the server's answer in the sheet: capture the edits, refuse what
 * cannot be saved, mark the rest pending, queue them (persisted), send them once the server
 * answers, and write saved / conflict / refused back into the rows.
 */
export class EditPipeline {
  readonly conflicts: ConflictBook;
  /** The latest refused edits with their whole reason (the Sync column shows only a mark). */
  readonly refusals = new RefusalLog();

  constructor(private readonly deps: EditPipelineDeps) {
    this.conflicts = new ConflictBook(deps.conflictStorage);
  }

  /** Edits waiting for the server. */
  pendingCount(): number {
    return this.deps.queue.size();
  }

  /** Cells with edits the server has not answered, as `orderId\0column` (not to be overwritten). */
  pendingCells(): { orderId: string; column: string }[] {
    return this.deps.queue.pending().map((e) => ({ orderId: e.orderId, column: e.column }));
  }

  /** Handles one change staff made in the Orders table. */
  async capture(block: ChangedBlock): Promise<void> {
    const ctx = this.deps.context();
    const captured = captureEdits(block, { ...ctx, newId: this.deps.newId });
    // A sort or a paste of what is already there changes no value: only real changes count.
    const changed = <T extends { orderId: string | null; col: number; text: string }>(c: T) => {
      const known = c.orderId ? this.deps.knownRow(c.orderId) : undefined;
      return !known || cellText(known[c.col]) !== c.text;
    };
    // In a multi-cell change (a paste, or a sort where the host reports one), the time-dependent
    // SLA column and the pane's own Sync column are not staff edits.
    const multi = block.values.length > 1 || (block.values[0]?.length ?? 0) > 1;
    const paneOwned = (col: number) => multi && (col === COL.sla || col === COL.sync);
    await this.refuse(captured.refusals.filter((r) => changed(r) && !paneOwned(r.col)));
    const edits = captured.edits.filter((c) => changed({ ...c, orderId: c.edit.orderId })).map((c) => c.edit);
    if (!edits.length) return;
    this.deps.queue.enqueue(edits);
    this.deps.onChange();
    await this.deps.gateway.patchCells(pendingPatches(new Set(edits.map((e) => e.orderId)), ctx.lang));
    await this.flush();
  }

  private async refuse(refusals: readonly LocalRefusal[]): Promise<void> {
    if (!refusals.length) return;
    const ctx = this.deps.context();
    for (const r of refusals) if (!r.orderId) this.deps.onNotice(r.reason);
    const at = new Date();
    this.refusals.add(refusals.flatMap((r) => (r.orderId ? [{ orderId: r.orderId, col: r.col, mine: r.text, reason: () => r.reason, at }] : [])));
    await this.deps.gateway.patchCells(refusalPatches(refusals, this.deps.knownRow, ctx.lang));
  }

  /**
   * Sends what is queued and writes the answers into the sheet. Safe to call any time:
   * concurrent calls share one drain; unreachable servers leave the edits queued.
   */
  async flush(): Promise<void> {
    const report = await this.deps.queue.drain(this.deps.send);
    if (report.results.length) {
      const ctx = this.deps.context();
      const plan = resultPlan(report.results, report.sent, ctx);
      const saved = report.results.filter((r): r is Extract<EditResult, { outcome: "saved" }> => r.outcome === "saved");
      for (const r of saved) this.conflicts.settle(r.orderId, r.column);
      if (saved.length) this.deps.onSaved(saved);
      this.conflicts.add(plan.conflicts);
      const at = new Date();
      this.refusals.add(plan.refusals.map((r) => ({ ...r, at })));
      await this.deps.gateway.patchCells(plan.patches);
    }
    if (report.error) {
      const transient = !(report.error instanceof ApiError) || report.error.transient;
      // Unreachable or a server hiccup: offline, edits wait. Anything else (token refused,
      // forbidden …) is not "offline": the pane says what is wrong in the staff's words.
      if (transient) this.deps.onReachable(false, report.error);
      else this.deps.onProblem(report.error);
    } else if (report.results.length) {
      this.deps.onReachable(true);
    }
    this.deps.onChange();
  }

  /** Resolves a conflict by re-sending the user's value on top of the server's. */
  async keepMine(clientEditId: string): Promise<void> {
    const ctx = this.deps.context();
    const resolution = this.conflicts.keepMine(clientEditId, this.deps.newId, ctx);
    if (!resolution) return;
    if (resolution.edit) this.deps.queue.enqueue([resolution.edit]);
    await this.deps.gateway.patchCells(resolution.patches);
    await this.flush();
  }

  /** Resolves a conflict by accepting the server's value. */
  async takeServer(clientEditId: string): Promise<void> {
    const entry = this.conflicts.list().find((c) => c.clientEditId === clientEditId);
    const resolution = this.conflicts.takeServer(clientEditId, this.deps.context());
    if (!resolution || !entry) return;
    await this.deps.gateway.patchCells(resolution.patches);
    this.deps.onChange();
    // The sheet already shows the server's value; the server's record of the conflict follows.
    // Unreachable now, it stays open there until a later edit of the cell supersedes it.
    try {
      await this.deps.resolveTaken?.(entry.orderId, entry.column);
    } catch (err) {
      this.deps.onReachable(false, err);
    }
  }
}
