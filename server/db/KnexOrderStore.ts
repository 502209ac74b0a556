import type { Knex } from "knex";
import { channelCode, type Channel } from "../domain/channels.js";
import { NotFoundError, InputError } from "../domain/errors.js";
import type { Order, OrderLine } from "../domain/order.js";
import { dayInZone, formatOrderId } from "../domain/orderId.js";
import { chainEntries, insertAuditRows } from "./auditWriter.js";
import { bulkInsert, LINE_WRITE_COLUMNS, ORDER_WRITE_COLUMNS } from "./bulkInsert.js";
import type { ChangeSignal } from "./ChangeSignal.js";
import { appendChanges, type NewChange } from "./KnexChangeFeed.js";
import { LINE_COLUMNS, ORDER_COLUMNS, lineToRow, orderToRow, rowToLine, rowToOrder } from "./orderRows.js";

/** An order to create: everything but the server-assigned identity and lifecycle fields. */
export type NewOrder = Omit<
  Order,
  "id" | "workspaceId" | "status" | "workflowVersion" | "version" | "paidAt" | "outboundAt" | "statusSince" | "createdAt" | "updatedAt"
> & { channel: Channel; lines: OrderLine[] };

/** Who writes, for the audit trail. */
export interface WriteContext {
  workspaceId: string;
  timeZone: string;
  /** e.g. `li.li` */
  actor: string;
  /** e.g. `api:import`, `connector:shopify` */
  source: string;
}

/** Per-row outcome of an import. */
export interface ImportOutcome {
  index: number;
  channel: string;
  externalOrderId: string;
  outcome: "created" | "unchanged";
  id: string;
}

/** Filters and keyset cursor for listing orders. */
export interface OrderListFilter {
  status?: string;
  channel?: string;
  region?: string;
  updatedSince?: string;
  limit: number;
  cursor?: { updatedAt: string; id: string };
}

const INSERT_CHUNK = 1000;

/** Orders and their lines in the database. */
export class KnexOrderStore {
  constructor(
    private readonly knex: Knex,
    private readonly signal: ChangeSignal,
  ) {}

  /**
   * Creates the orders that are new and reports the rest as unchanged, idempotent on
   * (channel, externalOrderId). IDs are reserved in blocks per (channel, day) with an
   * atomic counter upsert, so parallel imports never hand out the same ID. Orders, lines,
   * their first audit entries and feed rows are written in one transaction.
   */
  async importOrders(ctx: WriteContext, drafts: NewOrder[], now: Date): Promise<ImportOutcome[]> {
    const outcomes: ImportOutcome[] = new Array(drafts.length);
    const nowIso = now.toISOString();
    let created = 0;
    await this.knex.transaction(async (trx) => {
      let __t = performance.now(); const __m = (globalThis as any).__m ??= new Map(); const T = (k: string) => { const n = performance.now(); __m.set(k, (__m.get(k) ?? 0) + n - __t); __t = n; };
      const flow = await trx("workflow_versions")
        .where("workspace_id", ctx.workspaceId)
        .orderBy("version", "desc")
        .first("version", trx.raw("definition->>'initial' as initial"));
      if (!flow) throw new NotFoundError(`workspace ${ctx.workspaceId} has no workflow`);
      T("L71");

      // First occurrence of a key in the batch wins; later ones repeat its outcome.
      const firstIndex = new Map<string, number>();
      T("L74");
      const unique: number[] = [];
      T("L75");
      drafts.forEach((d, i) => {
        const key = `${d.channel}\u0000${d.externalOrderId}`;
        if (!firstIndex.has(key)) {
          firstIndex.set(key, i);
          unique.push(i);
        }
      });
      T("L82");

      const existing = await this.findExisting(trx, ctx.workspaceId, unique.map((i) => drafts[i]));
      T("L84");
      const fresh = unique.filter((i) => !existing.has(keyOf(drafts[i])));
      T("L85");

      const ids = await this.reserveIds(trx, ctx, fresh.map((i) => drafts[i]), now);
      T("L87");
      const orders: Order[] = fresh.map((i, n) => ({
        ...drafts[i],
        id: ids[n],
        workspaceId: ctx.workspaceId,
        status: flow.initial as string,
        workflowVersion: Number(flow.version),
        version: 1,
        paidAt: null,
        outboundAt: null,
        statusSince: nowIso,
        createdAt: nowIso,
        updatedAt: nowIso,
      }));
      T("L100");

      // New chains start here, so each order's first audit hash is known before it is
      // written and lands in the same insert as its head.
      const heads = new Map<string, string | null>();
      T("L104");
      const auditRows = chainEntries(
        ctx.workspaceId,
        orders.map((o) => ({
          orderId: o.id, orderVersion: 1, at: nowIso, actor: ctx.actor, source: ctx.source,
          action: "created", field: "status", oldValue: null, newValue: o.status,
        })),
        heads,
      );
      T("L112");

      // ON CONFLICT covers a concurrent import of the same key that committed first.
      const inserted = new Set<string>();
      T("L115");
      for (let i = 0; i < orders.length; i += INSERT_CHUNK) {
        const rows = await bulkInsert(
          trx,
          "orders",
          ORDER_WRITE_COLUMNS,
          orders.slice(i, i + INSERT_CHUNK).map((o) => orderToRow(o, heads.get(o.id) ?? null)),
          "on conflict (workspace_id, channel, external_order_id) do nothing returning id",
        );
        for (const r of rows) inserted.add(r.id as string);
      }
      const createdOrders = orders.filter((o) => inserted.has(o.id));
      T("L126");
      if (createdOrders.length < orders.length) {
        const raced = await this.findExisting(trx, ctx.workspaceId, orders.filter((o) => !inserted.has(o.id)));
        for (const [k, id] of raced) existing.set(k, id);
      }

      const lineRows = createdOrders.flatMap((o) => o.lines!.map((l) => lineToRow(ctx.workspaceId, o.id, l)));
      T("L132");
      for (let i = 0; i < lineRows.length; i += INSERT_CHUNK * 3) await bulkInsert(trx, "order_lines", LINE_WRITE_COLUMNS, lineRows.slice(i, i + INSERT_CHUNK * 3));
      T("L133");
      await insertAuditRows(trx, auditRows.filter((r) => inserted.has(r.order_id)));
      T("L134");

      const changes: NewChange[] = createdOrders.map((o) => ({
        kind: "order.created",
        orderId: o.id,
        orderVersion: 1,
        data: { status: o.status, channel: o.channel, externalOrderId: o.externalOrderId },
      }));
      T("L141");
      await appendChanges(trx, ctx.workspaceId, changes, now);
      T("L142");
      if (changes.length) await this.signal.inTransaction(trx, ctx.workspaceId);
      T("L143");
      created = createdOrders.length;
      T("L144");

      const idByKey = new Map(createdOrders.map((o) => [keyOf(o), o.id]));
      T("L146");
      drafts.forEach((d, i) => {
        const key = keyOf(d);
        const createdId = firstIndex.get(key) === i ? idByKey.get(key) : undefined;
        const id = createdId ?? idByKey.get(key) ?? existing.get(key);
        if (!id) throw new Error(`import lost track of ${key}`);
        outcomes[i] = { index: i, channel: d.channel, externalOrderId: d.externalOrderId, outcome: createdId ? "created" : "unchanged", id };
      });
      T("L153");
    });
    if (created) this.signal.afterCommit(ctx.workspaceId);
    return outcomes;
  }

  private async findExisting(trx: Knex.Transaction, workspaceId: string, keys: { channel: string; externalOrderId: string }[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (let i = 0; i < keys.length; i += 5000) {
      const slice = keys.slice(i, i + 5000);
      if (slice.length === 0) continue;
      const rows = await trx("orders")
        .where("workspace_id", workspaceId)
        .whereIn(
          ["channel", "external_order_id"],
          trx.raw("select * from unnest(?::text[], ?::text[])", [slice.map((k) => k.channel), slice.map((k) => k.externalOrderId)]) as unknown as Knex.QueryBuilder,
        )
        .select("id", "channel", "external_order_id");
      for (const r of rows) found.set(`${r.channel}\u0000${r.external_order_id}`, r.id);
    }
    return found;
  }

  /** Reserves one block of sequence numbers per (channel prefix, day) with an atomic upsert. */
  private async reserveIds(trx: Knex.Transaction, ctx: WriteContext, drafts: NewOrder[], now: Date): Promise<string[]> {
    const groups = new Map<string, { prefix: string; day: string; members: number[] }>();
    drafts.forEach((d, i) => {
      const prefix = channelCode(d.channel);
      const day = dayInZone(d.placedAt ? new Date(d.placedAt) : now, ctx.timeZone);
      const key = `${prefix}${day}`;
      let g = groups.get(key);
      if (!g) groups.set(key, (g = { prefix, day, members: [] }));
      g.members.push(i);
    });
    const ids: string[] = new Array(drafts.length);
    // Sorted so concurrent importers lock counter rows in the same order (no deadlock).
    for (const g of [...groups.values()].sort((a, b) => (a.prefix + a.day).localeCompare(b.prefix + b.day))) {
      const [row] = await trx.raw(
        `insert into order_id_counters (workspace_id, prefix, day, last_value) values (?, ?, ?, ?)
         on conflict (workspace_id, prefix, day) do update set last_value = order_id_counters.last_value + excluded.last_value
         returning last_value`,
        [ctx.workspaceId, g.prefix, g.day, g.members.length],
      ).then((r: { rows: { last_value: number }[] }) => r.rows);
      const first = Number(row.last_value) - g.members.length + 1;
      g.members.forEach((member, n) => {
        ids[member] = formatOrderId(g.prefix, g.day, first + n);
      });
    }
    return ids;
  }

  /** One order with its lines, or NotFoundError. */
  async getOrder(workspaceId: string, id: string): Promise<Order> {
    const row = await this.knex("orders").where({ workspace_id: workspaceId, id }).first(...ORDER_COLUMNS);
    if (!row) throw new NotFoundError(`order ${id} does not exist`);
    const lines = await this.knex("order_lines")
      .where({ workspace_id: workspaceId, order_id: id })
      .orderBy("line_no")
      .select(...LINE_COLUMNS);
    return { ...rowToOrder(row), lines: lines.map(rowToLine) };
  }

  /** A page of orders, newest change last, by keyset on (updated_at, id). */
  async listOrders(workspaceId: string, f: OrderListFilter): Promise<{ orders: Order[]; next: { updatedAt: string; id: string } | null }> {
    const q = this.knex("orders").where("workspace_id", workspaceId);
    if (f.status) q.andWhere("status", f.status);
    if (f.channel) q.andWhere("channel", f.channel);
    if (f.region) q.andWhere("region", f.region);
    if (f.updatedSince) q.andWhere("updated_at", ">=", f.updatedSince);
    if (f.cursor) {
      const { updatedAt, id } = f.cursor;
      if (Number.isNaN(Date.parse(updatedAt))) throw new InputError("cursor is not one this server issued");
      q.andWhere((w) => w.where("updated_at", ">", updatedAt).orWhere((w2) => w2.where("updated_at", "=", updatedAt).andWhere("id", ">", id)));
    }
    const rows = await q.orderBy([{ column: "updated_at" }, { column: "id" }]).limit(f.limit + 1).select(...ORDER_COLUMNS);
    const orders = rows.slice(0, f.limit).map(rowToOrder);
    const last = orders[orders.length - 1];
    return { orders, next: rows.length > f.limit && last ? { updatedAt: last.updatedAt, id: last.id } : null };
  }
}

function keyOf(o: { channel: string; externalOrderId: string }): string {
  return `${o.channel}\u0000${o.externalOrderId}`;
}
