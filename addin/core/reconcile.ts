import { COL, COLUMNS } from "./columns.js";
import { protectKey } from "./diffRows.js";
import type { ChangedBlock } from "./editCapture.js";
import { cellText, type CellValue } from "./rowsFromOrders.js";

/** The editable columns of the Orders table (0-based), which a reconciliation reads back. */
export const EDITABLE_INDEXES: readonly number[] = COLUMNS.flatMap((c, i) => (c.editable ? [i] : []));

/**
 * Cells whose content differs from what the pane believes the sheet shows — edits no change
 * event reported (a drag-fill over filtered rows, a pick the host did not announce) — as
 * single-cell changed blocks, ready for edit capture. Cells with an edit still waiting for the
 * server (`pending`, as `protectKey`) and orders the pane does not know are left alone.
 */
export function missedEdits(
  read: ReadonlyMap<number, ReadonlyMap<string, CellValue>>,
  versions: ReadonlyMap<string, CellValue>,
  known: (orderId: string) => readonly CellValue[] | undefined,
  pending: ReadonlySet<string>,
): ChangedBlock[] {
  const blocks: ChangedBlock[] = [];
  for (const [col, cells] of read) {
    for (const [orderId, value] of cells) {
      const row = known(orderId);
      if (!row || pending.has(protectKey(orderId, col))) continue;
      if (cellText(value) === cellText(row[col])) continue;
      // The sheet's version must be the one the pane wrote: otherwise the row is mid-update.
      if (cellText(versions.get(orderId)) !== cellText(row[COL.version])) continue;
      blocks.push({ firstRow: 0, firstCol: col, values: [[value]], keys: [orderId], versions: [versions.get(orderId) ?? ""], before: row[col] });
    }
  }
  return blocks;
}
