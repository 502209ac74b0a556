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
  return q;
}

/** Whether an order belongs in the view (the placing date compared in the workspace time zone). */
export function matchesFilter(order: OrderView, filter: OrderFilter, timeZone: string): boolean {
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
