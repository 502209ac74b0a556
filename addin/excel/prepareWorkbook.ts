/// <reference types="office-js" />
import { COL, COLUMNS, COLUMN_COUNT, columnLetter, headerMismatch } from "../core/columns.js";
import { TableShapeError, type WorkbookSetup } from "../core/SheetGateway.js";
import { LAST_SHEET_ROW, ORDERS_TABLE } from "./names.js";
import { locateSheets, type SheetNames } from "./sheetMarkers.js";

/** Shading of the columns the server owns. */
export const SYSTEM_FILL = "#EDEDED";

/** SLA colours (fill, font) by level. */
export const SLA_STYLES = {
  red: { fill: "#FFC7CE", font: "#9C0006" },
  orange: { fill: "#FFD8A8", font: "#9C5700" },
  green: { fill: "#C6EFCE", font: "#006100" },
} as const;

/** The lowest ExcelApi the add-in runs on (onChanged's triggerSource; Office 2021 and later). */
export const MIN_EXCEL_API = "1.14";

/** Whether the host supports an Excel requirement set (false outside Office). */
export function supports(version: string): boolean {
  return typeof Office !== "undefined" && Office.context?.requirements?.isSetSupported("ExcelApi", version) === true;
}

/**
 * System columns that carry colours of their own: the Order ID cell shows alerts, Sync the
 * edit outcome (both as plain fills), SLA its red/orange/green rules. Excel draws a
 * conditional format over a plain fill, so the grey shading must leave these columns out or
 * it would hide those colours.
 */
const SELF_COLOURED = new Set<number>([COL.orderId, COL.sla, COL.sync]);

/** Contiguous runs of grey-shaded system columns, as [first, last] column indexes (hidden and self-coloured columns excluded). */
export function systemColumnRuns(): [number, number][] {
  const runs: [number, number][] = [];
  COLUMNS.forEach((c, i) => {
    if (c.editable || c.hidden || SELF_COLOURED.has(i)) return;
    const last = runs[runs.length - 1];
    if (last && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  });
  return runs;
}

function columnRange(sheet: Excel.Worksheet, first: number, last = first): Excel.Range {
  return sheet.getRange(`${columnLetter(first)}2:${columnLetter(last)}${LAST_SHEET_ROW}`);
}

/** Formats a new Orders table: hidden key columns, widths, shading, SLA colours, frozen header. */
function formatNewTable(sheet: Excel.Worksheet, setup: WorkbookSetup): void {
  sheet.getRange(`${columnLetter(COL.key)}:${columnLetter(COL.version)}`).columnHidden = true;
  COLUMNS.forEach((c, i) => {
    if (!c.hidden) sheet.getRange(`${columnLetter(i)}:${columnLetter(i)}`).format.columnWidth = c.width;
  });
  const keyed = `=LEN($${columnLetter(COL.key)}2)>0`;
  for (const [first, last] of systemColumnRuns()) {
    const cf = columnRange(sheet, first, last).conditionalFormats.add(Excel.ConditionalFormatType.custom);
    cf.custom.rule.formula = keyed;
    cf.custom.format.fill.color = SYSTEM_FILL;
  }
  const sla = columnRange(sheet, COL.sla);
  for (const level of ["red", "orange", "green"] as const) {
    for (const text of setup.slaLabels[level]) {
      const cf = sla.conditionalFormats.add(Excel.ConditionalFormatType.containsText);
      cf.textComparison.rule = { operator: Excel.ConditionalTextOperator.contains, text };
      cf.textComparison.format.fill.color = SLA_STYLES[level].fill;
      cf.textComparison.format.font.color = SLA_STYLES[level].font;
      cf.stopIfTrue = true;
    }
  }
  sheet.freezePanes.freezeRows(1);
}

/**
 * Shades the editable columns this user may not edit like system columns, and takes that
 * shading off the others (the user or the policy may have changed since the last time).
 * Editable columns carry no other conditional format, so clearing theirs loses nothing.
 */
function shadeLockedColumns(sheet: Excel.Worksheet, setup: WorkbookSetup): void {
  const locked = new Set(setup.lockedColumns ?? []);
  const keyed = `=LEN($${columnLetter(COL.key)}2)>0`;
  COLUMNS.forEach((c, i) => {
    if (!c.editable) return;
    const range = columnRange(sheet, i);
    range.conditionalFormats.clearAll();
    if (!locked.has(i)) return;
    const cf = range.conditionalFormats.add(Excel.ConditionalFormatType.custom);
    cf.custom.rule.formula = keyed;
    cf.custom.format.fill.color = SYSTEM_FILL;
  });
}

/**
 * The validation formula of the Status cell in row 2 (Excel shifts it for the rows below): the
 * options of the row of the lists sheet whose first cell is the status the cell shows — columns
 * C onward, as many as column B counts.
 */
export function dependentListFormula(listsSheet: string, statusCell: string, states: number): string {
  const sheet = `'${listsSheet.replace(/'/g, "''")}'`;
  const at = `MATCH(${statusCell},${sheet}!$A$1:$A$${states},0)`;
  return `=OFFSET(${sheet}!$C$1,${at}-1,0,1,INDEX(${sheet}!$B$1:$B$${states},${at}))`;
}

/**
 * Writes the status dropdown's table to the hidden Lists sheet — per state its label (A), how
 * many options it offers (B) and the options (C…): the state itself, then the moves allowed
 * from it — and points each Status cell's list at the row of the status it shows.
 */
function refreshStatusList(lists: Excel.Worksheet, listsName: string, orders: Excel.Worksheet, setup: WorkbookSetup): void {
  const moves = setup.statusMoves?.length ? setup.statusMoves : undefined;
  const labels = setup.statusLabels.length ? setup.statusLabels : [""];
  const width = moves ? Math.max(...moves.map((m) => m.length)) : 0;
  lists.getRange(`A:${columnLetter(Math.max(2, width + 1))}`).clear();
  const status = columnRange(orders, COL.status);
  status.dataValidation.clear();
  if (moves) {
    const grid = moves.map((m) => [m[0], m.length, ...Array.from({ length: width }, (_, i) => m[i] ?? "")]);
    const range = lists.getRange(`A1:${columnLetter(width + 1)}${moves.length}`);
    range.numberFormat = grid.map((row) => row.map((_, i) => (i === 1 ? "0" : "@")));
    range.values = grid;
    status.dataValidation.rule = { list: { inCellDropDown: true, source: dependentListFormula(listsName, `$${columnLetter(COL.status)}2`, moves.length) } };
  } else {
    lists.getRange(`A1:A${labels.length}`).values = labels.map((l) => [l]);
    status.dataValidation.rule = { list: { inCellDropDown: true, source: `='${listsName.replace(/'/g, "''")}'!$A$1:$A$${labels.length}` } };
  }
  status.dataValidation.errorAlert = {
    showAlert: true,
    style: Excel.DataValidationAlertStyle.stop,
    title: setup.validation.title,
    message: setup.validation.message,
  };
}

/**
 * Creates what the pane needs and is missing — the Orders sheet and table, the hidden lists
 * sheet, the alerts and conflicts sheets, named in the workbook's language and marked so they
 * are found again whatever staff rename them to — and refreshes the header row and the status
 * list in the current language, and the shading of the columns this user may not edit. An
 * existing table whose columns were changed is refused (writing on would mix up columns).
 * Returns whether the table was created, and where each sheet is.
 */
export async function prepareWorkbook(context: Excel.RequestContext, setup: WorkbookSetup): Promise<{ created: boolean; names: SheetNames }> {
  const table = context.workbook.tables.getItemOrNullObject(ORDERS_TABLE).load("isNullObject");
  await context.sync();

  let header: Excel.Range | undefined;
  let tableSheet: string | undefined;
  if (!table.isNullObject) {
    header = table.getHeaderRowRange().load("values");
    const home = table.worksheet.load("name");
    await context.sync();
    tableSheet = home.name;
    const bad = headerMismatch(header.values[0] ?? []);
    if (bad >= 0) throw new TableShapeError(bad, COLUMNS[bad].header[setup.lang]);
  }

  const { names, sheets } = await locateSheets(context, setup.lang, tableSheet, setup.renameSheets);
  const orders = sheets.orders;
  const created = table.isNullObject;
  if (created) {
    const added = orders.tables.add(`A1:${columnLetter(COLUMN_COUNT - 1)}1`, true);
    added.name = ORDERS_TABLE;
    header = added.getHeaderRowRange();
    formatNewTable(orders, setup);
  }
  header!.values = [setup.headers];
  shadeLockedColumns(orders, setup);

  sheets.lists.visibility = Excel.SheetVisibility.hidden;
  refreshStatusList(sheets.lists, names.lists, orders, setup);
  if (created) orders.activate();
  await context.sync();
  return { created, names };
}
