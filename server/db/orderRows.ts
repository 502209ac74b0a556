import type { Order, OrderLine } from "../domain/order.js";

/** Explicit column lists: the store never selects `*`. */
export const ORDER_COLUMNS = [
  "id", "workspace_id", "channel", "external_order_id", "status", "workflow_version", "version",
  "customer_id", "customer_name", "customer_phone", "total_amount", "currency", "region", "warehouse",
  "carrier", "waybill_no", "tags", "extra", "placed_at", "paid_at", "outbound_at", "promised_at",
  "status_since", "created_at", "updated_at", "customer_address",
] as const;

/** Columns of order_lines read back. */
export const LINE_COLUMNS = ["order_id", "line_no", "sku", "name", "quantity", "unit_price", "amount", "flags"] as const;

type Row = Record<string, any>;

function iso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return new Date(value as string).toISOString();
}

function json<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  return (typeof value === "string" ? JSON.parse(value) : value) as T;
}

/** Database row → domain order. */
export function rowToOrder(row: Row): Order {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    channel: row.channel,
    externalOrderId: row.external_order_id,
    status: row.status,
    workflowVersion: Number(row.workflow_version),
    version: Number(row.version),
    customer: { id: row.customer_id, name: row.customer_name, phone: row.customer_phone, address: row.customer_address ?? null },
    totalAmount: Number(row.total_amount),
    currency: row.currency,
    region: row.region,
    warehouse: row.warehouse,
    carrier: row.carrier,
    waybillNo: row.waybill_no,
    tags: json<string[]>(row.tags, []),
    extra: json<Record<string, unknown>>(row.extra, {}),
    placedAt: iso(row.placed_at),
    paidAt: iso(row.paid_at),
    outboundAt: iso(row.outbound_at),
    promisedAt: iso(row.promised_at),
    statusSince: iso(row.status_since)!,
    createdAt: iso(row.created_at)!,
    updatedAt: iso(row.updated_at)!,
  };
}

/** Domain order → database row (every column); jsonb values stay objects (see bulkInsert). */
export function orderToRow(order: Order, auditHead: string | null = null): Row {
  return {
    workspace_id: order.workspaceId,
    id: order.id,
    channel: order.channel,
    external_order_id: order.externalOrderId,
    status: order.status,
    workflow_version: order.workflowVersion,
    version: order.version,
    customer_id: order.customer.id,
    customer_name: order.customer.name,
    customer_phone: order.customer.phone,
    total_amount: order.totalAmount,
    currency: order.currency,
    region: order.region,
    warehouse: order.warehouse,
    carrier: order.carrier,
    waybill_no: order.waybillNo,
    tags: order.tags,
    extra: order.extra,
    placed_at: order.placedAt,
    paid_at: order.paidAt,
    outbound_at: order.outboundAt,
    promised_at: order.promisedAt,
    status_since: order.statusSince,
    created_at: order.createdAt,
    updated_at: order.updatedAt,
    audit_head: auditHead,
    customer_address: order.customer.address ?? null,
  };
}

/** Database row → domain order line. */
export function rowToLine(row: Row): OrderLine {
  return {
    lineNo: Number(row.line_no),
    sku: row.sku,
    name: row.name,
    quantity: Number(row.quantity),
    unitPrice: Number(row.unit_price),
    amount: Number(row.amount),
    flags: json<Record<string, boolean>>(row.flags, {}),
  };
}

/** Domain order line → database row; `flags` stays an object (see bulkInsert). */
export function lineToRow(workspaceId: string, orderId: string, line: OrderLine): Row {
  return {
    workspace_id: workspaceId,
    order_id: orderId,
    line_no: line.lineNo,
    sku: line.sku,
    name: line.name,
    quantity: line.quantity,
    unit_price: line.unitPrice,
    amount: line.amount,
    flags: line.flags,
  };
}
