/**
 * TEST-ONLY stand-in for an Excel workbook: the subset of the `Excel` API the add-in uses,
 * over plain grids. Requests are queued and run at `context.sync()` (properties read before a
 * load + sync throw, as in Excel); every call, round trip and request/response byte is counted
 * and measured against Excel on the web's 5 MB cap; the add-in's own writes raise change
 * events marked `ThisLocalAddin`. Used by the e2e page (fakeOffice.ts) and by the bench.
 */
import { parseA1 } from "../../../addin/core/a1.js";

/** A cell value. */
export type Cell = string | number | boolean;
interface Bounds { top: number; left: number; bottom: number; right: number }
/**
 * One worksheet: a sparse grid and what was set on it. `formats` holds each cell's number format
 * (absent: General) and `formulas` the cells a written string turned into a formula, as Excel's
 * `Range.values` does with text starting with `=`, `+` or `-` in a cell that is not text-formatted.
 */
export interface Sheet { name: string; cells: Map<string, Cell>; fills: Map<string, string>; formats: Map<string, string>; formulas: Map<string, string>; visibility: string; handlers: ((a: unknown) => Promise<void>)[]; cfs: unknown[]; validations: unknown[]; names?: Map<string, string> }
/** An Excel table: where its header is and how many data rows it has. */
export interface TableModel { name: string; sheet: Sheet; top: number; left: number; cols: number; rows: number; filter?: { col: number; values: string[] } }
type Located = { sheet: Sheet; b: Bounds } | null;

/** Excel on the web's cap on a request or a response. */
export const LIMIT = 5 * 1024 * 1024;
const MAX_ROW = 1_048_575;
const key = (r: number, c: number) => `${r},${c}`;
const bytes = (v: unknown) => new TextEncoder().encode(JSON.stringify(v)).length;

/** What the workbook was asked to do: `Excel.run` batches, queued calls, round trips and bytes. */
export interface FakeStats {
  runs: number;
  calls: number;
  syncs: number;
  requestBytes: number;
  responseBytes: number;
  maxRequestBytes: number;
  maxResponseBytes: number;
  ownEvents: number;
}

/** A fake workbook with its own sheets, tables and counters; `run` is its `Excel.run`. */
export class FakeBook {
  readonly sheets = new Map<string, Sheet>();
  readonly tables = new Map<string, TableModel>();
  /** Workbook-level named items: each refers to A1 of a sheet and follows it through renames. */
  readonly names = new Map<string, { sheet: Sheet; visible: boolean }>();
  stats: FakeStats = { runs: 0, calls: 0, syncs: 0, requestBytes: 0, responseBytes: 0, maxRequestBytes: 0, maxResponseBytes: 0, ownEvents: 0 };
  selected = "";
  /** The selection as a sheet and block (set by `select()` or by the user). */
  selection: { sheet: Sheet; b: Bounds } | null = null;
  /** Called after every round trip (the page persists the workbook there). */
  afterSync: () => void = () => {};

  addSheet(name: string): Sheet {
    const s: Sheet = { name, cells: new Map(), fills: new Map(), formats: new Map(), formulas: new Map(), visibility: "Visible", handlers: [], cfs: [], validations: [] };
    this.sheets.set(name, s);
    return s;
  }

  /** Zeroes the counters. */
  resetStats(): void {
    this.stats = { runs: 0, calls: 0, syncs: 0, requestBytes: 0, responseBytes: 0, maxRequestBytes: 0, maxResponseBytes: 0, ownEvents: 0 };
  }

  /** `Excel.run`: the batch gets a fresh request context; what it left queued is synced at the end. */
  readonly run = async (...args: unknown[]): Promise<unknown> => {
    const batch = args[args.length - 1] as (ctx: Context) => Promise<unknown>;
    this.stats.runs++;
    const ctx = new Context(this);
    const result = await batch(ctx);
    if (ctx.ops.length) await ctx.sync();
    return result;
  };

  /** Renames a sheet, as a user does from its tab: tables and named items follow it. */
  renameSheet(from: string, to: string): void {
    const sheet = must(this.sheets.get(from), from);
    if (this.sheets.has(to)) throw new Error(`a sheet named ${to} exists`);
    this.sheets.delete(from);
    sheet.name = to;
    this.sheets.set(to, sheet);
  }

  /** The table named `name`, or the table on the sheet named `name`. */
  tableOn(name: string): TableModel {
    return must([...this.tables.values()].find((t) => t.name === name || t.sheet.name === name), `no table ${name} yet`);
  }
}

/** Excel column letters of a 0-based index. */
export function letters(i: number): string {
  let n = i + 1;
  let out = "";
  while (n > 0) {
    out = String.fromCharCode(65 + ((n - 1) % 26)) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}
/** A1 address of bounds. */
export function a1(b: Bounds): string {
  return `${letters(b.left)}${b.top + 1}:${letters(b.right)}${b.bottom + 1}`;
}
/** The values of a block of a sheet. */
export function read(sheet: Sheet, b: Bounds): Cell[][] {
  const out: Cell[][] = [];
  for (let r = b.top; r <= b.bottom; r++) {
    const row: Cell[] = [];
    for (let c = b.left; c <= b.right; c++) row.push(sheet.cells.get(key(r, c)) ?? "");
    out.push(row);
  }
  return out;
}
/** Writes values into a block of a sheet (empty strings clear cells), as they are. */
export function write(sheet: Sheet, b: Bounds, values: Cell[][]): void {
  values.forEach((row, r) => row.forEach((v, c) => {
    const k = key(b.top + r, b.left + c);
    sheet.formulas.delete(k);
    if (v === "") sheet.cells.delete(k);
    else sheet.cells.set(k, v);
  }));
}

/** Excel keeps 15 significant digits of a number. */
function fifteenDigits(n: number): number {
  return Number(n.toPrecision(15));
}

/**
 * Writes values as `Range.values` does: in a cell that is not text-formatted (`@`), a string
 * starting with `=`, `+` or `-` becomes a formula (its value an error here) and a string that
 * reads as a number becomes that number, cut to 15 significant digits (a 19-digit order ID
 * loses its tail). In a text-formatted cell every string stays as written.
 */
export function writeAsExcel(sheet: Sheet, b: Bounds, values: Cell[][]): void {
  values.forEach((row, r) => row.forEach((v, c) => {
    const k = key(b.top + r, b.left + c);
    sheet.formulas.delete(k);
    if (v === "") return void sheet.cells.delete(k);
    const text = sheet.formats.get(k) === "@";
    if (typeof v === "string" && !text) {
      if (/^[=+-]/.test(v) && !/^[+-]?\d+(\.\d+)?$/.test(v)) {
        sheet.formulas.set(k, v);
        return void sheet.cells.set(k, "#NAME?");
      }
      if (/^[+-]?\d+(\.\d+)?$/.test(v.trim())) return void sheet.cells.set(k, fifteenDigits(Number(v)));
    }
    sheet.cells.set(k, typeof v === "number" ? fifteenDigits(v) : v);
  }));
}

/** Sets number formats on a block: one for every cell, or one per cell. */
function setFormats(sheet: Sheet, b: Bounds, format: string | string[][]): void {
  const bottom = Math.min(b.bottom, b.top + 1_100_000);
  for (let r = b.top; r <= bottom; r++) {
    for (let c = b.left; c <= b.right; c++) {
      const f = typeof format === "string" ? format : format[r - b.top]?.[c - b.left];
      if (f === undefined) throw new Error("InvalidArgument: numberFormat does not match the range");
      if (f === "General") sheet.formats.delete(key(r, c));
      else sheet.formats.set(key(r, c), f);
    }
  }
}

class Context {
  constructor(readonly book: FakeBook) {}
  ops: (() => void)[] = [];
  requestBytes = 0;
  responseBytes = 0;
  written: { sheet: Sheet; b: Bounds }[] = [];
  workbook = {
    worksheets: {
      getItem: (name: string) => new FSheet(this, () => must(this.book.sheets.get(name), `ItemNotFound: worksheet ${name}`)),
      getItemOrNullObject: (name: string) => new FSheet(this, () => this.book.sheets.get(name) ?? null),
      add: (name: string) => {
        this.op(() => void (this.book.sheets.get(name) ?? this.book.addSheet(name)), 100);
        return new FSheet(this, () => must(this.book.sheets.get(name), "sheet"));
      },
    },
    tables: {
      getItem: (name: string) => new FTable(this, () => must(this.book.tables.get(name), `ItemNotFound: table ${name}`)),
      getItemOrNullObject: (name: string) => new FTable(this, () => this.book.tables.get(name) ?? null),
    },
    getSelectedRange: () => new FRange(this, () => must(this.book.selection ?? undefined, "no selection")),
    names: {
      getItem: (name: string) => new FName(this, name),
      getItemOrNullObject: (name: string) => new FName(this, name),
      add: (name: string, range: FRange) => {
        this.op(() => {
          if (this.book.names.has(name)) throw new Error(`InvalidArgument: the name ${name} exists`);
          this.book.names.set(name, { sheet: must(range.locate() ?? undefined, "range").sheet, visible: true });
        });
        return new FName(this, name);
      },
    },
  };
  op(fn: () => void, size = 60): void {
    this.book.stats.calls++;
    this.requestBytes += size;
    this.ops.push(fn);
  }
  async sync(): Promise<void> {
    const stats = this.book.stats;
    stats.syncs++;
    stats.requestBytes += this.requestBytes;
    stats.maxRequestBytes = Math.max(stats.maxRequestBytes, this.requestBytes);
    if (this.requestBytes > LIMIT) throw new Error(`RequestPayloadSizeLimitExceeded: ${this.requestBytes} bytes`);
    const ops = this.ops;
    this.ops = [];
    this.requestBytes = 0;
    this.responseBytes = 0;
    for (const fn of ops) fn();
    stats.responseBytes += this.responseBytes;
    stats.maxResponseBytes = Math.max(stats.maxResponseBytes, this.responseBytes);
    if (this.responseBytes > LIMIT) throw new Error(`ResponsePayloadSizeLimitExceeded: ${this.responseBytes} bytes`);
    this.book.afterSync();
    const written = this.written;
    this.written = [];
    for (const w of written) {
      for (const h of w.sheet.handlers) {
        stats.ownEvents++;
        setTimeout(() => void h({ address: a1(w.b), changeType: "RangeEdited", source: "Local", triggerSource: "ThisLocalAddin" }), 0);
      }
    }
  }
}

/** `v`, or an error with `message` when it is undefined. */
export function must<T>(v: T | undefined, message: string): T {
  if (v === undefined) throw new Error(message);
  return v;
}

class Loadable {
  protected loaded: Record<string, unknown> | undefined;
  protected prop<T>(name: string): T {
    if (!this.loaded || !(name in this.loaded)) throw new Error(`PropertyNotLoaded: ${name}`);
    return this.loaded[name] as T;
  }
  get isNullObject(): boolean {
    return this.prop("isNullObject");
  }
}

class FRange extends Loadable {
  constructor(
    private readonly ctx: Context,
    readonly locate: () => Located,
  ) {
    super();
  }
  private at(): { sheet: Sheet; b: Bounds } {
    return must(this.locate() ?? undefined, "InvalidObjectPath: null range");
  }
  load(props: string): this {
    this.ctx.op(() => {
      const hit = this.locate();
      if (!hit) {
        this.loaded = { isNullObject: true };
        return;
      }
      const b = { ...hit.b, bottom: Math.min(hit.b.bottom, MAX_ROW) };
      const loaded: Record<string, unknown> = { isNullObject: false, rowIndex: b.top, columnIndex: b.left, rowCount: b.bottom - b.top + 1, columnCount: b.right - b.left + 1, address: `${hit.sheet.name}!${a1(b)}` };
      if (props.includes("values")) {
        if ((b.bottom - b.top + 1) * (b.right - b.left + 1) > 5_000_000) throw new Error("ResponsePayloadSizeLimitExceeded: unbounded read");
        loaded.values = read(hit.sheet, b);
        this.ctx.responseBytes += bytes(loaded.values);
      }
      this.loaded = loaded;
    });
    return this;
  }
  get values(): Cell[][] {
    return this.prop("values");
  }
  set values(v: Cell[][]) {
    this.ctx.op(() => {
      const hit = this.at();
      if (v.length !== hit.b.bottom - hit.b.top + 1 || v[0].length !== hit.b.right - hit.b.left + 1) throw new Error("InvalidArgument: values do not match the range");
      writeAsExcel(hit.sheet, hit.b, v);
      this.ctx.written.push(hit);
    }, bytes(v) + 60);
  }
  get rowIndex(): number { return this.prop("rowIndex"); }
  get columnIndex(): number { return this.prop("columnIndex"); }
  get rowCount(): number { return this.prop("rowCount"); }
  get address(): string { return this.prop("address"); }
  set numberFormat(v: string | string[][]) {
    this.ctx.op(() => {
      const hit = this.at();
      if (typeof v === "string" && hit.b.bottom - hit.b.top > 100_000) return; // a whole-column format: not modelled per cell
      setFormats(hit.sheet, hit.b, v);
    }, bytes(v) + 60);
  }
  set columnHidden(_v: boolean) {
    this.ctx.op(() => void this.at());
  }
  get format() {
    const range = this;
    return {
      fill: {
        set color(c: string) {
          range.ctx.op(() => {
            const { sheet, b } = range.at();
            for (let r = b.top; r <= Math.min(b.bottom, b.top + 10_000); r++) for (let col = b.left; col <= b.right; col++) sheet.fills.set(key(r, col), c);
          });
        },
        clear: () => range.ctx.op(() => {
          const { sheet, b } = range.at();
          for (let r = b.top; r <= Math.min(b.bottom, b.top + 10_000); r++) for (let col = b.left; col <= b.right; col++) sheet.fills.delete(key(r, col));
        }),
      },
      font: { set bold(_v: boolean) { range.ctx.op(() => void range.at()); }, set color(_v: string) { range.ctx.op(() => void range.at()); } },
      set columnWidth(_v: number) { range.ctx.op(() => void range.at()); },
    };
  }
  get conditionalFormats() {
    return {
      add: (type: string) => {
        const cf = { type, custom: { rule: { formula: "" }, format: { fill: { color: "" } } }, textComparison: { rule: {}, format: { fill: { color: "" }, font: { color: "" } } }, stopIfTrue: false };
        this.ctx.op(() => {
          const { sheet, b } = this.at();
          sheet.cfs.push(Object.assign(cf, { at: `${b.top},${b.left}:${b.bottom},${b.right}` }));
        });
        return cf;
      },
      clearAll: () =>
        this.ctx.op(() => {
          const { sheet, b } = this.at();
          const at = `${b.top},${b.left}:${b.bottom},${b.right}`;
          sheet.cfs = sheet.cfs.filter((cf) => (cf as { at?: string }).at !== at);
        }),
    };
  }
  get dataValidation() {
    const range = this;
    return {
      clear: () => range.ctx.op(() => {
        const { sheet, b } = range.at();
        sheet.validations = sheet.validations.filter((v) => (v as { at?: string }).at !== a1(b));
      }),
      set rule(rule: unknown) {
        range.ctx.op(() => {
          const { sheet, b } = range.at();
          sheet.validations = sheet.validations.filter((v) => (v as { at?: string }).at !== a1(b));
          sheet.validations.push({ at: a1(b), rule });
        });
      },
      set errorAlert(_v: unknown) { range.ctx.op(() => void range.at()); },
    };
  }
  clear(): void {
    this.ctx.op(() => {
      const { sheet, b } = this.at();
      for (const store of [sheet.cells, sheet.formats, sheet.formulas] as Map<string, unknown>[]) {
        for (const k of [...store.keys()]) {
          const [r, c] = k.split(",").map(Number);
          if (r >= b.top && r <= b.bottom && c >= b.left && c <= b.right) store.delete(k);
        }
      }
    });
  }
  /** Deletes the block's rows, shifting the cells below (within its columns) up, as a table row delete does. */
  delete(shift: string): void {
    this.ctx.op(() => {
      if (shift !== "Up") throw new Error(`the fake deletes with shift Up only, got ${shift}`);
      const { sheet, b } = this.at();
      const count = b.bottom - b.top + 1;
      for (const store of [sheet.cells, sheet.fills, sheet.formats, sheet.formulas] as Map<string, unknown>[]) {
        const moved = new Map<string, unknown>();
        for (const [k, v] of store) {
          const [r, c] = k.split(",").map(Number);
          if (c < b.left || c > b.right || r < b.top) continue;
          store.delete(k);
          if (r > b.bottom) moved.set(key(r - count, c), v);
        }
        for (const [k, v] of moved) store.set(k, v);
      }
      for (const t of this.ctx.book.tables.values()) {
        if (t.sheet !== sheet || b.top <= t.top || b.top > t.top + t.rows) continue;
        if (b.left !== t.left || b.right !== t.left + t.cols - 1) throw new Error("InvalidArgument: a table row delete must span the table's columns");
        t.rows = Math.max(1, t.rows - Math.min(count, t.top + t.rows - b.top + 1));
      }
    });
  }
  select(): void {
    this.ctx.op(() => {
      const { sheet, b } = this.at();
      this.ctx.book.selected = `${sheet.name}!${letters(b.left)}${b.top + 1}`;
      this.ctx.book.selection = { sheet, b };
    });
  }
  private derive(f: (hit: { sheet: Sheet; b: Bounds }) => Located): FRange {
    return new FRange(this.ctx, () => {
      const hit = this.locate();
      return hit ? f(hit) : null;
    });
  }
  /** The worksheet of the range. */
  get worksheet(): FSheet {
    return new FSheet(this.ctx, () => this.at().sheet);
  }
  getCell(r: number, c: number): FRange {
    return this.derive(({ sheet, b }) => ({ sheet, b: { top: b.top + r, left: b.left + c, bottom: b.top + r, right: b.left + c } }));
  }
  getResizedRange(dr: number, dc: number): FRange {
    return this.derive(({ sheet, b }) => ({ sheet, b: { ...b, bottom: b.bottom + dr, right: b.right + dc } }));
  }
  getColumn(c: number): FRange {
    return this.derive(({ sheet, b }) => ({ sheet, b: { ...b, left: b.left + c, right: b.left + c } }));
  }
  getEntireRow(): FRange {
    return this.derive(({ sheet, b }) => ({ sheet, b: { ...b, left: 0, right: 16_383 } }));
  }
  getIntersectionOrNullObject(other: FRange): FRange {
    return this.derive(({ sheet, b }) => {
      const o = other.locate();
      if (!o || o.sheet !== sheet) return null;
      const t = { top: Math.max(b.top, o.b.top), left: Math.max(b.left, o.b.left), bottom: Math.min(b.bottom, o.b.bottom), right: Math.min(b.right, o.b.right) };
      return t.top > t.bottom || t.left > t.right ? null : { sheet, b: t };
    });
  }
}

class FSheet extends Loadable {
  private found: Sheet | null = null;
  /** Finds the sheet once: like Excel's proxy, it then stays that sheet through a rename. */
  private readonly find: () => Sheet | null;
  constructor(
    private readonly ctx: Context,
    lookup: () => Sheet | null,
  ) {
    super();
    this.find = () => (this.found ??= lookup());
  }
  load(_props: string): this {
    this.ctx.op(() => {
      const found = this.find();
      this.loaded = { isNullObject: found === null, name: found?.name };
    });
    return this;
  }
  get name(): string {
    return this.prop("name");
  }
  set name(n: string) {
    this.ctx.op(() => this.ctx.book.renameSheet(this.sheet().name, n));
  }
  private sheet(): Sheet {
    return must(this.find() ?? undefined, "InvalidObjectPath: null worksheet");
  }
  getRange(address: string): FRange {
    return new FRange(this.ctx, () => ({ sheet: this.sheet(), b: parseA1(address) }));
  }
  set visibility(v: string) {
    this.ctx.op(() => (this.sheet().visibility = v));
  }
  activate(): void {
    this.ctx.op(() => void this.sheet());
  }
  get freezePanes() {
    return { freezeRows: (_n: number) => this.ctx.op(() => void this.sheet()) };
  }
  get tables() {
    return {
      add: (address: string, _hasHeaders: boolean) => {
        const holder: { t?: TableModel } = {};
        this.ctx.op(() => {
          const b = parseA1(address);
          holder.t = { name: `Table${this.ctx.book.tables.size + 1}`, sheet: this.sheet(), top: b.top, left: b.left, cols: b.right - b.left + 1, rows: 1 };
          this.ctx.book.tables.set(holder.t.name, holder.t);
        });
        return new FTable(this.ctx, () => holder.t ?? null);
      },
    };
  }
  get onChanged() {
    return {
      add: (handler: (a: unknown) => Promise<void>) => {
        const reg = { context: this.ctx, remove: () => this.ctx.op(() => this.sheet().handlers.splice(this.sheet().handlers.indexOf(handler), 1)) };
        this.ctx.op(() => this.sheet().handlers.push(handler));
        return reg;
      },
    };
  }
}

class FName extends Loadable {
  constructor(
    private readonly ctx: Context,
    private readonly name: string,
  ) {
    super();
  }
  load(_props: string): this {
    this.ctx.op(() => {
      const item = this.ctx.book.names.get(this.name);
      if (!item) return void (this.loaded = { isNullObject: true });
      const alive = [...this.ctx.book.sheets.values()].includes(item.sheet);
      const quoted = /^[A-Za-z_][\w.]*$/.test(item.sheet.name) ? item.sheet.name : `'${item.sheet.name.replace(/'/g, "''")}'`;
      this.loaded = { isNullObject: false, value: alive ? `=${quoted}!$A$1` : "=#REF!" };
    });
    return this;
  }
  get value(): string {
    return this.prop("value");
  }
  /** The A1 cell the name refers to. */
  getRange(): FRange {
    return new FRange(this.ctx, () => {
      const item = must(this.ctx.book.names.get(this.name), `ItemNotFound: name ${this.name}`);
      if (![...this.ctx.book.sheets.values()].includes(item.sheet)) throw new Error("InvalidReference: #REF!");
      return { sheet: item.sheet, b: { top: 0, left: 0, bottom: 0, right: 0 } };
    });
  }
  set visible(v: boolean) {
    this.ctx.op(() => (must(this.ctx.book.names.get(this.name), this.name).visible = v));
  }
  delete(): void {
    this.ctx.op(() => void this.ctx.book.names.delete(this.name));
  }
}

class FTable extends Loadable {
  constructor(
    private readonly ctx: Context,
    private readonly find: () => TableModel | null,
  ) {
    super();
  }
  private t(): TableModel {
    return must(this.find() ?? undefined, "InvalidObjectPath: null table");
  }
  load(_props: string): this {
    this.ctx.op(() => (this.loaded = { isNullObject: this.find() === null }));
    return this;
  }
  set name(n: string) {
    this.ctx.op(() => {
      const t = this.t();
      this.ctx.book.tables.delete(t.name);
      t.name = n;
      this.ctx.book.tables.set(n, t);
    });
  }
  getHeaderRowRange(): FRange {
    return new FRange(this.ctx, () => {
      const t = this.t();
      return { sheet: t.sheet, b: { top: t.top, left: t.left, bottom: t.top, right: t.left + t.cols - 1 } };
    });
  }
  getDataBodyRange(): FRange {
    return new FRange(this.ctx, () => {
      const t = this.t();
      return { sheet: t.sheet, b: { top: t.top + 1, left: t.left, bottom: t.top + t.rows, right: t.left + t.cols - 1 } };
    });
  }
  getRange(): FRange {
    return new FRange(this.ctx, () => {
      const t = this.t();
      return { sheet: t.sheet, b: { top: t.top, left: t.left, bottom: t.top + t.rows, right: t.left + t.cols - 1 } };
    });
  }
  get autoFilter() {
    return {
      apply: (_range: FRange, col: number, criteria: { filterOn: string; values: string[] }) =>
        this.ctx.op(() => {
          if (criteria.filterOn !== "Values") throw new Error(`the fake filters on values only, got ${criteria.filterOn}`);
          this.t().filter = { col, values: criteria.values.map(String) };
        }),
      clearCriteria: () => this.ctx.op(() => void (this.t().filter = undefined)),
    };
  }
  resize(range: FRange): void {
    this.ctx.op(() => {
      const t = this.t();
      const { b } = must(range.locate() ?? undefined, "range");
      t.rows = b.bottom - b.top;
    });
  }
  get worksheet(): FSheet {
    return new FSheet(this.ctx, () => this.t().sheet);
  }
}
