import { formatMinorUnits, minorDigits } from "../money.js";
import type { Order } from "../order.js";

/** A typed export cell: text stays text (long digit strings too), amounts are numbers, times dates. */
export type ExportCell =
  | { kind: "text"; value: string }
  | { kind: "number"; value: number; digits: number; text: string }
  | { kind: "date"; value: Date; text: string }
  | null;

/** One export column: its header per language and the kind of its cells. */
export interface ExportColumn {
  id: string;
  header: { "zh-CN": string; en: string };
  kind: "text" | "number" | "date";
  width: number;
}

const col = (id: string, zh: string, en: string, kind: ExportColumn["kind"], width: number): ExportColumn => ({ id, header: { "zh-CN": zh, en }, kind, width });

/** The columns of an order export, in file order. */
export const EXPORT_COLUMNS: readonly ExportColumn[] = [
  col("id", "订单号", "Order ID", "text", 20),
  col("channel", "渠道", "Channel", "text", 10),
  col("externalOrderId", "平台单号", "External order ID", "text", 22),
  col("status", "状态", "Status", "text", 14),
  col("statusCode", "状态代码", "Status code", "text", 16),
  col("customerName", "客户", "Customer", "text", 12),
  col("customerPhone", "电话", "Phone", "text", 15),
  col("customerAddress", "地址", "Address", "text", 30),
  col("totalAmount", "金额", "Amount", "number", 12),
  col("currency", "币种", "Currency", "text", 8),
  col("region", "地区", "Region", "text", 10),
  col("warehouse", "仓库", "Warehouse", "text", 12),
  col("carrier", "承运商", "Carrier", "text", 12),
  col("waybillNo", "运单号", "Waybill no.", "text", 20),
  col("tags", "标签", "Tags", "text", 16),
  col("placedAt", "下单时间", "Placed at", "date", 19),
  col("paidAt", "付款时间", "Paid at", "date", 19),
  col("outboundAt", "出库时间", "Outbound at", "date", 19),
  col("statusSince", "状态开始时间", "Status since", "date", 19),
  col("updatedAt", "更新时间", "Updated at", "date", 19),
];

const wallFormats = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant as the wall-clock time of `timeZone`, carried in a Date's UTC fields (what a
 * spreadsheet cell, which has no zone, should show), with its `YYYY-MM-DD HH:mm:ss` text.
 */
export function wallClock(iso: string, timeZone: string): { value: Date; text: string } {
  let f = wallFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
    wallFormats.set(timeZone, f);
  }
  const parts = Object.fromEntries(f.formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  const text = `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
  return { value: new Date(`${parts.year}-${parts.month}-${parts.day}T${parts.hour}:${parts.minute}:${parts.second}Z`), text };
}

const text = (v: string | null | undefined): ExportCell => (v === null || v === undefined || v === "" ? null : { kind: "text", value: v });
const date = (iso: string | null, tz: string): ExportCell => (iso ? { kind: "date", ...wallClock(iso, tz) } : null);

function amount(o: Order): ExportCell {
  const exact = formatMinorUnits(o.totalAmount, o.currency);
  return { kind: "number", value: Number(exact), digits: minorDigits(o.currency), text: exact };
}

/** What turning orders into export rows needs besides the orders. */
export interface ExportContext {
  /** The workspace time zone times are shown in. */
  timeZone: string;
  /** A status code's label in the export's language. */
  statusLabel: (code: string) => string;
}

/** The orders (already masked for the caller's role) as typed rows under `EXPORT_COLUMNS`. */
export function exportRows(orders: readonly Order[], ctx: ExportContext): ExportCell[][] {
  return orders.map((o) => [
    text(o.id),
    text(o.channel),
    text(o.externalOrderId),
    text(ctx.statusLabel(o.status)),
    text(o.status),
    text(o.customer.name),
    text(o.customer.phone),
    text(o.customer.address),
    amount(o),
    text(o.currency),
    text(o.region),
    text(o.warehouse),
    text(o.carrier),
    text(o.waybillNo),
    text(o.tags.join(",")),
    date(o.placedAt, ctx.timeZone),
    date(o.paidAt, ctx.timeZone),
    date(o.outboundAt, ctx.timeZone),
    date(o.statusSince, ctx.timeZone),
    date(o.updatedAt, ctx.timeZone),
  ]);
}

/**
 * A cell as CSV text: amounts as exact decimals, times as `YYYY-MM-DD HH:mm:ss` in the
 * workspace zone. Text starting with `=`, `+`, `-` or `@` gets a leading `'`, so a
 * spreadsheet opening the file never runs a customer-supplied formula.
 */
export function cellCsvText(cell: ExportCell): string {
  if (cell === null) return "";
  if (cell.kind === "number" || cell.kind === "date") return cell.text;
  return /^[=+\-@\t\r]/.test(cell.value) ? `'${cell.value}` : cell.value;
}

/** One CSV record (RFC 4180 quoting), without the line break. */
export function csvRecord(values: readonly string[]): string {
  return values.map((v) => (/[",\r\n]/.test(v) || /^\s|\s$/.test(v) ? `"${v.replace(/"/g, '""')}"` : v)).join(",");
}
