import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import type { Cell, SheetTable } from "../../domain/mapping/columnMapping.js";
import { InputError } from "../../domain/errors.js";

/** Media types a file drop takes. */
export const CSV_TYPES = ["text/csv", "text/plain", "application/csv", "text/tab-separated-values"];
export const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/**
 * A CSV export's text: UTF-8 (with or without BOM) when it decodes as such, UTF-16 by its
 * BOM, otherwise GBK (GB18030) — what Chinese platforms and banks export (research §6).
 */
export function decodeText(bytes: Buffer): { text: string; encoding: string } {
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { text: bytes.subarray(3).toString("utf8"), encoding: "utf-8" };
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return { text: iconv.decode(bytes.subarray(2), "utf16le"), encoding: "utf-16le" };
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return { text: iconv.decode(bytes.subarray(2), "utf16be"), encoding: "utf-16be" };
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes), encoding: "utf-8" };
  } catch {
    return { text: iconv.decode(bytes, "gb18030"), encoding: "gbk" };
  }
}

/** CSV records with the line each starts on (RFC 4180: quoted fields may hold commas, quotes and line breaks). */
export function parseCsv(text: string, delimiter = ","): { line: number; cells: string[] }[] {
  const out: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let field = "";
  let quoted = false;
  let line = 1;
  let start = 1;
  let fieldStarted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else {
        if (ch === "\n") line++;
        field += ch;
      }
      continue;
    }
    if (ch === '"' && !fieldStarted) {
      quoted = true;
      fieldStarted = true;
    } else if (ch === delimiter) {
      cells.push(field);
      field = "";
      fieldStarted = false;
    } else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      cells.push(field);
      out.push({ line: start, cells });
      cells = [];
      field = "";
      fieldStarted = false;
      line++;
      start = line;
    } else {
      field += ch;
      fieldStarted = true;
    }
  }
  if (quoted) throw new InputError(`the CSV has a quote opened on line ${start} and never closed`);
  if (field !== "" || cells.length) {
    cells.push(field);
    out.push({ line: start, cells });
  }
  return out;
}

/** The first row with at least two filled cells that is not a `#` comment is the header; rows above it are a preamble. */
function toTable(rows: { line: number; cells: Cell[] }[]): SheetTable {
  const filled = (cells: Cell[]) => cells.filter((c) => c !== null && String(c).trim() !== "").length;
  const isComment = (cells: Cell[]) => typeof cells[0] === "string" && cells[0].trim().startsWith("#");
  const h = rows.findIndex((r) => filled(r.cells) >= 2 && !isComment(r.cells));
  if (h < 0) throw new InputError("the file has no header row (a row naming at least two columns)");
  const headers = rows[h].cells.map((c) => (c === null ? "" : String(c).replace(/^\uFEFF/, "").trim()));
  return { headerLine: rows[h].line, headers, rows: rows.slice(h + 1).filter((r) => !isComment(r.cells)) };
}

/** A CSV export as a table. */
export function readCsv(bytes: Buffer): SheetTable & { encoding: string } {
  const { text, encoding } = decodeText(bytes);
  const firstLine = text.slice(0, text.indexOf("\n") >>> 0);
  const delimiter = firstLine.includes("\t") && !firstLine.includes(",") ? "\t" : ",";
  return { ...toTable(parseCsv(text, delimiter)), encoding };
}

function cellValue(v: ExcelJS.CellValue): Cell {
  if (v === null || v === undefined) return null;
  if (v instanceof Date || typeof v === "number" || typeof v === "string" || typeof v === "boolean") return v;
  if (typeof v === "object") {
    if ("richText" in v) return v.richText.map((r) => r.text).join("");
    if ("result" in v) return cellValue((v as ExcelJS.CellFormulaValue).result as ExcelJS.CellValue);
    if ("text" in v) return String((v as { text: unknown }).text);
    if ("error" in v) return null;
  }
  return String(v);
}

/** The first worksheet of an .xlsx export as a table (line = the sheet's row number). */
export async function readXlsx(bytes: Buffer): Promise<SheetTable> {
  const wb = new ExcelJS.Workbook();
  try {
    await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  } catch (err) {
    throw new InputError(`the file is not a readable .xlsx workbook (${String((err as Error)?.message ?? err).slice(0, 120)})`);
  }
  const sheet = wb.worksheets[0];
  if (!sheet) throw new InputError("the workbook has no worksheet");
  const rows: { line: number; cells: Cell[] }[] = [];
  sheet.eachRow({ includeEmpty: false }, (row, n) => {
    const cells: Cell[] = [];
    for (let c = 1; c <= row.cellCount; c++) cells.push(cellValue(row.getCell(c).value));
    rows.push({ line: n, cells });
  });
  return toTable(rows);
}

/** Reads a file by its media type (or, when vague, by its first bytes: xlsx is a zip). */
export async function readSheet(bytes: Buffer, mediaType: string): Promise<SheetTable & { encoding?: string }> {
  if (bytes.length === 0) throw new InputError("the file is empty");
  const type = mediaType.split(";")[0].trim().toLowerCase();
  const zip = bytes[0] === 0x50 && bytes[1] === 0x4b;
  if (type === XLSX_TYPE || (zip && (type === "application/octet-stream" || type === ""))) return readXlsx(bytes);
  if (CSV_TYPES.includes(type) || type === "application/octet-stream" || type === "") {
    if (zip) throw new InputError("the file looks like a zip or .xlsx but was sent as CSV; send it with Content-Type " + XLSX_TYPE);
    return readCsv(bytes);
  }
  throw new InputError(`Content-Type ${type || "(none)"} is not a file drop can read: send text/csv or ${XLSX_TYPE}`);
}
