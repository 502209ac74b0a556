/**
 * TEST-ONLY stand-in for the Excel host, injected into the e2e page in place of office.js:
 * installs `Excel` (over a `FakeBook`) and the bits of `Office` the pane uses, keeps the
 * workbook across a reload of the pane (as a real workbook outlives its task pane), and offers
 * `window.__excel` hooks to inspect the grid and to act as the user (type, paste, sort).
 */
import { parseA1 } from "../../../addin/core/a1.js";
import { evaluateFormula, listOf } from "./fakeFormula.js";
import { a1, FakeBook, must, read, write, type Cell, type TableModel } from "./fakeExcel.js";

const book = new FakeBook();
const settings = new Map<string, unknown>();

const STORAGE_KEY = "__fakeExcelWorkbook";
function persist(): void {
  const data = {
    sheets: [...book.sheets.values()].map((s) => ({ name: s.name, cells: [...s.cells], fills: [...s.fills], formats: [...s.formats], formulas: [...s.formulas], visibility: s.visibility, cfs: s.cfs, validations: s.validations })),
    tables: [...book.tables.values()].map((t) => ({ ...t, sheet: t.sheet.name })),
    settings: [...settings],
    names: [...book.names].map(([n, v]) => [n, v.sheet.name, v.visible]),
  };
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(data));
}
function restore(): void {
  const text = sessionStorage.getItem(STORAGE_KEY);
  if (!text) return;
  const data = JSON.parse(text) as {
    sheets: { name: string; cells: [string, Cell][]; fills: [string, string][]; formats: [string, string][]; formulas: [string, string][]; visibility: string; cfs: unknown[]; validations: unknown[] }[];
    tables: (Omit<TableModel, "sheet"> & { sheet: string })[];
    settings: [string, unknown][];
    names?: [string, string, boolean][];
  };
  for (const s of data.sheets) book.sheets.set(s.name, { ...s, cells: new Map(s.cells), fills: new Map(s.fills), formats: new Map(s.formats), formulas: new Map(s.formulas), handlers: [] });
  for (const t of data.tables) book.tables.set(t.name, { ...t, sheet: must(book.sheets.get(t.sheet), t.sheet) });
  for (const [k, v] of data.settings) settings.set(k, v);
  for (const [n, sheet, visible] of data.names ?? []) if (book.sheets.has(sheet)) book.names.set(n, { sheet: book.sheets.get(sheet)!, visible });
}
restore();
book.afterSync = persist;

const MAX_MINOR = Number((new URLSearchParams(location.search).get("fakeExcelApi") ?? "1.14").split(".")[1]);

const w = window as unknown as Record<string, unknown>;
w.Excel = {
  run: book.run,
  ConditionalFormatType: { custom: "Custom", containsText: "ContainsText" },
  ConditionalTextOperator: { contains: "Contains" },
  SheetVisibility: { hidden: "Hidden", visible: "Visible" },
  DataValidationAlertStyle: { stop: "Stop" },
  FilterOn: { values: "Values" },
};
w.Office = {
  HostType: { Excel: "Excel" },
  onReady: (cb: (info: { host: string; platform: string }) => void) => setTimeout(() => cb({ host: "Excel", platform: "OfficeOnline" }), 0),
  context: {
    // Like Office 2021: ExcelApi up to 1.14 (an older host with ?fakeExcelApi=1.13 on the pane's URL).
    requirements: { isSetSupported: (name: string, v: string) => name === "ExcelApi" && Number(v.split(".")[1] ?? 0) <= MAX_MINOR },
    document: {
      settings: {
        get: (k: string) => settings.get(k) ?? null,
        set: (k: string, v: unknown) => settings.set(k, v),
        saveAsync: (cb?: () => void) => {
          persist();
          setTimeout(() => cb?.(), 0);
        },
      },
    },
  },
};

/** The Orders table, on whatever sheet it is now. */
const ordersTable = (): TableModel => must(book.tables.get("OrdersTable"), "no Orders table yet");

/** Hooks for the e2e test (called through page.evaluate). */
w.__excel = {
  stats: () => ({ ...book.stats }),
  selected: () => book.selected,
  sheetNames: () => [...book.sheets.keys()],
  /** Hidden named items and the sheet each refers to. */
  names: () => [...book.names].map(([n, v]) => ({ name: n, sheet: v.sheet.name, visible: v.visible })),
  /** The user renames a sheet from its tab. */
  renameSheet: (from: string, to: string) => {
    book.renameSheet(from, to);
    persist();
  },
  /** The name of the sheet holding the Orders table. */
  ordersSheet: () => ordersTable().sheet.name,
  header: () => {
    const t = ordersTable();
    return read(t.sheet, { top: t.top, left: t.left, bottom: t.top, right: t.left + t.cols - 1 })[0];
  },
  rows: () => {
    const t = ordersTable();
    return read(t.sheet, { top: t.top + 1, left: t.left, bottom: t.top + t.rows, right: t.left + t.cols - 1 });
  },
  /** The fill colour of a data cell of the Orders table (0-based data row and column). */
  fill: (row: number, col: number) => {
    const t = ordersTable();
    return t.sheet.fills.get(`${t.top + 1 + row},${t.left + col}`) ?? "";
  },
  /** What a data cell of the Orders table holds: its value, the value's type, its number format and any formula. */
  cell: (row: number, col: number) => {
    const t = ordersTable();
    const k = `${t.top + 1 + row},${t.left + col}`;
    const value = t.sheet.cells.get(k) ?? "";
    return { value, type: typeof value, format: t.sheet.formats.get(k) ?? "General", formula: t.sheet.formulas.get(k) ?? null };
  },
  /**
   * The options the dropdown of a data cell of the Orders table offers: its list validation's
   * source evaluated for that cell (relative references move with the row, as in Excel).
   */
  dropdown: (row: number, col: number) => {
    const t = ordersTable();
    const r = t.top + 1 + row;
    const c = t.left + col;
    const hit = (t.sheet.validations as { at: string; rule: { list?: { source: string } } }[]).find((v) => {
      const b = parseA1(v.at);
      return r >= b.top && r <= b.bottom && c >= b.left && c <= b.right && v.rule.list;
    });
    if (!hit) return null;
    const b = parseA1(hit.at);
    const readCell = (sheet: string, rr: number, cc: number) => must(book.sheets.get(sheet), sheet).cells.get(`${rr},${cc}`) ?? "";
    const value = evaluateFormula(hit.rule.list!.source, t.sheet.name, readCell, r - b.top, c - b.left);
    if (typeof value !== "object") return [value];
    return listOf(value, readCell).filter((v) => v !== "");
  },
  /** Orders table columns (0-based) a conditional format shades grey, as system columns are. */
  shadedColumns: () => {
    const t = ordersTable();
    const out = new Set<number>();
    for (const cf of t.sheet.cfs as { at?: string; custom?: { format?: { fill?: { color?: string } } } }[]) {
      if (cf.custom?.format?.fill?.color !== "#EDEDED" || !cf.at) continue;
      const [, left, , right] = cf.at.split(/[,:]/).map(Number);
      for (let c = left; c <= right; c++) out.add(c - t.left);
    }
    return [...out].sort((a, b) => a - b);
  },
  sheetRows: (name: string, n: number, cols: number) => read(must(book.sheets.get(name), name), { top: 0, left: 0, bottom: n - 1, right: cols - 1 }),
  /** The user types or pastes `values` at `address` of the Orders sheet. */
  edit: async (address: string, values: Cell[][]) => {
    const sheet = ordersTable().sheet;
    const b = parseA1(address);
    const full = { ...b, bottom: b.top + values.length - 1, right: b.left + values[0].length - 1 };
    const before = read(sheet, full);
    write(sheet, full, values);
    persist();
    const single = values.length === 1 && values[0].length === 1;
    const args = { address: a1(full), changeType: "RangeEdited", source: "Local", triggerSource: "Unknown", ...(single ? { details: { valueBefore: before[0][0], valueAfter: values[0][0] } } : {}) };
    await Promise.all(sheet.handlers.map((h) => h(args)));
  },
  /** The user changes cells in a way the host reports no change event for (a drag-fill over filtered rows). */
  editSilently: (address: string, values: Cell[][]) => {
    const sheet = ordersTable().sheet;
    const b = parseA1(address);
    write(sheet, { ...b, bottom: b.top + values.length - 1, right: b.left + values[0].length - 1 }, values);
    persist();
  },
  /** The order IDs of the rows the table's filter leaves visible (all rows when it has none). */
  visibleKeys: () => {
    const t = ordersTable();
    const rows = read(t.sheet, { top: t.top + 1, left: t.left, bottom: t.top + t.rows, right: t.left + t.cols - 1 });
    const f = t.filter;
    return rows.filter((r) => !f || f.values.includes(String(r[f.col]))).map((r) => r[0]);
  },
  /** The user selects a block of a sheet. */
  selectOn: (sheetName: string, address: string) => {
    book.selection = { sheet: must(book.sheets.get(sheetName), sheetName), b: parseA1(address) };
  },
  /** The user sorts the Orders table by a column (Excel raises no change event for it here). */
  sortBy: (col: number, descending: boolean) => {
    const t = ordersTable();
    const b = { top: t.top + 1, left: t.left, bottom: t.top + t.rows, right: t.left + t.cols - 1 };
    const rows = read(t.sheet, b);
    rows.sort((x, y) => String(x[col]).localeCompare(String(y[col])) * (descending ? -1 : 1));
    write(t.sheet, b, rows);
    persist();
  },
};
