/// <reference types="office-js" />
import { OfficeMockObject } from "office-addin-mock";
import { parseA1 } from "../../../addin/core/a1.js";

/** One worksheet of the mock: a sparse grid plus what was set on it. */
export interface MockSheet {
  name: string;
  cells: Map<string, unknown>;
  formats: Map<string, unknown>;
  /** Hidden column indexes, as text. */
  hiddenColumns: string[];
  visibility: string;
  conditionalFormats: { address: string; type: string; cf: Record<string, unknown> }[];
  validations: { address: string; rule: unknown; errorAlert: unknown }[];
  frozenRows: number;
}

/** The Orders table of the mock (0-based sheet position of its header, and its size). */
export interface MockTable {
  name: string;
  sheet: string;
  top: number;
  left: number;
  cols: number;
  /** Data rows (the header is not counted). */
  rows: number;
}

const key = (r: number, c: number) => `${r},${c}`;

interface Bounds {
  top: number;
  left: number;
  bottom: number;
  right: number;
  sheetName: string;
}

/**
 * A workbook for office-addin-mock tests: every object handed to the code under test is an
 * `OfficeMockObject` (so reading a property that was not loaded and synced fails, as in
 * Excel), backed by plain grids the test can inspect. `syncs` counts round trips.
 */
export class MockWorkbook {
  readonly sheets = new Map<string, MockSheet>();
  /** Hidden named items: name → the sheet whose A1 it refers to. */
  readonly names = new Map<string, string>();
  table: MockTable | undefined;
  syncs = 0;
  selected: string | undefined;
  private live: { mock: OfficeMockObject & Record<string, unknown>; original: unknown; write?: (v: unknown[][]) => void }[] = [];

  addSheet(name: string): MockSheet {
    const sheet: MockSheet = { name, cells: new Map(), formats: new Map(), hiddenColumns: [], visibility: "Visible", conditionalFormats: [], validations: [], frozenRows: 0 };
    this.sheets.set(name, sheet);
    return sheet;
  }

  /** Cell value of a sheet (0-based). */
  cell(sheet: string, r: number, c: number): unknown {
    return this.sheets.get(sheet)!.cells.get(key(r, c)) ?? "";
  }

  /** Data rows of the table as arrays. */
  tableRows(): unknown[][] {
    const t = this.table!;
    return Array.from({ length: t.rows }, (_, r) => Array.from({ length: t.cols }, (_, c) => this.cell(t.sheet, t.top + 1 + r, t.left + c)));
  }

  /** Creates the table with a header and data rows at A1 of `sheet`. */
  seedTable(sheet: string, header: string[], rows: unknown[][]): void {
    const s = this.sheets.get(sheet) ?? this.addSheet(sheet);
    header.forEach((h, c) => s.cells.set(key(0, c), h));
    rows.forEach((row, r) => row.forEach((v, c) => s.cells.set(key(r + 1, c), v)));
    this.table = { name: "OrdersTable", sheet, top: 0, left: 0, cols: header.length, rows: Math.max(1, rows.length) };
  }

  private track<T extends Record<string, unknown>>(data: T, write?: (v: unknown[][]) => void): OfficeMockObject & T {
    const mock = new OfficeMockObject(data) as OfficeMockObject & T & Record<string, unknown>;
    this.live.push({ mock, original: data.values, write });
    return mock;
  }

  /** A range of `sheet` covering rows top..bottom and columns left..right (0-based, inclusive). */
  range(sheetName: string, top: number, left: number, bottom: number, right: number): OfficeMockObject & Record<string, any> {
    const sheet = this.sheets.get(sheetName)!;
    const values = Array.from({ length: bottom - top + 1 }, (_, r) => Array.from({ length: right - left + 1 }, (_, c) => sheet.cells.get(key(top + r, left + c)) ?? ""));
    const address = `${sheetName}!${top},${left}:${bottom},${right}`;
    const wb = this;
    const mock = this.track(
      {
        values,
        rowIndex: top,
        columnIndex: left,
        rowCount: bottom - top + 1,
        columnCount: right - left + 1,
        isNullObject: false,
        numberFormat: "",
        columnHidden: false,
        format: { fill: { color: "", clear: () => undefined }, font: { color: "", bold: false }, columnWidth: 0 },
        getCell: (r: number, c: number) => wb.range(sheetName, top + r, left + c, top + r, left + c),
        getResizedRange: (dr: number, dc: number) => wb.range(sheetName, top, left, bottom + dr, right + dc),
        getColumn: (c: number) => wb.range(sheetName, top, left + c, bottom, left + c),
        getEntireRow: () => wb.range(sheetName, top, 0, bottom, 200),
        getIntersectionOrNullObject: (other: unknown) => {
          const o = wb.boundsOf(other);
          const t = Math.max(top, o.top);
          const b = Math.min(bottom, o.bottom);
          const l = Math.max(left, o.left);
          const rr = Math.min(right, o.right);
          if (t > b || l > rr) return wb.track({ isNullObject: true, values: [], rowIndex: 0, columnIndex: 0 });
          return wb.range(sheetName, t, l, b, rr);
        },
        conditionalFormats: {
          add: (type: string) => {
            const cf = { custom: { rule: { formula: "" }, format: { fill: { color: "" } } }, textComparison: { rule: {}, format: { fill: { color: "" }, font: { color: "" } } }, stopIfTrue: false };
            sheet.conditionalFormats.push({ address, type, cf });
            return cf;
          },
          clearAll: () => {
            sheet.conditionalFormats = sheet.conditionalFormats.filter((c) => c.address !== address);
          },
        },
        dataValidation: {
          clear: () => undefined,
          rule: {},
          errorAlert: {},
        },
        clear: () => {
          for (const k of [...sheet.cells.keys()]) {
            const [r, c] = k.split(",").map(Number);
            if (r >= top && r <= bottom && c >= left && c <= right) sheet.cells.delete(k);
          }
        },
        select: () => {
          wb.selected = `${sheetName}!${top},${left}`;
        },
        delete: (shift: string) => {
          if (shift !== "Up") throw new Error(`the mock deletes with shift Up only, got ${shift}`);
          const count = bottom - top + 1;
          const moved = new Map<string, unknown>();
          for (const [k, v] of [...sheet.cells]) {
            const [r, c] = k.split(",").map(Number);
            if (c < left || c > right || r < top) continue;
            sheet.cells.delete(k);
            if (r > bottom) moved.set(key(r - count, c), v);
          }
          for (const [k, v] of moved) sheet.cells.set(k, v as never);
          const t = wb.table;
          if (t && t.sheet === sheetName && top > t.top && top <= t.top + t.rows) t.rows = Math.max(1, t.rows - count);
        },
      },
      (written) => written.forEach((row, r) => row.forEach((v, c) => sheet.cells.set(key(top + r, left + c), v))),
    );
    this.bounds.set(mock, { top, left, bottom, right, sheetName });
    return mock;
  }

  private readonly bounds = new WeakMap<object, Bounds>();

  private boundsOf(range: unknown): Bounds {
    return this.bounds.get(range as object)!;
  }

  private sheetMock(name: string): OfficeMockObject & Record<string, any> {
    const wb = this;
    const sheet = this.sheets.get(name)!;
    const mock = this.track({
      name,
      isNullObject: false,
      visibility: "Visible",
      getRange: (address: string) => {
        const b = parseA1(address);
        return wb.range(name, b.top, b.left, Math.min(b.bottom, 2000), Math.min(b.right, 200));
      },
      tables: {
        add: (address: string) => {
          const b = parseA1(address);
          wb.table = { name: "", sheet: name, top: b.top, left: b.left, cols: b.right - b.left + 1, rows: 1 };
          return wb.tableMock();
        },
      },
      freezePanes: { freezeRows: (n: number) => (sheet.frozenRows = n) },
      activate: () => undefined,
      onChanged: {
        add: (handler: (args: unknown) => Promise<void>) => {
          wb.handlers.push(handler);
          return { remove: () => wb.handlers.splice(wb.handlers.indexOf(handler), 1), context: {} };
        },
      },
    });
    this.sheetOf.set(mock, sheet);
    return mock;
  }

  private readonly sheetOf = new WeakMap<object, MockSheet>();

  readonly handlers: ((args: unknown) => Promise<void>)[] = [];

  private tableMock(): OfficeMockObject & Record<string, any> {
    const wb = this;
    const t = this.table!;
    return this.track({
      name: t.name,
      isNullObject: false,
      getHeaderRowRange: () => wb.range(t.sheet, t.top, t.left, t.top, t.left + t.cols - 1),
      getDataBodyRange: () => wb.range(t.sheet, t.top + 1, t.left, t.top + t.rows, t.left + t.cols - 1),
      resize: (range: unknown) => {
        const b = wb.boundsOf(range);
        t.rows = b.bottom - b.top;
      },
      worksheet: {
        name: t.sheet,
        getRange: (address: string) => wb.sheetMock(t.sheet).getRange(address),
        activate: () => undefined,
        onChanged: {
          add: (handler: (args: unknown) => Promise<void>) => {
            wb.handlers.push(handler);
            return { remove: () => wb.handlers.splice(wb.handlers.indexOf(handler), 1), context: {} };
          },
        },
      },
    });
  }

  /** The `Excel.RequestContext` stand-in. */
  context(): OfficeMockObject & Record<string, any> {
    const wb = this;
    return new OfficeMockObject({
      workbook: {
        worksheets: {
          getItem: (name: string) => wb.sheetMock(name),
          getItemOrNullObject: (name: string) => (wb.sheets.has(name) ? wb.sheetMock(name) : wb.track({ isNullObject: true, name: "" })),
          add: (name: string) => {
            wb.addSheet(name);
            return wb.sheetMock(name);
          },
        },
        names: {
          getItemOrNullObject: (name: string) => {
            const sheet = wb.names.get(name);
            return wb.track(sheet === undefined ? { isNullObject: true, value: "" } : { isNullObject: false, value: wb.sheets.has(sheet) ? `=${sheet}!$A$1` : "=#REF!", delete: () => wb.names.delete(name) });
          },
          add: (name: string, range: unknown) => {
            wb.names.set(name, wb.boundsOf(range).sheetName);
            return wb.track({ visible: true });
          },
        },
        tables: {
          getItem: () => wb.tableMock(),
          getItemOrNullObject: () => (wb.table && wb.table.name ? wb.tableMock() : wb.track({ isNullObject: true })),
        },
      },
      sync: async () => wb.flush(),
    }) as OfficeMockObject & Record<string, any>;
  }

  /** Applies what was written since the last sync, records sheet-level settings, and resolves loads. */
  async flush(): Promise<void> {
    this.syncs++;
    for (const entry of this.live) {
      const m = entry.mock as Record<string, any>;
      if (entry.write && Array.isArray(m.values) && m.values !== entry.original) {
        entry.write(m.values as unknown[][]);
        entry.original = m.values;
      }
      const bounds = this.bounds.get(entry.mock);
      if (m.columnHidden === true && bounds) {
        const b = bounds;
        const sheet = this.sheets.get(b.sheetName)!;
        for (let c = b.left; c <= b.right; c++) if (!sheet.hiddenColumns.includes(String(c))) sheet.hiddenColumns.push(String(c));
      }
      const sheetOfMock = this.sheetOf.get(entry.mock);
      if (sheetOfMock && (m.visibility === "Hidden" || m.visibility === "Visible")) sheetOfMock.visibility = m.visibility;
      if (this.table && m.getHeaderRowRange && typeof m.name === "string" && m.name && !m.name.startsWith("Error")) this.table.name = m.name;
      const dv = m.dataValidation as { rule?: unknown; errorAlert?: unknown } | undefined;
      if (dv && dv.rule && (dv.rule as { list?: unknown }).list) {
        const b = bounds!;
        const sheet = this.sheets.get(b.sheetName)!;
        if (!sheet.validations.some((v) => v.rule === dv.rule)) sheet.validations.push({ address: `${b.top},${b.left}`, rule: dv.rule, errorAlert: dv.errorAlert });
      }
      await entry.mock.sync();
    }
  }

  /** The `Excel` stand-in given to the gateway. */
  host(): { run: typeof Excel.run } {
    const run = async (...args: unknown[]) => {
      const batch = args[args.length - 1] as (ctx: unknown) => Promise<unknown>;
      return batch(this.context());
    };
    return { run: run as unknown as typeof Excel.run };
  }
}

/** The Excel enums prepareWorkbook uses, set on the global for a test. */
export function installExcelEnums(): void {
  (globalThis as Record<string, unknown>).Excel = {
    ConditionalFormatType: { custom: "Custom", containsText: "ContainsText" },
    ConditionalTextOperator: { contains: "Contains" },
    SheetVisibility: { hidden: "Hidden", visible: "Visible" },
    DataValidationAlertStyle: { stop: "Stop" },
    FilterOn: { values: "Values" },
  };
}
