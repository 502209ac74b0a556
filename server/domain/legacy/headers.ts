/**
 * The header row of a hand-kept sheet and what its columns mean: the row is found below
 * merged titles and note lines, and each header is matched against the names teams give
 * order fields (Chinese and English), with a confidence a person confirms once.
 */
import { cellText, normaliseWord, type CellValue } from "./cellValues.js";

/** The order fields a sheet column can hold. */
export const LEGACY_FIELDS = [
  "seq", "externalOrderId", "channel", "placedAt", "customerName", "phone", "address", "item", "sku",
  "quantity", "amount", "status", "carrier", "waybillNo", "note", "handler",
] as const;
export type LegacyField = (typeof LEGACY_FIELDS)[number];

/** Header names per field; the first is the canonical one (confidence 1), the rest synonyms (0.9). */
export const HEADER_SYNONYMS: Record<LegacyField, readonly string[]> = {
  seq: ["序号", "编号", "行号", "no", "#", "seq", "index"],
  externalOrderId: ["订单号", "订单编号", "平台订单号", "平台单号", "网店订单号", "原始单号", "订单id", "单据编号", "order no", "order number", "order id", "orderid", "order"],
  channel: ["平台", "渠道", "销售平台", "来源", "订单来源", "店铺", "销售渠道", "platform", "channel", "source", "store", "shop"],
  placedAt: ["下单时间", "下单日期", "订单时间", "日期", "时间", "成交时间", "付款时间", "创建时间", "order date", "order time", "date", "placed at", "created", "time"],
  customerName: ["客户姓名", "客户", "姓名", "收货人", "收件人", "买家", "顾客", "客户名称", "联系人", "customer", "customer name", "name", "buyer", "consignee", "recipient"],
  phone: ["手机", "手机号", "手机号码", "电话", "联系电话", "联系方式", "收货人电话", "收件人电话", "phone", "mobile", "tel", "telephone", "contact"],
  address: ["收货地址", "地址", "详细地址", "收件地址", "送货地址", "address", "shipping address", "delivery address"],
  item: ["商品", "商品名称", "品名", "宝贝", "宝贝名称", "产品", "产品名称", "货品", "货品名称", "商品信息", "product", "item", "goods", "product name", "item name", "description"],
  sku: ["商品编码", "sku", "货号", "商家编码", "规格编码", "sku code"],
  quantity: ["数量", "件数", "购买数量", "数目", "qty", "quantity", "pcs", "count"],
  amount: ["金额", "实付金额", "实付", "订单金额", "总金额", "总价", "付款金额", "实收金额", "应收金额", "价格", "合计金额", "amount", "total", "paid", "price", "total amount", "order amount"],
  status: ["状态", "订单状态", "发货状态", "进度", "处理状态", "当前状态", "status", "state", "order status"],
  carrier: ["快递公司", "快递", "物流公司", "承运商", "快递名称", "物流", "carrier", "courier", "express", "shipping company", "logistics"],
  waybillNo: ["快递单号", "运单号", "物流单号", "单号", "快递号", "运单编号", "tracking no", "tracking number", "waybill", "waybill no", "tracking"],
  note: ["备注", "说明", "留言", "买家留言", "客服备注", "note", "notes", "remark", "remarks", "memo", "comment"],
  handler: ["经办人", "负责人", "跟单", "跟单员", "更新人", "客服", "操作人", "录入人", "handler", "owner", "operator", "agent", "staff"],
};

const exact = new Map<string, { field: LegacyField; confidence: number }>();
for (const field of LEGACY_FIELDS) {
  HEADER_SYNONYMS[field].forEach((name, i) => {
    const key = normaliseWord(name) || name;
    if (!exact.has(key)) exact.set(key, { field, confidence: i === 0 ? 1 : 0.9 });
  });
}
const bySpecificity = [...exact.entries()].filter(([k]) => k.length >= 2).sort((a, b) => b[0].length - a[0].length);

/** What one header names, with a confidence in 0..1; null when nothing fits. */
export function matchHeader(header: string): { field: LegacyField; confidence: number } | null {
  const raw = header.trim();
  if (raw === "" || raw.length > 30) return null;
  const key = normaliseWord(raw.replace(/[(（][^)）]*[)）]$/, "")) || raw;
  const hit = exact.get(key) ?? exact.get(normaliseWord(raw));
  if (hit) return hit;
  // A header that contains a known name (`收货人手机`, `实付金额(元)`, `订单号/编号`): the one
  // nearest the end wins (Chinese puts the head noun last: 收货人手机 is a phone), then the longest.
  let best: { field: LegacyField; confidence: number; end: number; length: number } | null = null;
  for (const [name, m] of bySpecificity) {
    const at = key.lastIndexOf(name);
    if (at < 0) continue;
    const end = at + name.length;
    if (!best || end > best.end || (end === best.end && name.length > best.length)) best = { field: m.field, confidence: Math.min(0.7, m.confidence - 0.2), end, length: name.length };
  }
  return best ? { field: best.field, confidence: best.confidence } : null;
}

/** One column's suggested (or confirmed) meaning. */
export interface ColumnMapping {
  /** 1-based column number. */
  column: number;
  header: string;
  field: LegacyField | null;
  confidence: number;
  hidden: boolean;
}

/** A grid of cells as read, with the facts a reader knows about it. */
export interface SheetGrid {
  name: string;
  /** Rows from the sheet's row 1; `rows[i][j]` is row i+1, column j+1. */
  rows: CellValue[][];
  /** 1-based numbers of hidden columns (kept and mapped like the others). */
  hiddenColumns: number[];
}

/** How many different fields a row's cells name, and its cells' count. */
function headerScore(row: CellValue[]): number {
  const fields = new Set<LegacyField>();
  for (const c of row) {
    const t = cellText(c);
    if (typeof c !== "string" || t.length > 20) continue;
    const m = matchHeader(t);
    if (m) fields.add(m.field);
  }
  return fields.size;
}

/**
 * The 1-based number of the header row: among the first 30 rows, the first with the most
 * cells naming an order field (at least three), which skips merged titles and note lines
 * above it. Null when no row looks like one.
 */
export function findHeaderRow(grid: SheetGrid): number | null {
  let best = { row: 0, score: 2 };
  grid.rows.slice(0, 30).forEach((row, i) => {
    const s = headerScore(row);
    if (s > best.score) best = { row: i + 1, score: s };
  });
  return best.row || null;
}

/** How strongly a sheet looks like an order sheet (for picking the sheet when none is named). */
export function sheetScore(grid: SheetGrid): number {
  const h = findHeaderRow(grid);
  return h === null ? 0 : headerScore(grid.rows[h - 1]) * 1000 + Math.min(grid.rows.length - h, 999);
}

/**
 * A mapping for the header row: each column gets its best field; when two columns claim
 * one field the more confident keeps it (the first on a tie) and the other is left unmapped
 * at confidence 0.3 for a person to decide. `快递` beside `快递单号` is the carrier; `单号`
 * beside `订单号` is the waybill.
 */
export function suggestMapping(headerRow: CellValue[], hiddenColumns: readonly number[] = []): ColumnMapping[] {
  const cols: ColumnMapping[] = headerRow.map((c, i) => {
    const header = cellText(c);
    const m = matchHeader(header);
    return { column: i + 1, header, field: m?.field ?? null, confidence: m?.confidence ?? 0, hidden: hiddenColumns.includes(i + 1) };
  });
  const owner = new Map<LegacyField, ColumnMapping>();
  for (const c of cols) {
    if (!c.field) continue;
    const prev = owner.get(c.field);
    if (!prev) owner.set(c.field, c);
    else {
      const loser = c.confidence > prev.confidence ? prev : c;
      if (loser === prev) owner.set(c.field, c);
      loser.field = null;
      loser.confidence = 0.3;
    }
  }
  return cols.filter((c) => c.header !== "" || c.field !== null);
}

/** A stable fingerprint of a workbook's header row (its normalised names in order): the same sheet layout gets the same mapping back. */
export function headerFingerprint(headers: readonly string[]): string {
  const text = headers.map((h) => normaliseWord(h) || h.trim()).join("\u001f");
  return fnv1a64(text, 0xcbf29ce484222325n) + fnv1a64(text, 0x84222325cbf29ce4n);
}

/**
 * FNV-1a (64-bit) of the UTF-8 bytes of `text` from `offset`, as 16 hex digits. Not a secret
 * hash, only a stable name for a layout; pure, so the domain stays browser-safe (the add-in
 * bundles it through the contracts).
 */
function fnv1a64(text: string, offset: bigint): string {
  const prime = 0x100000001b3n;
  const mask = (1n << 64n) - 1n;
  let h = offset;
  for (const byte of new TextEncoder().encode(text)) h = ((h ^ BigInt(byte)) * prime) & mask;
  return h.toString(16).padStart(16, "0");
}

/** Applies a confirmed mapping (header → field) to the columns of a header row; columns whose header it does not know keep the suggestion. */
export function applyConfirmed(suggested: ColumnMapping[], confirmed: Record<string, LegacyField | null>): ColumnMapping[] {
  const taken = new Set(Object.values(confirmed).filter((f): f is LegacyField => f !== null));
  return suggested.map((c) => {
    if (Object.prototype.hasOwnProperty.call(confirmed, c.header)) return { ...c, field: confirmed[c.header], confidence: 1 };
    if (c.field && taken.has(c.field)) return { ...c, field: null, confidence: 0.3 };
    return c;
  });
}
