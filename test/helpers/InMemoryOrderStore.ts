import { channelCode } from "../../server/domain/channels.js";
import { NotFoundError } from "../../server/domain/errors.js";
import type { Order } from "../../server/domain/order.js";
import { dayInZone, formatOrderId } from "../../server/domain/orderId.js";
import type { ImportOutcome, NewOrder, OrderListFilter, OrderPage, OrderStore, WriteContext } from "../../server/domain/orders/ports.js";

/**
 * An `OrderStore` in memory, for fast router tests: idempotent on (channel, external order
 * ID) per workspace, keyset-paged by (updatedAt, id) like `KnexOrderStore`. It records the
 * calls it gets, so a test can check what the router asked for (the `placed` day range is
 * recorded, not applied).
 */
export class InMemoryOrderStore implements OrderStore {
  readonly orders: Order[] = [];
  readonly calls: { method: keyof OrderStore; args: unknown[] }[] = [];
  private readonly counters = new Map<string, number>();

  async importOrders(ctx: WriteContext, drafts: NewOrder[], now: Date): Promise<ImportOutcome[]> {
    this.calls.push({ method: "importOrders", args: [ctx, drafts, now] });
    const at = now.toISOString();
    return drafts.map((d, index) => {
      const existing = this.orders.find((o) => o.workspaceId === ctx.workspaceId && o.channel === d.channel && o.externalOrderId === d.externalOrderId);
      if (existing) return { index, channel: d.channel, externalOrderId: d.externalOrderId, outcome: "unchanged", id: existing.id };
      const code = channelCode(d.channel);
      const day = dayInZone(new Date(d.placedAt ?? at), ctx.timeZone);
      const n = (this.counters.get(`${ctx.workspaceId}/${code}${day}`) ?? 0) + 1;
      this.counters.set(`${ctx.workspaceId}/${code}${day}`, n);
      const id = formatOrderId(code, day, n);
      this.orders.push({ ...d, id, workspaceId: ctx.workspaceId, status: "pending_payment", workflowVersion: 1, version: 1, paidAt: null, outboundAt: null, statusSince: at, createdAt: at, updatedAt: at });
      return { index, channel: d.channel, externalOrderId: d.externalOrderId, outcome: "created", id };
    });
  }

  async getOrder(workspaceId: string, id: string): Promise<Order> {
    this.calls.push({ method: "getOrder", args: [workspaceId, id] });
    const order = this.orders.find((o) => o.workspaceId === workspaceId && o.id === id);
    if (!order) throw new NotFoundError(`order ${id} does not exist`);
    return order;
  }

  async listOrders(workspaceId: string, f: OrderListFilter): Promise<OrderPage> {
    this.calls.push({ method: "listOrders", args: [workspaceId, f] });
    const key = (o: { updatedAt: string; id: string }) => `${o.updatedAt}\u0000${o.id}`;
    const matching = this.orders
      .filter((o) => o.workspaceId === workspaceId)
      .filter((o) => (f.status === undefined || o.status === f.status) && (f.channel === undefined || o.channel === f.channel))
      .filter((o) => (f.region === undefined || o.region === f.region) && (f.ids === undefined || f.ids.includes(o.id)))
      .filter((o) => f.updatedSince === undefined || o.updatedAt >= f.updatedSince)
      .filter((o) => f.cursor === undefined || key(o) > key(f.cursor))
      .sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    const orders = matching.slice(0, f.limit).map(({ lines: _lines, ...o }) => o);
    const last = orders[orders.length - 1];
    return { orders, next: matching.length > f.limit && last ? { updatedAt: last.updatedAt, id: last.id } : null };
  }

  /** Counts like `listOrders` filters (status, channel, region, ids, updatedSince; the desk filters are the database's). */
  async countOrders(workspaceId: string, f: Omit<OrderListFilter, "limit" | "cursor" | "withLines">): Promise<number> {
    this.calls.push({ method: "countOrders", args: [workspaceId, f] });
    return (await this.listOrders(workspaceId, { ...f, limit: Number.MAX_SAFE_INTEGER })).orders.length;
  }
}
