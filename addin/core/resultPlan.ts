import type { RefusalEntry } from "./RefusalLog.js";
import { z } from "zod";
import { formatRefusal, RefusalParams } from "../../server/contracts/refusals.js";
import { CellEdit, EDITABLE_COLUMN_NAMES, type EditableColumn, type EditResult } from "../../server/contracts/edits.js";
import type { OrderView } from "../../server/contracts/orders.js";
import { cellFormat } from "./cellFormats.js";
import { COL, columnForEditable } from "./columns.js";
import type { LocalRefusal } from "./editCapture.js";
import { listSeparator, t, type Lang } from "./i18n.js";
import type { CellValue } from "./rowsFromOrders.js";
import type { StatusBook } from "./StatusBook.js";

/** How a row's last edit stands, as the Sync column shows it. */
export type SyncState = "pending" | "saved" | "conflict" | "refused";

/** Fill colours of the Sync cell per state. */
export const SYNC_COLOURS: Record<SyncState, string> = {
  pending: "#FFEB9C",
  saved: "#C6EFCE",
  conflict: "#F8CBAD",
  refused: "#FFC7CE",
};

/** One cell to write, found by order ID (the row is looked up by key when applied). */
export interface CellPatch {
  orderId: string;
  col: number;
  value: CellValue;
  /** Fill colour to set on the cell, when it changes. */
  fill?: string;
  /** Number format of the cell when not its column's (an amount in another currency). */
  format?: string;
}

/** An open conflict: the user's value lost a race with someone else's change. */
export const ConflictEntry = z.object({
  clientEditId: z.string(),
  orderId: z.string(),
  column: z.enum(EDITABLE_COLUMN_NAMES),
  /** What the user entered (the edit's value: a state code for status). */
  mine: CellEdit.shape.value,
  /** What the server holds now. */
  theirs: z.unknown(),
  currentVersion: z.number().int(),
  changedBy: z.string().nullable(),
  changedAt: z.string().nullable(),
  reason: z.string(),
  /** The conflict's refusal code and parameters, worded in the staff's language (see contracts/refusals). */
  code: z.string().optional(),
  params: RefusalParams.optional(),
});
export type ConflictEntry = z.infer<typeof ConflictEntry>;

/** Everything to do with the sheet and the pane after the server answered some edits. */
export interface ResultPlan {
  patches: CellPatch[];
  conflicts: ConflictEntry[];
  /** The refused edits, for the pane's details view (the reason worded on demand, in any language). */
  refusals: Omit<RefusalEntry, "at">[];
}

/** What formatting a cell value for display needs. */
export interface DisplayContext {
  lang: Lang;
  statuses: StatusBook;
}

/** A value of an editable column as the sheet shows it (status codes become labels). */
export function displayValue(column: string, value: unknown, ctx: DisplayContext): CellValue {
  if (value === null || value === undefined) return "";
  if (column === "status" && typeof value === "string") return ctx.statuses.label(value, ctx.lang);
  if (Array.isArray(value)) return value.map(String).join(", ");
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return JSON.stringify(value);
}

const RANK: Record<SyncState, number> = { saved: 0, pending: 1, conflict: 2, refused: 3 };

/** Sync-column marks, one per order: the worst state wins and reasons are joined. */
class SyncMarks {
  private readonly marks = new Map<string, { state: SyncState; texts: string[] }>();

  add(orderId: string, state: SyncState, text: string): void {
    const m = this.marks.get(orderId);
    if (!m || RANK[state] > RANK[m.state]) this.marks.set(orderId, { state, texts: [text] });
    else if (m.state === state && !m.texts.includes(text)) m.texts.push(text);
  }

  patches(): CellPatch[] {
    return [...this.marks].map(([orderId, m]) => ({ orderId, col: COL.sync, value: m.texts.join("; "), fill: SYNC_COLOURS[m.state] }));
  }
}

/**
 * The sheet changes for the server's answers: the Sync column says saved / conflict /
 * refused (with the reason and, for a refused status move, the statuses allowed), a
 * conflicted or refused cell goes back to the server's value, a saved edit bumps the
 * row's version, and each conflict becomes an entry the user resolves.
 */
export function resultPlan(results: readonly EditResult[], sent: readonly CellEdit[], ctx: DisplayContext): ResultPlan {
  const byId = new Map(sent.map((e) => [e.clientEditId, e]));
  const marks = new SyncMarks();
  const patches: CellPatch[] = [];
  const steps = new Map<string, { from: number; to: number; saved: number }>();
  const conflicts: ConflictEntry[] = [];
  const refusals: ResultPlan["refusals"] = [];
  for (const r of results) {
    const col = columnForEditable(r.column)?.id;
    const colIndex = col === undefined ? undefined : COL[col];
    if (r.outcome === "saved") {
      marks.add(r.orderId, "saved", t(ctx.lang, "sync.saved"));
      const base = byId.get(r.clientEditId)?.baseVersion;
      if (base !== undefined && r.version > base) {
        const s = steps.get(r.orderId) ?? { from: base, to: r.version, saved: 0 };
        steps.set(r.orderId, { from: Math.min(s.from, base), to: Math.max(s.to, r.version), saved: s.saved + 1 });
      }
      continue;
    }
    if (colIndex !== undefined) patches.push({ orderId: r.orderId, col: colIndex, value: displayValue(r.column, r.currentValue, ctx) });
    if (r.outcome === "conflict") {
      // Said in the staff's language from the answer's facts, not the server's English sentence.
      const theirs = String(displayValue(r.column, r.currentValue, ctx));
      marks.add(r.orderId, "conflict", r.changedBy ? t(ctx.lang, "sync.conflictBy", { who: r.changedBy, theirs }) : t(ctx.lang, "sync.conflictServer", { theirs }));
      const edit = byId.get(r.clientEditId);
      if (edit) {
        conflicts.push({
          clientEditId: r.clientEditId,
          orderId: r.orderId,
          column: edit.column,
          mine: edit.value,
          theirs: r.currentValue,
          currentVersion: r.currentVersion,
          changedBy: r.changedBy,
          changedAt: r.changedAt,
          reason: r.reason,
          ...(r.code ? { code: r.code, params: r.params ?? {} } : {}),
        });
      }
    } else {
      const edit = byId.get(r.clientEditId);
      marks.add(r.orderId, "refused", refusedText(r, edit, ctx));
      if (colIndex !== undefined) {
        refusals.push({ orderId: r.orderId, col: colIndex, mine: String(edit ? displayValue(r.column, edit.value, ctx) : ""), reason: (lang) => refusedText(r, edit, { ...ctx, lang }) });
      }
    }
  }
  // The row may take the new version only if these edits are all that happened since the
  // version it shows; a field edit saved on top of someone else's change (to another cell)
  // leaves the row at its version, so its other cells are still judged from there.
  for (const [orderId, s] of steps) if (s.to - s.from === s.saved) patches.push({ orderId, col: COL.version, value: String(s.to) });
  return { patches: [...patches, ...marks.patches()], conflicts, refusals };
}

/**
 * Why the server refused an edit, for the Sync column and the details view: worded from the
 * refusal's code and parameters (the guard that failed, the role, …) in the staff's language;
 * a server without codes falls back to the facts of a refused status move, then its sentence.
 * With the statuses the move could go to, when the server named them.
 */
export function refusedText(r: Extract<EditResult, { outcome: "refused" }>, edit: CellEdit | undefined, ctx: DisplayContext): string {
  const worded = r.code ? formatRefusal(r.code, r.params, ctx.lang) : null;
  let text = worded
    ? t(ctx.lang, "sync.refused", { reason: worded })
    : r.column === "status" && r.allowed && edit
      ? t(ctx.lang, "sync.refusedMove", { current: String(displayValue("status", r.currentValue, ctx)), mine: String(displayValue("status", edit.value, ctx)) })
      : t(ctx.lang, "sync.refused", { reason: r.reason });
  if (r.allowed?.length) {
    const labels = r.allowed.map((code) => ctx.statuses.label(code, ctx.lang)).join(listSeparator(ctx.lang));
    text += t(ctx.lang, "sync.allowed", { list: labels });
  }
  return text;
}

/** Why a conflict happened, in `lang`: worded from its code when it has one (never the server's English sentence). */
export function conflictReason(c: Pick<ConflictEntry, "code" | "params" | "reason">, lang: Lang): string {
  return (c.code ? formatRefusal(c.code, c.params, lang) : null) ?? "";
}

/** Sync-column marks saying these orders have edits waiting for the server. */
export function pendingPatches(orderIds: Iterable<string>, lang: Lang): CellPatch[] {
  const marks = new SyncMarks();
  for (const id of orderIds) marks.add(id, "pending", t(lang, "sync.pending"));
  return marks.patches();
}

/**
 * The sheet changes for edits refused locally: the reason in the Sync column and the cell
 * back to what the order holds. `known` gives the row the sheet last showed for an order
 * (undefined when unknown: the Sync column still explains, the cell is left for the next load).
 */
export function refusalPatches(refusals: readonly LocalRefusal[], known: (orderId: string) => readonly CellValue[] | undefined, lang: Lang): CellPatch[] {
  const marks = new SyncMarks();
  const patches: CellPatch[] = [];
  for (const r of refusals) {
    if (!r.orderId) continue;
    const row = known(r.orderId);
    if (row && r.col !== COL.sync) patches.push({ orderId: r.orderId, col: r.col, value: row[r.col] ?? "", format: cellFormat(r.col, String(row[COL.currency] || "CNY")) });
    marks.add(r.orderId, "refused", t(lang, "sync.refused", { reason: r.reason }));
  }
  return [...patches, ...marks.patches()];
}

/**
 * The order as the sheet now shows it after the server saved `result`: the saved value in
 * its field and the new version. Unchanged when the order is already newer (the change feed
 * got there first). Keeps the pane's idea of "what the cell holds" true, so changing a
 * cell back to its earlier value is seen as an edit.
 */
export function applySaved(order: OrderView, result: Extract<EditResult, { outcome: "saved" }>): OrderView {
  // Only the next version: a jump means someone else changed the order in between, and the
  // change feed (or the next load) brings that whole.
  if (result.version !== order.version + 1) return order;
  const text = (v: unknown) => (v === null || v === undefined ? null : String(v));
  const next: OrderView = { ...order, version: result.version };
  switch (result.column) {
    case "status":
      next.status = String(result.value);
      break;
    case "tags":
      next.tags = Array.isArray(result.value) ? result.value.map(String) : [];
      break;
    case "remark":
      next.extra = { ...order.extra, remark: result.value ?? null };
      break;
    case "region":
    case "warehouse":
    case "carrier":
    case "waybillNo":
      next[result.column] = text(result.value);
      break;
    default:
      return order;
  }
  return next;
}
