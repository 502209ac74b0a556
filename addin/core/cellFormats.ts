import { COL, COLUMNS, type ColumnId } from "./columns.js";
import type { CellValue } from "./rowsFromOrders.js";

/** How a column's cells are typed in Excel. */
export type CellKind = "text" | "money" | "datetime" | "integer";

/** Number format that keeps what is written as text: long digit strings keep every digit, `=`/`+`/`-` never start a formula. */
export const TEXT_FORMAT = "@";

/** Number format of date-time cells (a serial shown as wall-clock time of the workspace zone). */
export const DATETIME_FORMAT = "yyyy-mm-dd hh:mm";

/** Number format of whole quantities. */
export const INTEGER_FORMAT = "0";

/** Currency symbols for amount formats; other currencies show the amount with two decimals and their code. */
const CURRENCY_SYMBOLS: Record<string, string> = { CNY: "¥", RMB: "¥", USD: "$", EUR: "€", GBP: "£", JPY: "¥", HKD: "HK$" };

/** The number format of an amount in `currency` (e.g. `¥#,##0.00` for CNY). */
export function moneyFormat(currency: string): string {
  const symbol = CURRENCY_SYMBOLS[currency.toUpperCase()];
  return symbol ? `${symbol}#,##0.00` : `#,##0.00 "${currency.replace(/"/g, "")}"`;
}

/** The kind of each Orders column: amounts are numbers, times serial dates, everything else text. */
const KINDS: Partial<Record<ColumnId, CellKind>> = {
  amount: "money",
  placedAt: "datetime",
  statusSince: "datetime",
  updatedAt: "datetime",
};

/** The cell kind of an Orders column (0-based). */
export function columnKind(col: number): CellKind {
  return KINDS[COLUMNS[col]?.id] ?? "text";
}

/** The number format of a cell of column `col`; `currency` is the row's currency (amount cells). */
export function cellFormat(col: number, currency = "CNY"): string {
  switch (columnKind(col)) {
    case "money":
      return moneyFormat(currency);
    case "datetime":
      return DATETIME_FORMAT;
    case "integer":
      return INTEGER_FORMAT;
    default:
      return TEXT_FORMAT;
  }
}

/** Number formats of a block of Orders cells, as column runs: one scalar per run, or one per row where rows differ. */
export interface FormatRun {
  /** First column of the run, relative to the block. */
  offset: number;
  width: number;
  /** One format for every cell of the run, or one per row (amounts of rows in different currencies). */
  format: string | string[];
}

/**
 * The number formats to set on a block of Orders cells starting at column `firstCol`, grouped
 * into runs of adjacent columns with the same format so a write costs a few calls, not one per
 * cell. An amount cell takes the currency of its row (the block carries it: runs that touch
 * the amount always include the currency next to it).
 */
export function formatRuns(firstCol: number, values: readonly (readonly CellValue[])[]): FormatRun[] {
  const width = values[0]?.length ?? 0;
  const currencyAt = COL.currency - firstCol;
  const perColumn: (string | string[])[] = [];
  for (let c = 0; c < width; c++) {
    const col = firstCol + c;
    if (columnKind(col) !== "money") {
      perColumn.push(cellFormat(col));
      continue;
    }
    const formats = values.map((row) => cellFormat(col, currencyAt >= 0 && currencyAt < width ? String(row[currencyAt] || "CNY") : "CNY"));
    perColumn.push(formats.every((f) => f === formats[0]) ? formats[0] : formats);
  }
  const runs: FormatRun[] = [];
  perColumn.forEach((format, c) => {
    const last = runs[runs.length - 1];
    if (last && typeof format === "string" && last.format === format) last.width++;
    else runs.push({ offset: c, width: 1, format });
  });
  return runs;
}

/** How many column runs `formatRuns` makes for a block of `width` columns from `firstCol` (rows in one currency). */
export function formatRunCount(firstCol: number, width: number): number {
  let runs = 0;
  let last = "";
  for (let c = 0; c < width; c++) {
    const f = cellFormat(firstCol + c);
    if (c === 0 || f !== last) runs++;
    last = f;
  }
  return runs;
}

const MS_PER_DAY = 86_400_000;
/** Days from Excel's 1900 epoch (serial 0) to 1970-01-01. */
const UNIX_EPOCH_SERIAL = 25_569;

const wallClocks = new Map<string, Intl.DateTimeFormat>();
function wallClock(timeZone: string): Intl.DateTimeFormat {
  let f = wallClocks.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric", hourCycle: "h23" });
    wallClocks.set(timeZone, f);
  }
  return f;
}

/**
 * An instant as an Excel date serial of its wall-clock time in `timeZone` (Excel dates have no
 * zone: 2026-01-15 10:00 in Shanghai is the serial of 2026-01-15 10:00), to the second.
 * Empty for null or unparseable input, so the cell stays blank.
 */
export function excelSerial(iso: string | null | undefined, timeZone: string): number | "" {
  if (!iso) return "";
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) return "";
  const p: Record<string, number> = {};
  for (const part of wallClock(timeZone).formatToParts(new Date(ms))) if (part.type !== "literal") p[part.type] = Number(part.value);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall / MS_PER_DAY + UNIX_EPOCH_SERIAL;
}

/** The wall-clock time "YYYY-MM-DD HH:mm" a serial stands for (how Excel shows it with DATETIME_FORMAT). */
export function serialText(serial: number): string {
  const ms = Math.round((serial - UNIX_EPOCH_SERIAL) * MS_PER_DAY);
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ");
}

/** An amount in major units ("19.90") as the number its cell holds; empty when it is not a number. */
export function amountNumber(amount: string | null | undefined): number | "" {
  if (amount === null || amount === undefined || amount === "") return "";
  const n = Number(amount);
  return Number.isFinite(n) ? n : "";
}

/**
 * Whether two cell values are the same content, type included: a number and its text differ,
 * so a cell that lost its type (pasted as text, or written before cells were typed) is rewritten.
 */
export function sameCell(a: unknown, b: unknown): boolean {
  const blank = (v: unknown) => v === null || v === undefined || v === "";
  if (blank(a) || blank(b)) return blank(a) && blank(b);
  if (typeof a === "number" && typeof b === "number") return Math.abs(a - b) < 1e-9;
  return typeof a === typeof b && String(a) === String(b);
}
