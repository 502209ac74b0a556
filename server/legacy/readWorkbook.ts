/**
 * Reads an uploaded workbook (.xlsx through exceljs, or CSV in UTF-8 or GBK) into plain
 * grids for the pure legacy-import domain. Formulas give their cached results, rich text
 * its plain text, hyperlinks their text; merged cells keep their value in the top-left
 * cell only (a merged title is one title, not one per column); hidden columns are read
 * and reported.
 */
import ExcelJS from "exceljs";
import { InputError } from "../domain/errors.js";
import type { CellValue } from "../domain/legacy/cellValues.js";
import type { SheetGrid } from "../domain/legacy/headers.js";

/** The media types the import takes. */
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
export const CSV_TYPE = "text/csv";

/** The most rows and columns read from one sheet. */
export const MAX_ROWS = 200_000;
export const MAX_COLUMNS = 200;

/** An unreadable file: 400 with the reason, named so clients can tell it apart. */
export class UnreadableWorkbookError extends InputError {
  readonly code = "unreadable_workbook";
}

function plain(value: ExcelJS.CellValue): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  if (value instanceof Date) return value;
  const v = value as unknown as Record<string, unknown>;
  if (Array.isArray(v.richText)) return (v.richText as { text: string }[]).map((r) => r.text).join("");
  if ("formula" in v || "sharedFormula" in v) {
    const r = v.result as ExcelJS.CellValue | undefined;
    return r === undefined || (typeof r === "object" && r !== null && !(r instanceof Date) && "error" in (r as object)) ? null : plain(r);
  }
  if ("text" in v) return plain(v.text as ExcelJS.CellValue);
  if ("error" in v) return null;
  return String(value);
}

/** Every worksheet of an .xlsx file as grids (hidden sheets included, in workbook order). */
export async function readXlsx(bytes: Buffer): Promise<SheetGrid[]> {
  if (bytes.length < 4 || bytes.readUInt32LE(0) !== 0x04034b50) throw new UnreadableWorkbookError("the file is not an .xlsx workbook (an .xlsx file is a zip archive; save it as Excel Workbook (.xlsx) or CSV) / 文件不是 .xlsx 工作簿，请另存为 Excel 工作簿 (.xlsx) 或 CSV");
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    throw new UnreadableWorkbookError(`the .xlsx file cannot be read (${(err as Error).message.slice(0, 200)}) / 无法读取该 .xlsx 文件`);
  }
  const sheets: SheetGrid[] = [];
  for (const ws of wb.worksheets) {
    const width = Math.min(ws.columnCount, MAX_COLUMNS);
    const height = Math.min(ws.rowCount, MAX_ROWS);
    const rows: CellValue[][] = [];
    for (let r = 1; r <= height; r++) {
      const row = ws.getRow(r);
      const cells: CellValue[] = [];
      for (let c = 1; c <= width; c++) {
        const cell = row.getCell(c);
        cells.push(cell.isMerged && cell.master !== cell ? null : plain(cell.value));
      }
      while (cells.length && cells[cells.length - 1] === null) cells.pop();
      rows.push(cells);
    }
    const hiddenColumns: number[] = [];
    for (let c = 1; c <= width; c++) if (ws.getColumn(c).hidden) hiddenColumns.push(c);
    sheets.push({ name: ws.name, rows, hiddenColumns });
  }
  if (!sheets.length) throw new UnreadableWorkbookError("the workbook has no worksheets / 工作簿中没有工作表");
  return sheets;
}

/** CSV bytes as text: UTF-8 (with or without BOM) when valid, else GBK/GB18030 as Chinese Excel saves it. */
export function decodeCsv(bytes: Buffer): string {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return bytes.subarray(3).toString("utf8");
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return new TextDecoder("gb18030").decode(bytes);
  }
}

/** RFC 4180 CSV (comma, semicolon or tab, guessed from the first line) → rows of text. */
export function parseCsv(text: string): string[][] {
  const firstLine = text.slice(0, text.indexOf("\n") === -1 ? text.length : text.indexOf("\n"));
  const counts = [",", ";", "\t"].map((d) => ({ d, n: firstLine.split(d).length }));
  const delim = counts.sort((a, b) => b.n - a.n)[0].d;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += ch;
    } else if (ch === '"' && field === "") quoted = true;
    else if (ch === delim) {
      row.push(field);
      field = "";
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
      if (rows.length >= MAX_ROWS) break;
    } else field += ch;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** A CSV upload as one grid; cells stay text (the value readers parse them). */
export function readCsv(bytes: Buffer, name = "CSV"): SheetGrid[] {
  const text = decodeCsv(bytes);
  if (text.includes("\u0000")) throw new UnreadableWorkbookError("the file is not text CSV (it holds binary data) / 文件不是文本 CSV");
  const rows = parseCsv(text).map((r) => {
    const cells: CellValue[] = r.slice(0, MAX_COLUMNS).map((c) => (c.trim() === "" ? null : c));
    while (cells.length && cells[cells.length - 1] === null) cells.pop();
    return cells;
  });
  return [{ name, rows, hiddenColumns: [] }];
}

/** Reads an upload by its media type. */
export async function readWorkbook(bytes: Buffer, mediaType: string): Promise<SheetGrid[]> {
  if (mediaType === XLSX_TYPE) return readXlsx(bytes);
  if (mediaType === CSV_TYPE || mediaType === "application/csv") return readCsv(bytes);
  throw new InputError(`Content-Type must be ${XLSX_TYPE} (.xlsx) or ${CSV_TYPE} (got "${mediaType || "none"}") / 请以 .xlsx 或 CSV 格式上传`);
}
