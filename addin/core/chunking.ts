import { formatRunCount } from "./cellFormats.js";
import { COL } from "./columns.js";
import type { CellRun, WritePlan } from "./diffRows.js";
import type { CellValue } from "./rowsFromOrders.js";

/** Excel on the web refuses requests and responses over 5 MB. */
export const EXCEL_WEB_REQUEST_LIMIT = 5 * 1024 * 1024;

/** The most a batch of writes may weigh: well under the limit, leaving room for the protocol. */
export const DEFAULT_MAX_BATCH_BYTES = 4_000_000;

/** Estimated protocol bytes per write call besides its values (action, object path, address). */
export const CALL_OVERHEAD_BYTES = 300;

/** Protocol bytes of a write op of `width` columns from `firstCol`: its values call and one number-format call per column run. */
function opOverhead(firstCol: number, width: number): number {
  return CALL_OVERHEAD_BYTES * (1 + formatRunCount(firstCol, width));
}

/** Bytes a row adds for a number format of its own (an amount in another currency than its neighbours'). */
const ROW_FORMAT_BYTES = 32;

/** Extra format bytes a row may cost: rows outside CNY carry their own amount format. */
function rowFormatBytes(row: readonly CellValue[], firstCol: number): number {
  const at = COL.currency - firstCol;
  if (at < 0 || at >= row.length) return 0;
  const currency = String(row[at] ?? "");
  return currency && currency !== "CNY" ? ROW_FORMAT_BYTES : 0;
}

/** One write call: a block of cells at a 0-based data-row and column position of the table. */
export interface WriteOp {
  row: number;
  col: number;
  values: CellValue[][];
}

/** Writes sent together in one `context.sync()`. */
export interface WriteBatch {
  ops: WriteOp[];
  /** Estimated request size. */
  bytes: number;
  /** Data rows written (updated or appended). */
  rows: number;
}

/** Counts of what a write costs: Excel calls, round trips, and bytes on the wire. */
export interface WriteCost {
  calls: number;
  syncs: number;
  bytes: number;
  maxBatchBytes: number;
}

/** Bytes one value takes in a JSON payload (UTF-8). */
export function jsonValueBytes(value: CellValue | null | undefined): number {
  if (value === null || value === undefined) return 4;
  if (typeof value !== "string") return String(value).length;
  let n = 2;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x22 || c === 0x5c) n += 2;
    else if (c === 0x08 || c === 0x09 || c === 0x0a || c === 0x0c || c === 0x0d) n += 2;
    else if (c < 0x20) n += 6;
    else if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Bytes a row of values takes as a JSON array, with its separator. */
export function jsonRowBytes(row: readonly CellValue[]): number {
  let n = 2 + Math.max(0, row.length - 1);
  for (const v of row) n += jsonValueBytes(v);
  return n + 1;
}

/** Stacks single-row runs of the same columns on consecutive rows into blocks. */
function blocksFromRuns(runs: readonly CellRun[]): { row: number; col: number; values: CellValue[][] }[] {
  const sorted = [...runs].sort((a, b) => a.col - b.col || a.values.length - b.values.length || a.row - b.row);
  const blocks: { row: number; col: number; values: CellValue[][] }[] = [];
  for (const run of sorted) {
    const last = blocks[blocks.length - 1];
    if (last && last.col === run.col && last.values[0].length === run.values.length && last.row + last.values.length === run.row) {
      last.values.push(run.values);
    } else {
      blocks.push({ row: run.row, col: run.col, values: [run.values] });
    }
  }
  return blocks;
}

/**
 * Splits a write plan into batches whose estimated JSON payload stays under `maxBytes`
 * (default 4 MB, under Excel on the web's 5 MB cap). In-place updates come first, stacked
 * into blocks where rows line up; appended rows follow from data row `appendAt` (the table
 * is grown to fit them before the first batch) in as few calls as fit.
 */
export function chunkWrites(plan: Pick<WritePlan, "updates" | "appends">, appendAt: number, maxBytes = DEFAULT_MAX_BATCH_BYTES): WriteBatch[] {
  const batches: WriteBatch[] = [];
  let current: WriteBatch = { ops: [], bytes: 0, rows: 0 };
  const budget = maxBytes - CALL_OVERHEAD_BYTES * 8;
  const close = () => {
    if (current.ops.length) batches.push(current);
    current = { ops: [], bytes: 0, rows: 0 };
  };
  const place = (make: (rows: CellValue[][]) => WriteOp, rows: CellValue[][], firstCol: number) => {
    const rowBytes = (row: CellValue[]) => jsonRowBytes(row) + rowFormatBytes(row, firstCol);
    const overhead = opOverhead(firstCol, rows[0]?.length ?? 0);
    let start = 0;
    while (start < rows.length) {
      if (current.bytes + overhead + rowBytes(rows[start]) > maxBytes && current.ops.length) close();
      let bytes = overhead + 2;
      let end = start;
      while (end < rows.length) {
        const b = rowBytes(rows[end]);
        if (end > start && current.bytes + bytes + b > budget) break;
        bytes += b;
        end++;
      }
      const slice = rows.slice(start, end);
      current.ops.push(make(slice));
      current.bytes += bytes;
      current.rows += slice.length;
      start = end;
      if (start < rows.length) close();
    }
  };
  for (const block of blocksFromRuns(plan.updates)) {
    let offset = 0;
    place((rows) => {
      const op: WriteOp = { row: block.row + offset, col: block.col, values: rows };
      offset += rows.length;
      return op;
    }, block.values, block.col);
  }
  let appended = 0;
  place((rows) => {
    const op: WriteOp = { row: appendAt + appended, col: 0, values: rows };
    appended += rows.length;
    return op;
  }, plan.appends, 0);
  close();
  return batches;
}

/** What a set of batches costs: one call per op, one sync per batch. */
export function writeCost(batches: readonly WriteBatch[]): WriteCost {
  return {
    calls: batches.reduce((n, b) => n + b.ops.length, 0),
    syncs: batches.length,
    bytes: batches.reduce((n, b) => n + b.bytes, 0),
    maxBatchBytes: batches.reduce((n, b) => Math.max(n, b.bytes), 0),
  };
}

/** How many data rows to read per round trip so a response stays under `maxBytes`. */
export function rowsPerRead(bytesPerRow: number, maxBytes = DEFAULT_MAX_BATCH_BYTES): number {
  return Math.max(1, Math.floor(maxBytes / Math.max(1, bytesPerRow)));
}

/**
 * What writing `plan` costs, as the Excel layer performs it: the batches, plus one call
 * to grow the table when rows are appended (made in the first batch, so no extra sync).
 */
export function planCost(plan: Pick<WritePlan, "updates" | "appends">, appendAt: number, maxBytes = DEFAULT_MAX_BATCH_BYTES): WriteCost & { batches: WriteBatch[] } {
  const batches = chunkWrites(plan, appendAt, maxBytes);
  const cost = writeCost(batches);
  if (plan.appends.length) cost.calls += 1;
  return { ...cost, batches };
}
