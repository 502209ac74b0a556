import type { Knex } from "knex";
import type { Order } from "../domain/order.js";
import type { Related } from "../domain/workflow/guardContext.js";

/** The `conflicts.kind` of another system disagreeing about an order's status: the only kind the channel breaker counts. */
export const STATUS_DISAGREEMENT = "status_disagreement";

/**
 * The cross-order numbers guards read as `related.*`, for a set of orders, in three
 * grouped queries: same customer on other channels within 30 minutes, status conflicts on
 * the order's channel since midnight in the workspace time zone, and the order's status
 * flip-flops (returns to a status it held earlier) in 24 h.
 *
 * A status conflict is another system disagreeing about an order's status (the carrier
 * says signed, our status says not outbound: `STATUS_DISAGREEMENT` rows). Stale edits by
 * staff (`stale_edit`, `stale_status`) are edit conflicts that the editor resolves in the
 * cell; they never count here, so colleagues racing for a cell cannot pause a channel.
 */
export async function relatedCounts(trx: Knex.Transaction, ws: string, orders: Order[], now: Date, timeZone: string): Promise<Map<string, Related>> {
  const out = new Map<string, Related>(orders.map((o) => [o.id, { sameCustomerOtherChannels30m: 0, channelConflictsToday: 0, orderStatusJumps24h: 0 }]));
  if (orders.length === 0) return out;
  const ids = orders.map((o) => o.id);

  // One look-up per order on `orders_customer` (workspace, customer, placed_at), as a lateral
  // count over the batch's orders as they stand in memory: written as a join of `orders` with
  // itself, the planner hashed every order of the workspace (a sequential scan of the table
  // per batch of events, growing with history).
  const withCustomer = orders.filter((o) => o.customer.id && o.placedAt);
  const customers = withCustomer.length === 0 ? { rows: [] } : await trx.raw(
    `select o.id, c.n
     from unnest(?::text[], ?::text[], ?::text[], ?::timestamptz[]) as o(id, customer_id, channel, placed_at)
     cross join lateral (
       select count(*)::int as n from orders other
        where other.workspace_id = ? and other.customer_id = o.customer_id
          and other.placed_at between o.placed_at - interval '30 minutes' and o.placed_at + interval '30 minutes'
          and other.channel <> o.channel
     ) c`,
    [withCustomer.map((o) => o.id), withCustomer.map((o) => o.customer.id), withCustomer.map((o) => o.channel), withCustomer.map((o) => o.placedAt), ws] as unknown as readonly Knex.RawBinding[],
  );
  for (const r of customers.rows) out.get(r.id)!.sameCustomerOtherChannels30m = Number(r.n);

  const channels = [...new Set(orders.map((o) => o.channel))];
  const conflicts = await trx.raw(
    `select channel, count(*)::int as n from conflicts
     where workspace_id = ? and channel = any(?::text[]) and kind = ?
       and at >= (date_trunc('day', ?::timestamptz at time zone ?) at time zone ?)
     group by channel`,
    [ws, channels, STATUS_DISAGREEMENT, now.toISOString(), timeZone, timeZone],
  );
  const byChannel = new Map((conflicts.rows as { channel: string; n: number }[]).map((r) => [r.channel, Number(r.n)]));
  for (const o of orders) out.get(o.id)!.channelConflictsToday = byChannel.get(o.channel) ?? 0;

  // A status "jump" is a change back to a status the order already held in the window
  // (in_transit → delivery_exception → in_transit …): sources disagreeing about the order.
  // Ordinary forward progress never revisits a status, so it never counts.
  const since = new Date(now.getTime() - 24 * 3600_000).toISOString();
  // The window's status entries come back in one index scan and are paired here: a
  // correlated EXISTS per entry costs the database far more than the few rows per order.
  const entries = await trx.raw(
    `select order_id, old_value, new_value from audit_log
     where workspace_id = ? and order_id = any(?::text[]) and field = 'status' and at >= ?
     order by order_id, seq`,
    [ws, ids, since],
  );
  let current: string | undefined;
  let held = new Set<string>();
  for (const r of entries.rows as { order_id: string; old_value: unknown; new_value: unknown }[]) {
    if (r.order_id !== current) {
      current = r.order_id;
      held = new Set();
    }
    const counts = out.get(r.order_id);
    if (counts && held.has(JSON.stringify(r.new_value))) counts.orderStatusJumps24h! += 1;
    held.add(JSON.stringify(r.old_value));
  }
  return out;
}
