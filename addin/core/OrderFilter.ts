import { z } from "zod";
import type { ListOrdersQuery, OrderView } from "../../server/contracts/orders.js";
import { formatDate } from "./formatTime.js";

/** The view staff picked: which orders the sheet holds. Dates are "YYYY-MM-DD" in the workspace zone. */
export const OrderFilter = z.object({
  channel: z.string().optional(),
  status: z.string().optional(),
  region: z.string().optional(),
  placedFrom: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  placedTo: z.string().regex(/^\d{4}-\d{2}-\d{2}$/).optional(),
  /** Find by platform order ID, order ID, waybill or receiver phone (exact). */
  q: z.string().optional(),
  /** Only orders whose SLA is red or orange or with an alert timer come due. */
  overdue: z.boolean().optional(),
  /** Only orders this user changed lately or with an open task for their role. */
  mine: z.boolean().optional(),
  /** "all" to load every order ever; by default the server's recent window (open orders plus the last 7 days). */
  window: z.enum(["recent", "all"]).optional(),
});
export type OrderFilter = z.infer<typeof OrderFilter>;

/** A filter as `GET /api/orders` query parameters (the server reads the days in the workspace time zone). */
export function listQuery(filter: OrderFilter): Partial<ListOrdersQuery> {
  const q: Partial<ListOrdersQuery> = {};
  if (filter.channel) q.channel = filter.channel;
  if (filter.status) q.status = filter.status;
  if (filter.region) q.region = filter.region;
  if (filter.placedFrom) q.placedFrom = filter.placedFrom;
  if (filter.placedTo) q.placedTo = filter.placedTo;
  if (filter.q?.trim()) q.q = filter.q.trim();
  if (filter.overdue) q.overdue = "1";
  if (filter.mine) q.mine = "1";
  if (filter.window) q.window = filter.window;
  return q;
}

/**
 * Whether an order the change feed brings belongs in the view (the placing date compared in the
 * workspace time zone). "Overdue" and "mine" are the server's to judge: a new order joins those
 * views at the next load, not from the feed.
 */
export function matchesFilter(order: OrderView, filter: OrderFilter, timeZone: string): boolean {
  if (filter.overdue || filter.mine) return false;
  const wanted = filter.q?.trim();
  if (wanted && ![order.id, order.externalOrderId, order.waybillNo, order.customer.phone].some((v) => v === wanted)) return false;
  if (filter.channel && order.channel !== filter.channel) return false;
  if (filter.status && order.status !== filter.status) return false;
  if (filter.region && order.region !== filter.region) return false;
  if (filter.placedFrom || filter.placedTo) {
    const day = formatDate(order.placedAt ?? order.createdAt, timeZone);
    if (filter.placedFrom && day < filter.placedFrom) return false;
    if (filter.placedTo && day > filter.placedTo) return false;
  }
  return true;
}
