import { performance } from "node:perf_hooks";
import { headerRow } from "../../addin/core/columns.js";
import { diffRows } from "../../addin/core/diffRows.js";
import type { WorkbookSetup } from "../../addin/core/SheetGateway.js";
import { ExcelSheetGateway } from "../../addin/excel/ExcelSheetGateway.js";
import type { OrderView } from "../../server/contracts/orders.js";
import { FakeBook, type FakeStats } from "../addin/e2e/fakeExcel.js";
import { orderView, testContext, testStatuses } from "../addin/fixtures.js";
import type { BenchResult } from "./importBench.js";
import { textOnlyPlan } from "../addin/excel/textOnlyPlan.js";

const SETUP: WorkbookSetup = {
  lang: "zh-CN",
  statusLabels: testStatuses.labels("zh-CN"),
  headers: headerRow("zh-CN"),
  slaLabels: { red: ["红", "red"], orange: ["橙", "orange"], green: ["绿", "green"] },
  validation: { title: "状态", message: "请从列表中选择" },
};

/** An order with every column of the sheet filled, as a busy team's rows look. */
function busyOrder(n: number, overrides: Partial<OrderView> = {}): OrderView {
  return orderView(n, {
    warehouse: `华东${n % 17}号仓`,
    carrier: "SF",
    waybillNo: `SF${String(1_000_000_000 + n)}`,
    tags: n % 3 ? ["618"] : ["满300减50", "极速达"],
    extra: { remark: n % 5 ? "" : `客户要求周末送货 #${n}` },
    ...overrides,
  });
}

/** The Excel enums prepareWorkbook reads from the global, as office.js would define them. */
function installExcelEnums(): void {
  (globalThis as Record<string, unknown>).Excel = {
    ConditionalFormatType: { custom: "Custom", containsText: "ContainsText" },
    ConditionalTextOperator: { contains: "Contains" },
    SheetVisibility: { hidden: "Hidden", visible: "Visible" },
    DataValidationAlertStyle: { stop: "Stop" },
    FilterOn: { values: "Values" },
  };
}

interface Measured {
  stats: FakeStats;
  ms: number;
}

async function measure(book: FakeBook, action: () => Promise<unknown>): Promise<Measured> {
  book.resetStats();
  const started = performance.now();
  await action();
  return { stats: { ...book.stats }, ms: performance.now() - started };
}

function results(label: string, m: Measured, note?: string): BenchResult[] {
  const mb = (b: number) => Math.round((b / 1_048_576) * 100) / 100;
  return [
    { name: `${label}: Excel.run batches`, value: m.stats.runs, unit: "runs" },
    { name: `${label}: context.sync() round trips`, value: m.stats.syncs, unit: "syncs", note },
    { name: `${label}: Excel API calls queued`, value: m.stats.calls, unit: "calls" },
    { name: `${label}: request bytes`, value: mb(m.stats.requestBytes), unit: "MB", note: `largest request ${mb(m.stats.maxRequestBytes)} MB; cap 5 MB` },
    { name: `${label}: response bytes`, value: mb(m.stats.responseBytes), unit: "MB", note: `largest response ${mb(m.stats.maxResponseBytes)} MB` },
    { name: `${label}: time in the add-in (fake host)`, value: Math.round(m.ms), unit: "ms" },
  ];
}

/**
 * Excel calls, round trips and bytes the add-in needs to load 100,000 orders × 20 columns
 * into the Orders table, and then to apply 100 changed rows in place — through the real
 * `ExcelSheetGateway` over a counting stand-in of the Excel API (no Excel here). The goal for
 * the update: one `Excel.run` with a constant number of syncs, not a rewrite of the sheet.
 */
export async function addinBench(opts: { orders?: number; changed?: number } = {}): Promise<BenchResult[]> {
  const total = opts.orders ?? 100_000;
  const changed = opts.changed ?? 100;
  installExcelEnums();
  const book = new FakeBook();
  const gateway = new ExcelSheetGateway({ run: book.run as unknown as typeof Excel.run });
  const ctx = testContext();
  await gateway.prepare(SETUP);

  const orders = Array.from({ length: total }, (_, i) => busyOrder(i + 1));
  const load = await measure(book, () => gateway.syncRows("all", (snap) => diffRows(snap, orders, ctx)));

  // The same load as it was before cells were typed (amounts and times as text), in a workbook of its own.
  const textBook = new FakeBook();
  const textGateway = new ExcelSheetGateway({ run: textBook.run as unknown as typeof Excel.run });
  await textGateway.prepare(SETUP);
  const textLoad = await measure(textBook, () => textGateway.syncRows("all", (snap) => textOnlyPlan(diffRows(snap, orders, ctx))));
  const ratio = Math.round((load.stats.requestBytes / textLoad.stats.requestBytes) * 100) / 100;

  // 100 rows spread over the sheet change on the server (status, remark and version).
  const step = Math.max(1, Math.floor(total / changed));
  const updates = Array.from({ length: changed }, (_, i) => busyOrder(i * step + 1, { version: 2, status: "reviewed", extra: { remark: `已改 ${i}` } }));
  const ids = updates.map((o) => o.id);
  const apply = await measure(book, () => gateway.syncRows(ids, (snap) => diffRows(snap, updates, ctx)));

  // The same update from a pane that has just been reloaded (no remembered row positions).
  const fresh = new ExcelSheetGateway({ run: book.run as unknown as typeof Excel.run });
  const again = updates.map((o) => ({ ...o, version: 3, extra: { remark: `再改 ${o.id}` } }));
  const cold = await measure(book, () => fresh.syncRows(ids, (snap) => diffRows(snap, again, ctx)));

  const rows = book.tableOn("OrdersTable").rows;
  if (rows !== total) throw new Error(`the table holds ${rows} rows, expected ${total}`);
  return [
    ...results(`load ${total.toLocaleString("en-US")} orders × 20 columns, typed cells`, load, "one round trip per chunk of < 4 MB"),
    ...results(`load ${total.toLocaleString("en-US")} orders × 20 columns, text only (as before typed cells)`, textLoad),
    { name: "typed load: request bytes against the text-only load", value: ratio, unit: "×", note: "goal ≤ 1.3× in the same run" },
    ...results(`apply ${changed} changed rows`, apply, "positions remembered: one verifying read, one write"),
    ...results(`apply ${changed} changed rows after a pane reload`, cold, "reads the key column once, in chunks"),
  ];
}
