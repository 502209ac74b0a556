import { InputError } from "../errors.js";
import { toMinorUnits } from "../money.js";

/**
 * The column-mapping engine: a table read from a platform's export (its header row and
 * data rows, each with the line it came from) and a saved mapping (the platform's header →
 * an order field) become orders, or the rows that cannot be read, each named by line and
 * reason. Pure: no I/O, no time zone database beyond `Intl`. File drop uses it to import
 * exports; shadow mode reads a team's own sheet through it.
 */

/** Order fields a column can fill. */
export const MAPPING_FIELDS = [
  "externalOrderId", "customerName", "customerPhone", "customerId", "address", "totalAmount", "currency", "region", "warehouse", "carrier", "waybillNo",
  "placedAt", "paidAt", "status", "sku", "itemName", "quantity", "unitPrice", "lineAmount",
] as const;

/** A field a column can fill. */
export type MappingField = (typeof MAPPING_FIELDS)[number];

/** A platform header → the field it fills. */
export type ColumnMapping = Record<string, MappingField>;

/** A cell as a reader gives it (exceljs gives numbers, dates and text; CSV gives text). */
export type Cell = string | number | boolean | Date | null;

/** A table as read from a file: the header row and the data rows with their line numbers (1-based, as an editor shows them). */
export interface SheetTable {
  headerLine: number;
  headers: string[];
  rows: { line: number; cells: Cell[] }[];
}

/** A row that cannot be read. */
export interface RowProblem {
  line: number;
  column?: string;
  reason: string;
}

/** One item line of an order read from the table. */
export interface ReadLine {
  sku: string;
  name: string;
  quantity: number;
  /** Minor units. */
  unitPrice: number;
  amount: number;
}

/** An order read from one or more rows (exports list one row per item). */
export interface ReadOrder {
  externalOrderId: string;
  /** The first line it was read from. */
  line: number;
  customer: { id: string | null; name: string | null; phone: string | null; address: string | null };
  /** Minor units. */
  totalAmount: number;
  currency: string;
  region: string | null;
  warehouse: string | null;
  carrier: string | null;
  waybillNo: string | null;
  placedAt: string | null;
  paidAt: string | null;
  status: string | null;
  lines: ReadLine[];
}

/** How wall-clock values and money are read. */
export interface ReadOptions {
  currency: string;
  timeZone: string;
}

/** Header spellings seen in Chinese and international platform exports, by field (compared without spaces and case). */
const SYNONYMS: Record<MappingField, string[]> = {
  externalOrderId: ["订单编号", "订单号", "主订单编号", "订单id", "交易编号", "平台订单号", "线上订单号", "order id", "order number", "orderid", "order no", "name", "ordersn", "order_sn", "tid"],
  customerName: ["收货人姓名", "收货人", "买家会员名", "买家昵称", "客户名称", "客户", "收件人", "customer", "customer name", "shipping name", "buyer"],
  customerPhone: ["联系手机", "收货人手机", "手机", "手机号", "联系电话", "电话", "收件人手机", "phone", "shipping phone", "mobile"],
  customerId: ["买家id", "客户编号", "会员id", "customer id", "buyer id"],
  address: ["收货地址", "详细地址", "收件地址", "地址", "shipping address", "address", "shipping address1"],
  totalAmount: ["买家实际支付金额", "实付款", "实付金额", "订单金额", "总金额", "订单总金额", "应付金额", "支付金额", "total", "total amount", "total price", "amount"],
  currency: ["币种", "货币", "currency"],
  region: ["区域", "大区", "省份", "收货省份", "region", "shipping province", "province"],
  warehouse: ["仓库", "发货仓", "发货仓库", "warehouse"],
  carrier: ["物流公司", "快递公司", "承运商", "快递", "carrier", "tracking company", "shipping carrier"],
  waybillNo: ["运单号", "物流单号", "快递单号", "运单编号", "tracking number", "tracking no", "waybill", "waybill no"],
  placedAt: ["订单创建时间", "下单时间", "创建时间", "订单时间", "created at", "order date", "placed at", "created"],
  paidAt: ["订单付款时间", "付款时间", "支付时间", "paid at", "payment date", "paid"],
  status: ["订单状态", "交易状态", "状态", "status", "financial status", "order status"],
  sku: ["商家编码", "商品编码", "sku", "商品sku", "sku编码", "lineitem sku", "货号"],
  itemName: ["宝贝标题", "商品名称", "商品标题", "商品", "lineitem name", "item name", "product", "title"],
  quantity: ["宝贝总数量", "购买数量", "数量", "商品数量", "lineitem quantity", "quantity", "qty"],
  unitPrice: ["单价", "商品单价", "价格", "lineitem price", "unit price", "price"],
  lineAmount: ["小计", "商品金额", "商品总价", "lineitem total", "line total"],
};

const norm = (h: string) => h.replace(/[\s\u3000_:：()（）]/g, "").toLowerCase();

/** A mapping guessed from a file's headers: per field, the header matching its most telling spelling (each field and header at most once). */
export function suggestMapping(headers: readonly string[]): ColumnMapping {
  const out: ColumnMapping = {};
  for (const field of MAPPING_FIELDS) {
    for (const spelling of SYNONYMS[field].map(norm)) {
      const header = headers.find((h) => h.trim() && !(h.trim() in out) && norm(h) === spelling);
      if (header !== undefined) {
        out[header.trim()] = field;
        break;
      }
    }
  }
  return out;
}

/** What a mapping lacks to make orders: problems by field, empty when it is usable with these headers. */
export function mappingProblems(mapping: ColumnMapping, headers: readonly string[]): string[] {
  const problems: string[] = [];
  const present = new Set(headers.map((h) => h.trim()));
  const fields = new Map<MappingField, string[]>();
  for (const [header, field] of Object.entries(mapping)) fields.set(field, [...(fields.get(field) ?? []), header]);
  for (const [field, hs] of fields) if (hs.length > 1) problems.push(`${field}: mapped from ${hs.length} columns (${hs.join(", ")}); keep one`);
  for (const header of Object.keys(mapping)) if (!present.has(header)) problems.push(`${header}: no such column in the file`);
  if (!fields.has("externalOrderId")) problems.push("externalOrderId: no column is mapped to the order number");
  if (!fields.has("totalAmount") && !fields.has("unitPrice") && !fields.has("lineAmount")) problems.push("totalAmount: no column gives the order amount (totalAmount, unitPrice or lineAmount)");
  return problems;
}

/** Text of a cell: Excel's ="…" wrapper, a leading backtick or apostrophe, tabs and spaces around are taken off (exports add them to keep long numbers text). */
export function cellText(c: Cell): string {
  if (c === null || c === undefined) return "";
  if (c instanceof Date) return c.toISOString();
  let s = String(c).replace(/^\uFEFF/, "").trim();
  const wrapped = /^="(.*)"$/.exec(s);
  if (wrapped) s = wrapped[1];
  return s.replace(/^[`'\t]+/, "").replace(/\t+$/, "").trim();
}

/** Offset of `timeZone` from UTC at instant `ms`, in ms. */
function zoneOffsetMs(ms: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit" }).formatToParts(new Date(ms));
  const n = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  return Date.UTC(n("year"), n("month") - 1, n("day"), n("hour"), n("minute"), n("second")) - Math.floor(ms / 1000) * 1000;
}

/** A wall-clock time in `timeZone` as a UTC instant. */
function wallClock(y: number, mo: number, d: number, h: number, mi: number, s: number, timeZone: string): string | null {
  const guess = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(guess);
  if (check.getUTCFullYear() !== y || check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59) return null;
  let at = guess - zoneOffsetMs(guess, timeZone);
  at = guess - zoneOffsetMs(at, timeZone);
  return new Date(at).toISOString();
}

/**
 * A time cell as a UTC instant: an ISO instant with an offset as it is; `2026-01-15 10:30`,
 * `2026/1/15 10:30:00` or a date alone as wall-clock time in `timeZone`; a spreadsheet date
 * (read back as a UTC Date holding the wall-clock parts) the same way. Null when unreadable.
 */
export function readTime(c: Cell, timeZone: string): string | null {
  if (c instanceof Date) {
    if (!Number.isFinite(c.getTime())) return null;
    return wallClock(c.getUTCFullYear(), c.getUTCMonth() + 1, c.getUTCDate(), c.getUTCHours(), c.getUTCMinutes(), c.getUTCSeconds(), timeZone);
  }
  const s = cellText(c);
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s)) {
    const t = Date.parse(s);
    return Number.isFinite(t) ? new Date(t).toISOString() : null;
  }
  const m = /^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]+(\d{1,2})[:：](\d{2})(?:[:：](\d{2}))?)?$/.exec(s);
  if (!m) return null;
  return wallClock(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0), timeZone);
}

/** An amount cell in minor units: `¥1,234.50`, `1234.5`, a number. Throws `InputError` with the reason. */
export function readAmount(c: Cell, currency: string): number {
  if (typeof c === "number") return toMinorUnits(Number(c.toFixed(6)), currency);
  const s = cellText(c).replace(/^[¥￥$€£]|元$/g, "").replace(/^(CNY|RMB|USD)\s*/i, "").trim();
  if (!s) throw new InputError("is empty");
  return toMinorUnits(s, currency);
}

const problemOf = (err: unknown) => (err instanceof InputError ? err.message : String((err as Error)?.message ?? err));

/**
 * Reads every data row through the mapping. Rows of one order number are one order, each
 * row an item line. A row with a problem is reported with its line and the column; the
 * caller decides what to do with the orders when there are problems (file drop imports none).
 * Blank rows are skipped.
 */
export function readTable(table: SheetTable, mapping: ColumnMapping, opts: ReadOptions): { orders: ReadOrder[]; problems: RowProblem[] } {
  const problems: RowProblem[] = [];
  const index = new Map<string, number>();
  table.headers.forEach((h, i) => {
    const k = h.trim();
    if (k && !index.has(k)) index.set(k, i);
  });
  const columnOf = new Map<MappingField, { header: string; i: number }>();
  for (const [header, field] of Object.entries(mapping)) {
    const i = index.get(header);
    if (i !== undefined && !columnOf.has(field)) columnOf.set(field, { header, i });
  }
  const orders = new Map<string, ReadOrder & { declaredTotal: boolean }>();

  for (const row of table.rows) {
    if (row.cells.every((c) => cellText(c) === "")) continue;
    const raw = (f: MappingField): Cell => {
      const col = columnOf.get(f);
      return col ? (row.cells[col.i] ?? null) : null;
    };
    const text = (f: MappingField, max = 300): string | null => {
      const v = cellText(raw(f));
      return v ? v.slice(0, max) : null;
    };
    const before = problems.length;
    const fail = (f: MappingField, reason: string) => problems.push({ line: row.line, column: columnOf.get(f)?.header ?? f, reason });

    const ext = text("externalOrderId", 200);
    if (!ext) fail("externalOrderId", "the order number is empty");
    const currency = (text("currency", 3) ?? opts.currency).toUpperCase();
    if (!/^[A-Z]{3}$/.test(currency)) fail("currency", `"${currency}" is not a 3-letter currency code`);
    const amount = (f: MappingField): number | null => {
      if (!columnOf.has(f) || cellText(raw(f)) === "") return null;
      try {
        const v = readAmount(raw(f), currency);
        if (v < 0) throw new InputError("must not be negative");
        return v;
      } catch (err) {
        fail(f, `amount ${JSON.stringify(cellText(raw(f)))} cannot be read: ${problemOf(err)}`);
        return null;
      }
    };
    const time = (f: MappingField): string | null => {
      if (!columnOf.has(f) || cellText(raw(f)) === "") return null;
      const t = readTime(raw(f), opts.timeZone);
      if (t === null) fail(f, `time ${JSON.stringify(cellText(raw(f)))} cannot be read (expected e.g. 2026-01-15 10:30:00)`);
      return t;
    };
    let quantity = 1;
    if (columnOf.has("quantity") && cellText(raw("quantity")) !== "") {
      const q = Number(cellText(raw("quantity")));
      if (!Number.isInteger(q) || q < 1 || q > 1_000_000) fail("quantity", `quantity ${JSON.stringify(cellText(raw("quantity")))} is not a whole number ≥ 1`);
      else quantity = q;
    }
    const total = amount("totalAmount");
    const unitPrice = amount("unitPrice");
    const lineAmount = amount("lineAmount");
    const placedAt = time("placedAt");
    const paidAt = time("paidAt");
    if (problems.length > before || !ext) continue;

    const lineValue = lineAmount ?? (unitPrice !== null ? unitPrice * quantity : null);
    const hasLine = columnOf.has("sku") || columnOf.has("itemName") || columnOf.has("unitPrice") || columnOf.has("lineAmount");
    const line: ReadLine | null = hasLine
      ? { sku: text("sku", 100) ?? "(no sku)", name: text("itemName") ?? "", quantity, unitPrice: unitPrice ?? Math.round((lineValue ?? 0) / quantity), amount: lineValue ?? 0 }
      : null;
    const seen = orders.get(ext);
    if (seen) {
      if (seen.currency !== currency) {
        problems.push({ line: row.line, column: columnOf.get("currency")?.header ?? "currency", reason: `order ${ext} has currency ${seen.currency} on line ${seen.line}` });
        continue;
      }
      if (line) seen.lines.push(line);
      if (total !== null && !seen.declaredTotal) {
        seen.totalAmount = total;
        seen.declaredTotal = true;
      }
      seen.carrier ??= text("carrier", 100);
      seen.waybillNo ??= text("waybillNo", 100);
      seen.paidAt ??= paidAt;
      seen.status ??= text("status", 200);
      continue;
    }
    orders.set(ext, {
      externalOrderId: ext,
      line: row.line,
      customer: { id: text("customerId", 200), name: text("customerName", 200), phone: text("customerPhone", 50), address: text("address", 500) },
      totalAmount: total ?? 0,
      declaredTotal: total !== null,
      currency,
      region: text("region", 100),
      warehouse: text("warehouse", 100),
      carrier: text("carrier", 100),
      waybillNo: text("waybillNo", 100),
      placedAt,
      paidAt,
      status: text("status", 200),
      lines: line ? [line] : [],
    });
  }
  const out: ReadOrder[] = [];
  for (const { declaredTotal, ...o } of orders.values()) {
    if (!declaredTotal) o.totalAmount = o.lines.reduce((s, l) => s + l.amount, 0);
    out.push(o);
  }
  return { orders: out, problems };
}
