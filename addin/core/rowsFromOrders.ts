import type { OrderView } from "../../server/contracts/orders.js";
import type { WorkflowDefinition } from "../../server/contracts/workflow.js";
import type { Order } from "../../server/domain/order.js";
import { slaLevel } from "../../server/domain/workflow/slaLevel.js";
import { COL, COLUMN_COUNT } from "./columns.js";
import { amountNumber, excelSerial } from "./cellFormats.js";
import { channelLabel, t, type Lang } from "./i18n.js";
import type { StatusBook } from "./StatusBook.js";

/** A value as it sits in (or is written to) a cell. */
export type CellValue = string | number | boolean;

/** What turning an order into a sheet row depends on besides the order. */
export interface RowContext {
  lang: Lang;
  /** The workspace time zone times are shown in (e.g. Asia/Shanghai). */
  timeZone: string;
  statuses: StatusBook;
  /** The workflow, for SLA colours; without it the SLA column stays empty. */
  flow?: WorkflowDefinition;
  now: Date;
}

/** The view as the domain's `Order`, for domain functions such as `slaLevel`. */
export function orderFromView(view: OrderView): Order {
  const { lines: _lines, totalAmountMinor, ...rest } = view;
  return { ...rest, workspaceId: "", totalAmount: totalAmountMinor };
}

/** The SLA cell of an order at `ctx.now`: the level's label, or empty when no SLA runs. */
export function slaText(view: OrderView, ctx: RowContext): string {
  if (!ctx.flow) return "";
  const level = slaLevel(ctx.flow, orderFromView(view), ctx.now);
  return level ? t(ctx.lang, `sla.${level}`) : "";
}

function remarkText(extra: Record<string, unknown>): string {
  const r = extra.remark;
  if (r === undefined || r === null) return "";
  return typeof r === "string" ? r : JSON.stringify(r);
}

/**
 * One order as the Orders table row, typed as Excel should hold it: the amount a number, times
 * Excel date serials of the workspace's wall-clock time, everything else text (written into
 * text-formatted cells, so long digit strings keep every digit and nothing becomes a formula).
 * The Sync column is left empty: the pane owns it.
 */
export function rowFromOrder(order: OrderView, ctx: RowContext): CellValue[] {
  const row: CellValue[] = new Array<CellValue>(COLUMN_COUNT).fill("");
  row[COL.key] = order.id;
  row[COL.version] = String(order.version);
  row[COL.orderId] = order.id;
  row[COL.status] = ctx.statuses.label(order.status, ctx.lang);
  row[COL.channel] = channelLabel(order.channel, ctx.lang);
  row[COL.externalOrderId] = order.externalOrderId;
  row[COL.customer] = order.customer.name ?? order.customer.id ?? "";
  row[COL.amount] = amountNumber(order.totalAmount);
  row[COL.currency] = order.currency;
  row[COL.region] = order.region ?? "";
  row[COL.warehouse] = order.warehouse ?? "";
  row[COL.carrier] = order.carrier ?? "";
  row[COL.waybillNo] = order.waybillNo ?? "";
  row[COL.tags] = order.tags.join(", ");
  row[COL.remark] = remarkText(order.extra);
  row[COL.placedAt] = excelSerial(order.placedAt, ctx.timeZone);
  row[COL.statusSince] = excelSerial(order.statusSince, ctx.timeZone);
  row[COL.sla] = slaText(order, ctx);
  row[COL.updatedAt] = excelSerial(order.updatedAt, ctx.timeZone);
  return row;
}

/** Rows for many orders, in the given order. */
export function rowsFromOrders(orders: readonly OrderView[], ctx: RowContext): CellValue[][] {
  return orders.map((o) => rowFromOrder(o, ctx));
}

/** The text a cell value compares as (a pasted number and its text are the same cell content). */
export function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? value : String(value);
}

/**
 * SLA cells whose text changed since they were written (`shown`, updated in place): the time
 * that passes turns green orders orange and red without any change to the order itself.
 */
export function slaPatches(orders: Iterable<OrderView>, shown: Map<string, string>, ctx: RowContext): { orderId: string; col: number; value: string }[] {
  const patches: { orderId: string; col: number; value: string }[] = [];
  for (const o of orders) {
    const text = slaText(o, ctx);
    if (shown.get(o.id) === text) continue;
    shown.set(o.id, text);
    patches.push({ orderId: o.id, col: COL.sla, value: text });
  }
  return patches;
}
