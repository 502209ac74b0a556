import type { OrderView } from "../../server/contracts/orders.js";
import { COL, COLUMN_COUNT } from "./columns.js";
import { columnKind, sameCell } from "./cellFormats.js";
import { cellText, rowFromOrder, type CellValue, type RowContext } from "./rowsFromOrders.js";

/** A data row of the Orders table as read back: its position and its cell values. */
export interface SheetRow {
  /** 0-based position among the table's data rows at the time it was read. */
  row: number;
  values: readonly unknown[];
}

/** The sheet content a plan is computed against, keyed by the hidden key column (order ID). */
export type SheetSnapshot = ReadonlyMap<string, SheetRow>;

/** Contiguous cells of one data row to write. */
export interface CellRun {
  row: number;
  col: number;
  values: CellValue[];
}

/** What to write to bring the sheet up to date with a set of orders. */
export interface WritePlan {
  /** In-place writes of changed cells, located by key (never by the order the orders came in). */
  updates: CellRun[];
  /** New rows for orders not yet on the sheet, appended at the end of the table. */
  appends: CellValue[][];
  /** Order IDs of `appends`, in the same order. */
  appendedIds: string[];
  /** Rows with at least one changed cell. */
  updatedRows: number;
  /** Rows already up to date. */
  unchangedRows: number;
  /** Orders skipped because the sheet already shows a newer version. */
  staleOrders: number;
  /** Rows of orders that left the view, to delete after the writes (only when replacing). */
  removes: { orderId: string; row: number }[];
}

/** Options of `diffRows`. */
export interface DiffOptions {
  /**
   * Cells not to overwrite, as `protectKey(orderId, col)`: cells holding the user's edits
   * that the server has not answered yet.
   */
  protect?: ReadonlySet<string>;
  /** Whether an order missing from the sheet is appended (default: yes). */
  append?: (order: OrderView) => boolean;
  /**
   * Make the table show exactly `orders`: keyed rows of other orders are removed, except
   * those `keep` holds on to (rows with edits the server has not answered). Rows without a
   * key (staff's own notes) always stay.
   */
  replace?: { keep: (orderId: string) => boolean };
}

/** Unchanged cells this close between two changed ones are rewritten to save a range call. */
const MERGE_GAP = 2;

/** The key of a protected cell. */
export function protectKey(orderId: string, col: number): string {
  return `${orderId}\u0000${col}`;
}

/** Columns the pane does not take from the order: the key (it is the identity) and the Sync column. */
const NOT_DIFFED = new Set([COL.key, COL.sync]);

/**
 * The plan that brings the sheet in line with `orders`: rows found by key are updated in
 * place, cell by cell, only where the content (value and type) differs; orders not on the sheet are appended.
 * A user's sort or filter does not matter because positions come from the snapshot, which
 * is read by key. An order older than the row's version is skipped.
 */
export function diffRows(snapshot: SheetSnapshot, orders: readonly OrderView[], ctx: RowContext, opts: DiffOptions = {}): WritePlan {
  const plan: WritePlan = { updates: [], appends: [], appendedIds: [], updatedRows: 0, unchangedRows: 0, staleOrders: 0, removes: [] };
  const latest = new Map<string, OrderView>();
  for (const o of orders) {
    const seen = latest.get(o.id);
    if (!seen || seen.version <= o.version) latest.set(o.id, o);
  }
  for (const order of latest.values()) {
    const current = snapshot.get(order.id);
    const next = rowFromOrder(order, ctx);
    if (!current) {
      if (opts.append && !opts.append(order)) continue;
      plan.appends.push(next);
      plan.appendedIds.push(order.id);
      continue;
    }
    const shownVersion = Number(cellText(current.values[COL.version]));
    if (Number.isFinite(shownVersion) && shownVersion > order.version) {
      plan.staleOrders++;
      continue;
    }
    const runs = changedRuns(order.id, current, next, opts.protect);
    if (runs.length) {
      plan.updates.push(...runs);
      plan.updatedRows++;
    } else {
      plan.unchangedRows++;
    }
  }
  plan.updates.sort((a, b) => a.row - b.row || a.col - b.col);
  if (opts.replace) {
    for (const [orderId, row] of snapshot) {
      if (!latest.has(orderId) && !opts.replace.keep(orderId)) plan.removes.push({ orderId, row: row.row });
    }
    plan.removes.sort((a, b) => a.row - b.row);
  }
  return plan;
}

/**
 * Rows to delete as contiguous blocks `[first, count]`, bottom block first, so deleting one
 * block never moves the rows of the blocks still to come.
 */
export function removalBlocks(rows: readonly number[]): [number, number][] {
  const sorted = [...new Set(rows)].sort((a, b) => a - b);
  const blocks: [number, number][] = [];
  for (const r of sorted) {
    const last = blocks[blocks.length - 1];
    if (last && last[0] + last[1] === r) last[1]++;
    else blocks.push([r, 1]);
  }
  return blocks.reverse();
}

function changedRuns(orderId: string, current: SheetRow, next: CellValue[], protect: ReadonlySet<string> | undefined): CellRun[] {
  const isProtected = (c: number) => NOT_DIFFED.has(c) || (protect?.has(protectKey(orderId, c)) ?? false);
  const changed: number[] = [];
  for (let c = 0; c < COLUMN_COUNT; c++) {
    if (isProtected(c)) continue;
    // Typed cells must hold a value of the right type; text cells compare as text (a key read back as a number is the same key).
    const same = columnKind(c) === "text" ? cellText(current.values[c]) === cellText(next[c]) : sameCell(current.values[c], next[c]);
    if (!same) changed.push(c);
  }
  // An amount is written with its row's currency beside it: its number format comes from it.
  if (changed.includes(COL.amount) && !changed.includes(COL.currency) && !isProtected(COL.currency)) {
    changed.push(COL.currency);
    changed.sort((a, b) => a - b);
  }
  const runs: CellRun[] = [];
  let start = -1;
  let end = -1;
  const flush = () => {
    if (start >= 0) runs.push({ row: current.row, col: start, values: next.slice(start, end + 1) });
  };
  for (const c of changed) {
    const gapFree = start >= 0 && c - end - 1 <= MERGE_GAP && !rangeHas(end + 1, c, isProtected);
    if (gapFree) {
      end = c;
    } else {
      flush();
      start = c;
      end = c;
    }
  }
  flush();
  return runs;
}

function rangeHas(from: number, to: number, test: (c: number) => boolean): boolean {
  for (let c = from; c < to; c++) if (test(c)) return true;
  return false;
}
