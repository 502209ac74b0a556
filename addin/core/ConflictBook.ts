import { z } from "zod";
import type { CellEdit } from "../../server/contracts/edits.js";
import { COL, columnForEditable } from "./columns.js";
import { t } from "./i18n.js";
import type { QueueStorage } from "./EditQueue.js";
import { ConflictEntry, displayValue, SYNC_COLOURS, type CellPatch, type DisplayContext } from "./resultPlan.js";

const Stored = z.object({ v: z.literal(1), conflicts: z.array(ConflictEntry) });

/** What resolving a conflict asks for: an edit to send (keep mine) and cells to write. */
export interface Resolution {
  edit?: CellEdit;
  patches: CellPatch[];
}

/**
 * The open conflicts, one per order cell (a newer conflict on the same cell replaces the
 * older one). Resolving one either re-sends the user's value on top of the server's
 * current version ("keep mine") or accepts what the server holds ("take the server's").
 * With a storage, open conflicts survive a reload of the pane: the cell already shows the
 * server's value, so the list is the only place the user's value still lives.
 */
export class ConflictBook {
  private readonly entries = new Map<string, ConflictEntry>();

  constructor(private readonly storage?: QueueStorage) {
    const text = storage?.load();
    if (!text) return;
    try {
      const parsed = Stored.safeParse(JSON.parse(text));
      if (parsed.success) for (const c of parsed.data.conflicts) this.entries.set(c.clientEditId, c);
    } catch {
      // unreadable: start empty
    }
  }

  private save(): void {
    this.storage?.save(JSON.stringify({ v: 1, conflicts: [...this.entries.values()] }));
  }

  /** Adds conflicts from a result plan. */
  add(conflicts: readonly ConflictEntry[]): void {
    for (const c of conflicts) {
      const key = `${c.orderId}\u0000${c.column}`;
      for (const [id, e] of this.entries) if (`${e.orderId}\u0000${e.column}` === key) this.entries.delete(id);
      this.entries.set(c.clientEditId, c);
    }
    if (conflicts.length) this.save();
  }

  /** Open conflicts, oldest first. */
  list(): ConflictEntry[] {
    return [...this.entries.values()];
  }

  /** Drops conflicts of an order cell that a later saved edit settled. */
  settle(orderId: string, column: string): void {
    let dropped = false;
    for (const [id, e] of this.entries) {
      if (e.orderId === orderId && e.column === column) dropped = this.entries.delete(id);
    }
    if (dropped) this.save();
  }

  /** Keeps the user's value: a new edit based on the server's current version. */
  keepMine(clientEditId: string, newId: () => string, ctx: DisplayContext): Resolution | undefined {
    const e = this.entries.get(clientEditId);
    if (!e) return undefined;
    this.entries.delete(clientEditId);
    this.save();
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
    this.save();
    const col = COL[columnForEditable(e.column)!.id];
    return {
      patches: [
        { orderId: e.orderId, col, value: displayValue(e.column, e.theirs, ctx) },
        { orderId: e.orderId, col: COL.sync, value: "", fill: "" },
      ],
    };
  }
}
