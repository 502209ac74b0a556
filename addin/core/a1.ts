import { columnIndex, columnLetter } from "./columns.js";

/** A rectangular block of cells, 0-based and inclusive. */
export interface CellBlock {
  top: number;
  left: number;
  bottom: number;
  right: number;
}

const CELL = /^\$?([A-Za-z]{1,3})?\$?(\d+)?$/;

/**
 * Parses an A1 address ("D5", "Orders!$D$5:$F$7", "'My sheet'!A:C", "5:7") into a block.
 * Whole columns/rows extend to the sheet's edges. Throws on anything else.
 */
export function parseA1(address: string): CellBlock {
  const bang = address.lastIndexOf("!");
  const local = bang >= 0 ? address.slice(bang + 1) : address;
  const [a, b = a] = local.split(":");
  const p = CELL.exec(a);
  const q = CELL.exec(b);
  if (!p || !q || (!p[1] && !p[2]) || (!q[1] && !q[2])) throw new Error(`not an A1 address: ${address}`);
  const MAX_ROW = 1_048_575;
  const MAX_COL = 16_383;
  const top = p[2] ? Number(p[2]) - 1 : 0;
  const bottom = q[2] ? Number(q[2]) - 1 : MAX_ROW;
  const left = p[1] ? columnIndex(p[1]) : 0;
  const right = q[1] ? columnIndex(q[1]) : MAX_COL;
  return { top: Math.min(top, bottom), bottom: Math.max(top, bottom), left: Math.min(left, right), right: Math.max(left, right) };
}

/** The A1 address of a block ("D5" or "D5:F7"), without a sheet name. */
export function formatA1(block: CellBlock): string {
  const first = `${columnLetter(block.left)}${block.top + 1}`;
  if (block.top === block.bottom && block.left === block.right) return first;
  return `${first}:${columnLetter(block.right)}${block.bottom + 1}`;
}
