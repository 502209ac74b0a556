import type { CellEdit } from "../../server/contracts/edits.js";
import { COL, columnForEditable } from "./columns.js";
import { t } from "./i18n.js";
import { displayValue, SYNC_COLOURS, type CellPatch, type ConflictEntry, type DisplayContext } from "./resultPlan.js";

/** What resolving a conflict asks for: an edit to send (keep mine) and cells to write. */
export interface Resolution {
  edit?: CellEdit;
  patches: CellPatch[];
}

/**
 * The open conflicts, one per order cell (a newer conflict on the same cell replaces the
 * older one). Resolving one either re-sends the user's value on top of the server's
 * current version ("keep mine") or accepts what the server holds ("take the server's").
 */
export class ConflictBook {
  private readonly entries = new Map<string, ConflictEntry>();

  /** Adds conflicts from a result plan. */
  add(conflicts: readonly ConflictEntry[]): void {
    for (const c of conflicts) {
      const key = `${c.orderId}\u0000${c.column}`;
      for (const [id, e] of this.entries) if (`${e.orderId}\u0000${e.column}` === key) this.entries.delete(id);
      this.entries.set(c.clientEditId, c);
    }
  }

  /** Open conflicts, oldest first. */
  list(): ConflictEntry[] {
    return [...this.entries.values()];
  }

  /** Drops conflicts of an order cell that a later saved edit settled. */
  settle(orderId: string, column: string): void {
    for (const [id, e] of this.entries) if (e.orderId === orderId && e.column === column) this.entries.delete(id);
  }

  /** Keeps the user's value: a new edit based on the server's current version. */
  keepMine(clientEditId: string, newId: () => string, ctx: DisplayContext): Resolution | undefined {
    const e = this.entries.get(clientEditId);
    if (!e) return undefined;
    this.entries.delete(clientEditId);
    const col = COL[columnForEditable(e.column)!.id];
    return {
      edit: { clientEditId: newId(), orderId: e.orderId, column: e.column, baseVersion: e.currentVersion, value: e.mine },
      patches: [
        { orderId: e.orderId, col, value: displayValue(e.column, e.mine, ctx) },
        { orderId: e.orderId, col: COL.sync, value: t(ctx.lang, "sync.pending"), fill: SYNC_COLOURS.pending },
      ],
    };
  }

  /** Accepts the server's value (already in the cell since the conflict was reported). */
  takeServer(clientEditId: string, ctx: DisplayContext): Resolution | undefined {
    const e = this.entries.get(clientEditId);
    if (!e) return undefined;
    this.entries.delete(clientEditId);
    const col = COL[columnForEditable(e.column)!.id];
    return {
      patches: [
        { orderId: e.orderId, col, value: displayValue(e.column, e.theirs, ctx) },
        { orderId: e.orderId, col: COL.sync, value: "", fill: "" },
      ],
    };
  }
}
