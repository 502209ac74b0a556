import { ROLE_LABELS } from "../../server/contracts/access.js";
import { EDITABLE_COLUMNS, EDITABLE_COLUMN_NAMES, type CellEdit, type EditableColumn } from "../../server/contracts/edits.js";
import { isReadOnlyRole, type Role } from "../../server/contracts/roles.js";
import { COL, COLUMNS, COLUMN_COUNT, columnForEditable } from "./columns.js";
import { listSeparator, t, type Lang } from "./i18n.js";
import { cellText } from "./rowsFromOrders.js";
import type { StatusBook } from "./StatusBook.js";

/** Who caused a change event, as Excel reports it (all optional: older hosts omit some). */
export interface ChangeOrigin {
  /** `Local` or `Remote` (a co-author's change, captured by their own pane). */
  source?: string;
  /** `ThisLocalAddin` for the add-in's own writes (ExcelApi 1.14). */
  triggerSource?: string;
  /** Whether the add-in is writing right now (the guard for hosts without `triggerSource`). */
  writeInProgress: boolean;
}

/** Whether a change event must be ignored: the add-in's own write, or a co-author's. */
export function isOwnOrRemoteChange(origin: ChangeOrigin): boolean {
  if (origin.source === "Remote") return true;
  if (origin.triggerSource === "ThisLocalAddin") return true;
  return origin.triggerSource === undefined && origin.writeInProgress;
}

/** A changed block of the Orders table, read back right after the change event. */
export interface ChangedBlock {
  /** 0-based data row (within the table body) of the block's first row. */
  firstRow: number;
  /** 0-based table column of the block's first column. */
  firstCol: number;
  /** The cells' values now, one array per row. */
  values: readonly (readonly unknown[])[];
  /** The hidden key column of each row of the block. */
  keys: readonly unknown[];
  /** The hidden version column of each row of the block. */
  versions: readonly unknown[];
  /** For a single-cell edit: the value before (Excel gives old values only for one cell). */
  before?: unknown;
}

/** What edit capture needs besides the block. */
export interface CaptureContext {
  statuses: StatusBook;
  lang: Lang;
  /** The caller's role, to refuse at once what the server would refuse. */
  role?: Role;
  /**
   * The columns the workspace's access policy lets this user edit (`editableColumns` of
   * `GET /api/me`). Until the server has answered, the built-in role table stands in.
   */
  editableColumns?: readonly EditableColumn[];
  /** A fresh, unique client edit ID. */
  newId: () => string;
}

/**
 * The columns the user may edit: the server's list for them when known, else what the
 * built-in role table allows the role (everything when the role is not known yet either).
 */
export function editableColumnsFor(ctx: Pick<CaptureContext, "role" | "editableColumns">): EditableColumn[] {
  if (ctx.editableColumns) return EDITABLE_COLUMN_NAMES.filter((c) => ctx.editableColumns!.includes(c));
  if (!ctx.role) return [...EDITABLE_COLUMN_NAMES];
  if (isReadOnlyRole(ctx.role)) return [];
  return EDITABLE_COLUMN_NAMES.filter((c) => (EDITABLE_COLUMNS[c].roles as readonly Role[]).includes(ctx.role!));
}

/** Why the user may not edit `column`, naming their role and the columns they may edit. */
export function columnRefusalText(column: EditableColumn, ctx: Pick<CaptureContext, "role" | "editableColumns" | "lang">): string {
  const role = ctx.role ? ROLE_LABELS[ctx.role][ctx.lang] : "?";
  const header = (c: EditableColumn) => columnForEditable(c)?.header[ctx.lang] ?? c;
  const allowed = editableColumnsFor(ctx);
  if (!allowed.length) return t(ctx.lang, "refuse.noColumns", { role });
  return t(ctx.lang, "refuse.role", { role, column: header(column), columns: allowed.map(header).join(listSeparator(ctx.lang)) });
}

/** An edit to send, with where it was made and the cell text as typed. */
export interface CapturedEdit {
  edit: CellEdit;
  row: number;
  col: number;
  text: string;
}

/** An edit refused without asking the server, to be reverted with `reason` shown. */
export interface LocalRefusal {
  /** The order, when the row has one. */
  orderId: string | null;
  row: number;
  col: number;
  reason: string;
  /** The cell text that was refused. */
  text: string;
}

/** The outcome of capturing one change. */
export interface Capture {
  edits: CapturedEdit[];
  refusals: LocalRefusal[];
}

const MAX_TEXT = 2000;

/** Tags as typed: comma, semicolon (either width) or newline separated. */
export function normaliseTags(text: string): string {
  return text
    .split(/[,，;；\n]+/)
    .map((s) => s.trim())
    .filter(Boolean)
    .join(",");
}

/**
 * Turns a changed block (one typed cell, or a paste read back from the range) into
 * cell edits: status labels become state codes, text is trimmed (empty clears), and
 * edits the server would never accept — system columns, rows without an order, columns
 * the access policy does not let this user edit — are refused here with a reason.
 */
export function captureEdits(block: ChangedBlock, ctx: CaptureContext): Capture {
  const out: Capture = { edits: [], refusals: [] };
  const single = block.values.length === 1 && block.values[0]?.length === 1;
  block.values.forEach((cells, r) => {
    const row = block.firstRow + r;
    const key = cellText(block.keys[r]).trim();
    cells.forEach((raw, c) => {
      const col = block.firstCol + c;
      if (col < 0 || col >= COLUMN_COUNT) return;
      const text = cellText(raw);
      const refuse = (reason: string, orderId: string | null = key || null) => out.refusals.push({ orderId, row, col, reason, text });
      if (col === COL.key || col === COL.version) {
        const original = col === COL.key && single ? cellText(block.before).trim() : key;
        return refuse(t(ctx.lang, "refuse.keyColumn"), original || null);
      }
      if (!key) {
        if (text.trim() !== "") refuse(t(ctx.lang, "refuse.noKey"), null);
        return;
      }
      if (single && block.before !== undefined && cellText(block.before) === text) return;
      const def = COLUMNS[col];
      if (!def.editable) return refuse(t(ctx.lang, "refuse.systemColumn", { column: def.header[ctx.lang] }));
      if (ctx.role && isReadOnlyRole(ctx.role)) return refuse(t(ctx.lang, "refuse.readOnly"));
      if (!editableColumnsFor(ctx).includes(def.editable)) return refuse(columnRefusalText(def.editable, ctx));
      const baseVersion = Number(cellText(block.versions[r]));
      if (!Number.isInteger(baseVersion) || baseVersion < 1) return refuse(t(ctx.lang, "refuse.keyColumn"));
      let value: string | null;
      const type = EDITABLE_COLUMNS[def.editable].type;
      if (type === "status") {
        const code = ctx.statuses.code(text);
        if (!code) return refuse(t(ctx.lang, "refuse.unknownStatus", { value: text }));
        value = code;
      } else if (type === "tags") {
        value = normaliseTags(text) || null;
      } else {
        value = text.trim() || null;
      }
      if (value !== null && value.length > MAX_TEXT) return refuse(t(ctx.lang, "refuse.tooLong"));
      out.edits.push({
        edit: { clientEditId: ctx.newId(), orderId: key, column: def.editable, baseVersion, value },
        row,
        col,
        text,
      });
    });
  });
  return out;
}
