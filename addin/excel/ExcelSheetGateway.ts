/// <reference types="office-js" />
import { cellFormat, formatRuns } from "../core/cellFormats.js";
import { chunkWrites, DEFAULT_MAX_BATCH_BYTES, jsonValueBytes, rowsPerRead } from "../core/chunking.js";
import { COL, COLUMN_COUNT, columnLetter } from "../core/columns.js";
import { removalBlocks, type SheetSnapshot, type WritePlan } from "../core/diffRows.js";
import { isOwnOrRemoteChange, type ChangedBlock, type ChangeOrigin } from "../core/editCapture.js";
import type { CellPatch } from "../core/resultPlan.js";
import type { CellValue } from "../core/rowsFromOrders.js";
import type { ListSheet, SheetGateway, SyncOutcome, WorkbookSetup, WriteProgress } from "../core/SheetGateway.js";
import { ORDERS_TABLE, TEXT_FORMAT } from "./names.js";
import { SHEET_MARKERS, type SheetNames } from "./sheetMarkers.js";
import { prepareWorkbook } from "./prepareWorkbook.js";
import { RowIndex, type Sync } from "./RowIndex.js";

/** The part of the `Excel` namespace the gateway runs batches with (tests pass a mock). */
export interface ExcelHost {
  run: typeof Excel.run;
}

/** Patches written per round trip (each is a few hundred bytes at most). */
const PATCHES_PER_SYNC = 5000;

/** Sets a scalar on a cell-level property: Excel applies it to every cell of the range. */
function setAll(range: Excel.Range, property: "numberFormat", value: string): void {
  (range as unknown as Record<string, unknown>)[property] = value;
}

/**
 * Writes a block of Orders cells typed: the number formats of its column runs first (text
 * columns `@`, so long digit strings and text starting with `=`, `+` or `-` stay text; amounts
 * a currency format; times a date format), then the values. Returns the calls queued.
 */
export function writeTyped(body: Excel.Range, row: number, col: number, values: CellValue[][]): number {
  let calls = 0;
  for (const run of formatRuns(col, values)) {
    const range = body.getCell(row, col + run.offset).getResizedRange(values.length - 1, run.width - 1);
    if (typeof run.format === "string") setAll(range, "numberFormat", run.format);
    else range.numberFormat = run.format.map((f) => [f]);
    calls++;
  }
  body.getCell(row, col).getResizedRange(values.length - 1, values[0].length - 1).values = values;
  return calls + 1;
}

/**
 * The workbook over Office.js: one `Excel.run` per call, only what is read is loaded, and
 * writes go out in chunks under Excel on the web's 5 MB request cap (one sync per chunk,
 * never one per row). While it writes, change events are recognised as its own.
 */
export class ExcelSheetGateway implements SheetGateway {
  private readonly index = new RowIndex();
  private writing = 0;
  private writes: Promise<void> = Promise.resolve();

  constructor(
    private readonly excel: ExcelHost = Excel,
    private readonly maxBatchBytes = DEFAULT_MAX_BATCH_BYTES,
  ) {}

  /** Whether a write of the add-in is under way (its change events are ignored). */
  get writeInProgress(): boolean {
    return this.writing > 0;
  }

  /**
   * Runs one writing batch at a time: a batch locates rows and then writes them, so another
   * batch deleting or appending rows in between would shift its targets.
   */
  private write<T>(batch: (context: Excel.RequestContext) => Promise<T>): Promise<T> {
    const run = this.writes.then(async () => {
      this.writing++;
      try {
        return await this.excel.run(batch);
      } finally {
        this.writing--;
      }
    });
    this.writes = run.then(
      () => undefined,
      () => undefined,
    );
    return run;
  }

  /** Where the pane's sheets are, as the last `prepare` found them (staff may rename them). */
  private names: SheetNames = { orders: "Orders", lists: "Lists", alerts: "Alerts", conflicts: "Conflicts" };

  async prepare(setup: WorkbookSetup): Promise<void> {
    const { created, names } = await this.write((context) => prepareWorkbook(context, setup));
    this.names = names;
    if (created) this.index.reset();
  }

  async syncRows(ids: readonly string[] | "all", plan: (snapshot: SheetSnapshot) => WritePlan, progress?: WriteProgress): Promise<SyncOutcome> {
    return this.write(async (context) => {
      let syncs = 0;
      const sync: Sync = async () => {
        syncs++;
        await context.sync();
      };
      const table = context.workbook.tables.getItem(ORDERS_TABLE);
      const header = table.getHeaderRowRange().load("rowIndex,columnIndex");
      const read = await this.index.readRows(table, sync, ids);
      const writePlan = plan(read.rows);
      const appendAt = read.emptyBody ? 0 : read.bodyRows;
      const batches = chunkWrites(writePlan, appendAt, this.maxBatchBytes);
      const total = batches.reduce((n, b) => n + b.rows, 0);
      let calls = 0;
      let bytes = 0;
      let done = 0;
      if (writePlan.appends.length) {
        const top = header.rowIndex + 1;
        const lastRow = top + appendAt + writePlan.appends.length;
        table.resize(table.worksheet.getRange(`${columnLetter(header.columnIndex)}${top}:${columnLetter(header.columnIndex + COLUMN_COUNT - 1)}${lastRow}`));
        calls++;
      }
      const body = table.getDataBodyRange();
      for (const batch of batches) {
        for (const op of batch.ops) {
          calls += writeTyped(body, op.row, op.col, op.values);
        }
        bytes += batch.bytes;
        await sync(); // one round trip per chunk: each request must stay under the 5 MB cap
        done += batch.rows;
        progress?.(done, total);
      }
      this.index.noteAppended(writePlan.appendedIds, appendAt);
      if (writePlan.removes.length) {
        // After the writes (their positions were read before any row moved), bottom block
        // first; positions are re-read next time.
        let queued = 0;
        for (const [first, count] of removalBlocks(writePlan.removes.map((r) => r.row))) {
          body.getCell(first, 0).getResizedRange(count - 1, COLUMN_COUNT - 1).delete("Up");
          calls++;
          if (++queued === PATCHES_PER_SYNC) {
            await sync();
            queued = 0;
          }
        }
        if (queued) await sync();
        this.index.reset();
      }
      return { plan: writePlan, syncs, calls, bytes };
    });
  }

  async readColumn(col: number): Promise<Map<string, CellValue>> {
    return this.excel.run(async (context) => {
      const body = context.workbook.tables.getItem(ORDERS_TABLE).getDataBodyRange().load("rowCount");
      await context.sync();
      const out = new Map<string, CellValue>();
      const step = rowsPerRead(256);
      for (let start = 0; start < body.rowCount; start += step) {
        const count = Math.min(step, body.rowCount - start);
        const keys = body.getCell(start, COL.key).getResizedRange(count - 1, 0).load("values");
        const values = body.getCell(start, col).getResizedRange(count - 1, 0).load("values");
        await context.sync(); // one round trip per chunk, to stay under the response cap
        keys.values.forEach((k, i) => {
          const id = String(k[0] ?? "").trim();
          if (id) out.set(id, values.values[i][0] as CellValue);
        });
      }
      return out;
    });
  }

  async patchCells(patches: readonly CellPatch[]): Promise<void> {
    if (!patches.length) return;
    await this.write(async (context) => {
      const sync: Sync = () => context.sync();
      const table = context.workbook.tables.getItem(ORDERS_TABLE);
      const positions = await this.index.locate(table, sync, patches.map((p) => p.orderId));
      const body = table.getDataBodyRange();
      let pending = 0;
      for (const p of patches) {
        const row = positions.get(p.orderId);
        if (row === undefined) continue;
        const cell = body.getCell(row, p.col);
        setAll(cell, "numberFormat", p.format ?? cellFormat(p.col));
        cell.values = [[p.value]];
        if (p.fill === "") cell.format.fill.clear();
        else if (p.fill) cell.format.fill.color = p.fill;
        if (++pending === PATCHES_PER_SYNC) {
          await sync(); // one round trip per chunk of patches, to stay under the request cap
          pending = 0;
        }
      }
      if (pending) await sync();
    });
  }

  async onEdit(handler: (block: ChangedBlock, origin: ChangeOrigin) => void, onError?: (error: unknown) => void): Promise<() => Promise<void>> {
    const registration = await this.excel.run(async (context) => {
      const sheet = context.workbook.tables.getItem(ORDERS_TABLE).worksheet;
      const reg = sheet.onChanged.add(async (args: Excel.WorksheetChangedEventArgs) => {
        const origin: ChangeOrigin = { source: args.source, triggerSource: args.triggerSource, writeInProgress: this.writeInProgress };
        if (isOwnOrRemoteChange(origin) || args.changeType !== "RangeEdited") return;
        try {
          const block = await this.readBlock(args.address, args.details?.valueBefore);
          if (block) handler(block, origin);
        } catch (error) {
          onError?.(error);
        }
      });
      await context.sync();
      return reg;
    });
    return async () => {
      await this.excel.run(registration.context, async (context) => {
        registration.remove();
        await context.sync();
      });
    };
  }

  /** Reads a changed area of the Orders sheet back, clipped to the table body, with the rows' keys and versions. */
  private readBlock(address: string, before: unknown): Promise<ChangedBlock | undefined> {
    return this.excel.run(async (context) => {
      const table = context.workbook.tables.getItem(ORDERS_TABLE);
      const sheet = table.worksheet;
      const body = table.getDataBodyRange().load("rowIndex,columnIndex");
      const changed = sheet.getRange(address);
      const inBody = changed.getIntersectionOrNullObject(table.getDataBodyRange()).load("isNullObject,values,rowIndex,columnIndex");
      const keyBand = table.getDataBodyRange().getColumn(COL.key).getResizedRange(0, 1);
      const band = changed.getEntireRow().getIntersectionOrNullObject(keyBand).load("isNullObject,values,rowIndex");
      await context.sync();
      if (inBody.isNullObject || band.isNullObject) return undefined;
      const bandRow = (r: number) => band.values[inBody.rowIndex + r - band.rowIndex] ?? [];
      const single = inBody.values.length === 1 && inBody.values[0].length === 1;
      return {
        firstRow: inBody.rowIndex - body.rowIndex,
        firstCol: inBody.columnIndex - body.columnIndex,
        values: inBody.values,
        keys: inBody.values.map((_, r) => bandRow(r)[0]),
        versions: inBody.values.map((_, r) => bandRow(r)[1]),
        ...(single && before !== undefined ? { before } : {}),
      };
    });
  }

  async selectedListRows(name: ListSheet): Promise<CellValue[][]> {
    return this.excel.run(async (context) => {
      const sheet = context.workbook.names.getItem(SHEET_MARKERS[name === "Alerts" ? "alerts" : "conflicts"]).getRange().worksheet.load("name");
      const selected = context.workbook.getSelectedRange().load("rowIndex,rowCount");
      const home = selected.worksheet.load("name");
      await context.sync();
      if (home.name !== sheet.name) return [];
      const top = Math.max(1, selected.rowIndex); // the header row is not a conflict
      const bottom = selected.rowIndex + selected.rowCount - 1;
      if (bottom < top) return [];
      const rows = sheet.getRange(`A${top + 1}:G${bottom + 1}`).load("values");
      await context.sync();
      return rows.values as CellValue[][];
    });
  }

  async filterRows(orderIds: readonly string[] | null): Promise<void> {
    await this.excel.run(async (context) => {
      const table = context.workbook.tables.getItem(ORDERS_TABLE);
      table.worksheet.activate();
      if (orderIds === null) table.autoFilter.clearCriteria();
      // An empty list filters every row out: the count said there were none.
      else table.autoFilter.apply(table.getRange(), COL.orderId, { filterOn: Excel.FilterOn.values, values: orderIds.length ? [...orderIds] : ["\u0000"] });
      await context.sync();
    });
  }

  async select(orderId: string, col: number): Promise<boolean> {
    return this.excel.run(async (context) => {
      const table = context.workbook.tables.getItem(ORDERS_TABLE);
      const positions = await this.index.locate(table, () => context.sync(), [orderId]);
      const row = positions.get(orderId);
      if (row === undefined) return false;
      table.worksheet.activate();
      table.getDataBodyRange().getCell(row, col).select();
      await context.sync();
      return true;
    });
  }

  async writeList(name: ListSheet, headers: string[], rows: CellValue[][]): Promise<void> {
    await this.write(async (context) => {
      // Found by its hidden marker: staff may have renamed it since the last prepare.
      const sheet = context.workbook.names.getItem(SHEET_MARKERS[name === "Alerts" ? "alerts" : "conflicts"]).getRange().worksheet;
      const last = columnLetter(headers.length - 1);
      sheet.getRange(`A:${last}`).clear();
      const all = [headers, ...rows.map((r) => headers.map((_, i) => r[i] ?? ""))];
      let start = 0;
      while (start < all.length) {
        let bytes = 0;
        let end = start;
        while (end < all.length && (end === start || bytes < this.maxBatchBytes / 2)) {
          bytes += all[end].reduce<number>((n, v) => n + jsonValueBytes(v) + 1, 2);
          end++;
        }
        const range = sheet.getRange(`A${start + 1}:${last}${end}`);
        setAll(range, "numberFormat", TEXT_FORMAT);
        range.values = all.slice(start, end);
        await context.sync(); // one round trip per chunk, to stay under the request cap
        start = end;
      }
      sheet.getRange(`A1:${last}1`).format.font.bold = true;
      await context.sync();
    });
  }
}
