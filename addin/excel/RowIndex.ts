/// <reference types="office-js" />
import { COL, COLUMN_COUNT } from "../core/columns.js";
import { rowsPerRead } from "../core/chunking.js";
import type { SheetRow } from "../core/diffRows.js";
import { cellText } from "../core/rowsFromOrders.js";

/** Estimated response bytes per key cell and per full row, to size reads under the 5 MB cap. */
const KEY_BYTES = 64;
const ROW_BYTES = COLUMN_COUNT * 48;

/** Above this many rows, reading the whole body in chunks beats loading rows one by one. */
const SCATTERED_LIMIT = 1000;

/** What a read of the table found. */
export interface TableRead {
  rows: Map<string, SheetRow>;
  /** Data rows in the table body. */
  bodyRows: number;
  /** Whether the body is the single blank row Excel keeps in an empty table. */
  emptyBody: boolean;
}

/** Counts round trips: every `context.sync()` of a run goes through one of these. */
export type Sync = () => Promise<void>;

/**
 * Finds Orders rows by the hidden key column. Positions found last time are kept and
 * checked (the key cells are read back) before use; when a sort, filter or deletion moved
 * rows, the key column is read again. Reads are chunked to stay under the response cap.
 */
export class RowIndex {
  private positions = new Map<string, number>();

  /** Forgets every position (after the table was rebuilt). */
  reset(): void {
    this.positions.clear();
  }

  /** The full rows of `ids` (all keyed rows for "all"). One or two round trips when positions hold. */
  async readRows(table: Excel.Table, sync: Sync, ids: readonly string[] | "all"): Promise<TableRead> {
    const body = table.getDataBodyRange().load("rowCount");
    if (ids !== "all" && ids.length <= SCATTERED_LIMIT && ids.every((id) => this.positions.has(id))) {
      const probe = this.loadScattered(body, ids, COLUMN_COUNT);
      await sync();
      const read = this.checkScattered(probe, body.rowCount);
      if (read) return read;
    } else {
      await sync();
    }
    if (ids === "all" || ids.length > SCATTERED_LIMIT) return this.readAll(body, sync, body.rowCount);
    const keys = await this.readKeys(body, sync, body.rowCount);
    const found = ids.filter((id) => this.positions.has(id));
    const probe = this.loadScattered(body, found, COLUMN_COUNT);
    await sync();
    const read = this.checkScattered(probe, body.rowCount);
    return read ? { ...read, emptyBody: keys.emptyBody } : this.readAll(body, sync, body.rowCount, keys.emptyBody);
  }

  /** Positions of `ids` (only those on the sheet), verified. */
  async locate(table: Excel.Table, sync: Sync, ids: readonly string[]): Promise<Map<string, number>> {
    const body = table.getDataBodyRange().load("rowCount");
    const wanted = [...new Set(ids)];
    if (wanted.every((id) => this.positions.has(id))) {
      const probe = this.loadScattered(body, wanted, 1);
      await sync();
      if (probe.every((p) => p.row < body.rowCount && cellText(p.range.values[0][0]) === p.id)) {
        return new Map(probe.map((p) => [p.id, p.row]));
      }
    } else {
      await sync();
    }
    await this.readKeys(body, sync, body.rowCount);
    return new Map(wanted.filter((id) => this.positions.has(id)).map((id) => [id, this.positions.get(id)!]));
  }

  /** Records where newly appended rows went. */
  noteAppended(ids: readonly string[], firstRow: number): void {
    ids.forEach((id, i) => this.positions.set(id, firstRow + i));
  }

  private loadScattered(body: Excel.Range, ids: readonly string[], width: number) {
    return ids.map((id) => {
      const row = this.positions.get(id)!;
      const range = body.getCell(row, 0).getResizedRange(0, width - 1).load("values");
      return { id, row, range };
    });
  }

  private checkScattered(probe: { id: string; row: number; range: Excel.Range }[], bodyRows: number): TableRead | undefined {
    const rows = new Map<string, SheetRow>();
    for (const p of probe) {
      if (p.row >= bodyRows) return undefined;
      const values = p.range.values[0];
      if (cellText(values[COL.key]) !== p.id) return undefined;
      rows.set(p.id, { row: p.row, values });
    }
    return { rows, bodyRows, emptyBody: false };
  }

  private async readKeys(body: Excel.Range, sync: Sync, bodyRows: number): Promise<{ emptyBody: boolean }> {
    const step = rowsPerRead(KEY_BYTES);
    const positions = new Map<string, number>();
    let emptyBody = false;
    for (let start = 0; start < bodyRows; start += step) {
      const count = Math.min(step, bodyRows - start);
      const part = body.getCell(start, COL.key).getResizedRange(count - 1, 0).load("values");
      await sync(); // one round trip per chunk: each response must stay under the cap
      part.values.forEach((v, i) => {
        const key = cellText(v[0]).trim();
        if (key) positions.set(key, start + i);
      });
      if (bodyRows === 1) emptyBody = positions.size === 0;
    }
    this.positions = positions;
    return { emptyBody };
  }

  private async readAll(body: Excel.Range, sync: Sync, bodyRows: number, knownEmpty = false): Promise<TableRead> {
    const step = rowsPerRead(ROW_BYTES);
    const rows = new Map<string, SheetRow>();
    const positions = new Map<string, number>();
    let blankRows = 0;
    for (let start = 0; start < bodyRows; start += step) {
      const count = Math.min(step, bodyRows - start);
      const part = body.getCell(start, 0).getResizedRange(count - 1, COLUMN_COUNT - 1).load("values");
      await sync(); // one round trip per chunk: each response must stay under the cap
      part.values.forEach((values, i) => {
        const key = cellText(values[COL.key]).trim();
        if (!key) {
          if (values.every((v) => cellText(v) === "")) blankRows++;
          return;
        }
        rows.set(key, { row: start + i, values });
        positions.set(key, start + i);
      });
    }
    this.positions = positions;
    return { rows, bodyRows, emptyBody: knownEmpty || (bodyRows === 1 && blankRows === 1) };
  }
}
