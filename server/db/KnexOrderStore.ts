import type { Knex } from "knex";
import { channelCode } from "../domain/channels.js";
import { NotFoundError, InputError } from "../domain/errors.js";
import type { Order, OrderLine } from "../domain/order.js";
import type { TimerAnchor } from "../contracts/workflow.js";
import { dayInZone, formatOrderId } from "../domain/orderId.js";
import { auditPayloads, chainEntries, insertAuditPayloads, type AuditRow } from "./auditWriter.js";
import { bulkInsertJson, LINE_WRITE_COLUMNS, ORDER_WRITE_COLUMNS, whileQueued } from "./bulkInsert.js";
import type { ChangeSignal } from "./ChangeSignal.js";
import { appendChanges, type NewChange } from "./KnexChangeFeed.js";
import { LINE_COLUMNS, ORDER_COLUMNS, lineToRow, orderToRow, rowToLine, rowToOrder } from "./orderRows.js";
import type { ImportOutcome, NewOrder, OrderListFilter, OrderStore, WriteContext } from "../domain/orders/ports.js";
import type { RowScope } from "../domain/access/principal.js";
import { enterScope, isScoped, scopeCondition, whereInScope, withScope } from "./access/rowScope.js";
import { scopeCreateRefusal } from "../domain/access/rowScope.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { ImportOutcome, NewOrder, OrderListFilter, WriteContext } from "../domain/orders/ports.js";

const INSERT_CHUNK = 1000;

/** Orders and their lines in the database. */
export class KnexOrderStore implements OrderStore {
  constructor(
    private readonly knex: Knex,
    private readonly signal: ChangeSignal,
  ) {}

  /**
   * Creates the orders that are new and reports the rest as unchanged, idempotent on
   * (channel, externalOrderId). IDs are reserved in blocks per (channel, day) with an
   * atomic counter upsert, so parallel imports never hand out the same ID. Orders, lines,
   * their first audit entries and feed rows are written in one transaction.
   *
   * A scoped writer may create only orders inside their scope, and a key already imported
   * as an order outside it is refused without naming that order; the writes then run under
   * row-level security.
   */
  async importOrders(ctx: WriteContext, drafts: NewOrder[], now: Date): Promise<ImportOutcome[]> {
    if (isScoped(ctx.scope)) {
      for (const [i, d] of drafts.entries()) {
        const reason = scopeCreateRefusal(ctx.scope, d);
        if (reason) throw new InputError(`orders[${i}]: ${reason}`, { index: i });
      }
    }
    const outcomes: ImportOutcome[] = new Array(drafts.length);
    const nowIso = now.toISOString();
    let created = 0;
    await this.knex.transaction(async (trx) => {
      const flow = await trx("workflow_versions")
        .where("workspace_id", ctx.workspaceId)
        .orderBy("version", "desc")
        .first("version", trx.raw("definition->>'initial' as initial"));
      if (!flow) throw new NotFoundError(`workspace ${ctx.workspaceId} has no workflow`);

      // First occurrence of a key in the batch wins; later ones repeat its outcome.
      const firstIndex = new Map<string, number>();
      const unique: number[] = [];
      drafts.forEach((d, i) => {
        const key = `${d.channel}\u0000${d.externalOrderId}`;
        if (!firstIndex.has(key)) {
          firstIndex.set(key, i);
          unique.push(i);
        }
      });

      const existing = await this.findExisting(trx, ctx.workspaceId, unique.map((i) => drafts[i]));
      if (isScoped(ctx.scope)) {
        await this.refuseForeignKeys(trx, ctx, drafts, existing);
        await enterScope(trx, ctx.scope);
      }
      const fresh = unique.filter((i) => !existing.has(keyOf(drafts[i])));

      const ids = await this.reserveIds(trx, ctx, fresh.map((i) => drafts[i]), now);
      const orders: Order[] = fresh.map((i, n) => ({
        ...drafts[i],
        id: ids[n],
        workspaceId: ctx.workspaceId,
        status: flow.initial as string,
        workflowVersion: Number(flow.version),
        version: 1,
        paidAt: null,
        outboundAt: null,
        // The status clock starts when the platform says the order was placed (an order placed
        // yesterday and imported today is a day into its 24 h unpaid timer), never in the future.
        statusSince: drafts[i].placedAt && Date.parse(drafts[i].placedAt!) < now.getTime() ? drafts[i].placedAt! : nowIso,
        createdAt: nowIso,
        updatedAt: nowIso,
      }));

      // New chains start here, so each order's first audit hash is known before it is
      // written and lands in the same insert as its head.
      const heads = new Map<string, string | null>();
      const auditRows = chainEntries(
        ctx.workspaceId,
        orders.map((o) => ({
          orderId: o.id, orderVersion: 1, at: nowIso, actor: ctx.actor, source: ctx.source,
          action: "created", field: "status", oldValue: null, newValue: o.status,
        })),
        heads,
      );

      // ON CONFLICT covers a concurrent import of the same key that committed first. While
      // the database inserts the orders, the rows that follow them are prepared here.
      const inserted = new Set<string>();
      const orderJson = chunks(orders, INSERT_CHUNK).map((slice) => JSON.stringify(slice.map((o) => orderToRow(o, heads.get(o.id) ?? null))));
      const ordersWritten = (async () => {
        const ids: string[] = [];
        for (const json of orderJson) {
          const rows = await bulkInsertJson(trx, "orders", ORDER_WRITE_COLUMNS, json, "on conflict (workspace_id, channel, external_order_id) do nothing returning id");
          for (const r of rows) ids.push(r.id as string);
        }
        return ids;
      })();
      ordersWritten.catch(() => {}); // awaited below; this only keeps a failure from counting as unhandled meanwhile
      await whileQueued();
      const follow = (created: Order[], audit: AuditRow[]) => ({
        lines: chunks(created.flatMap((o) => o.lines!.map((l) => lineToRow(ctx.workspaceId, o.id, l))), INSERT_CHUNK * 3).map((c) => JSON.stringify(c)),
        audit: auditPayloads(audit),
        changes: created.map((o): NewChange => ({ kind: "order.created", orderId: o.id, orderVersion: 1, data: { status: o.status, channel: o.channel, externalOrderId: o.externalOrderId } })),
      });
      let payloads = follow(orders, auditRows);
      for (const id of await ordersWritten) inserted.add(id);

      let createdOrders = orders;
      if (inserted.size < orders.length) {
        createdOrders = orders.filter((o) => inserted.has(o.id));
        const raced = await this.findExisting(trx, ctx.workspaceId, orders.filter((o) => !inserted.has(o.id)));
        for (const [k, id] of raced) existing.set(k, id);
        payloads = follow(createdOrders, auditRows.filter((r) => inserted.has(r.order_id)));
      }
      for (const json of payloads.lines) await bulkInsertJson(trx, "order_lines", LINE_WRITE_COLUMNS, json);
      await insertAuditPayloads(trx, ctx.workspaceId, payloads.audit);
      await appendChanges(trx, ctx.workspaceId, payloads.changes, now);
      if (createdOrders.length) await this.signal.inTransaction(trx, ctx.workspaceId);
      created = createdOrders.length;

      const idByKey = new Map(createdOrders.map((o) => [keyOf(o), o.id]));
      drafts.forEach((d, i) => {
        const key = keyOf(d);
        const createdId = firstIndex.get(key) === i ? idByKey.get(key) : undefined;
        const id = createdId ?? idByKey.get(key) ?? existing.get(key);
        if (!id) throw new Error(`import lost track of ${key}`);
        outcomes[i] = { index: i, channel: d.channel, externalOrderId: d.externalOrderId, outcome: createdId ? "created" : "unchanged", id };
      });
    });
    if (created) this.signal.afterCommit(ctx.workspaceId);
    return outcomes;
  }

  /** Refuses keys of the batch already imported as orders outside the writer's scope, naming the row but not the order. */
  private async refuseForeignKeys(trx: Knex.Transaction, ctx: WriteContext, drafts: NewOrder[], existing: Map<string, string>): Promise<void> {
    if (existing.size === 0) return;
    const inScope = scopeCondition(ctx.scope, "orders");
    const rows = await trx.raw(`select id from orders where workspace_id = ? and id = any(?::text[]) and not (${inScope.sql})`, [
      ctx.workspaceId,
      [...existing.values()],
      ...inScope.bindings,
    ] as unknown as readonly Knex.RawBinding[]);
    const foreign = new Set((rows.rows as { id: string }[]).map((r) => r.id));
    if (foreign.size === 0) return;
    const i = drafts.findIndex((d) => foreign.has(existing.get(keyOf(d)) ?? ""));
    throw new InputError(
      `orders[${i}]: 渠道 ${drafts[i].channel} 的外部订单号「${drafts[i].externalOrderId}」已导入为你数据范围之外的订单，不能再导入 / ` +
        `channel ${drafts[i].channel} order ${drafts[i].externalOrderId} was already imported as an order outside your row scope`,
      { index: i },
    );
  }

  private async findExisting(trx: Knex.Transaction, workspaceId: string, keys: { channel: string; externalOrderId: string }[]): Promise<Map<string, string>> {
    const found = new Map<string, string>();
    for (const slice of chunks(keys, 5000)) {
      // One unique-index probe per key (LIMIT keeps the planner from hashing the whole
      // table instead), so the cost follows the batch, not the table.
      const result = await trx.raw(
        `select o.id, o.channel, o.external_order_id
         from unnest(?::text[], ?::text[]) as k(channel, external_order_id)
         cross join lateral (
           select id, channel, external_order_id from orders
           where workspace_id = ? and channel = k.channel and external_order_id = k.external_order_id
           limit 1) as o`,
        [slice.map((k) => k.channel), slice.map((k) => k.externalOrderId), workspaceId],
      );
      for (const r of result.rows as { id: string; channel: string; external_order_id: string }[]) found.set(`${r.channel}\u0000${r.external_order_id}`, r.id);
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

  /**
   * One order with its lines, or NotFoundError — also when it lies outside `scope`, so a
   * scoped caller cannot tell an order it may not see from one that does not exist.
   */
  async getOrder(workspaceId: string, id: string, scope?: RowScope): Promise<Order> {
    return withScope(this.knex, scope, async (db) => {
      const row = await whereInScope(db("orders").where({ workspace_id: workspaceId, id }), scope).first(...ORDER_COLUMNS);
      if (!row) throw new NotFoundError(`order ${id} does not exist`);
      const lines = await db("order_lines")
        .where({ workspace_id: workspaceId, order_id: id })
        .orderBy("line_no")
        .select(...LINE_COLUMNS);
      return { ...rowToOrder(row), lines: lines.map(rowToLine) };
    });
  }

  /**
   * A page of orders, newest change last, by keyset on (updated_at, id). Only orders inside
   * `f.scope` are listed (everything built on listing — the add-in's load, exports — inherits it).
   */
  async listOrders(workspaceId: string, f: OrderListFilter): Promise<{ orders: Order[]; next: { updatedAt: string; id: string } | null }> {
    return withScope(this.knex, f.scope, (db) => this.listPage(db, workspaceId, f));
  }

  /** How many orders match the filter, inside `f.scope`. */
  async countOrders(workspaceId: string, f: Omit<OrderListFilter, "limit" | "cursor" | "withLines">): Promise<number> {
    return withScope(this.knex, f.scope, async (db) => {
      const q = this.filtered(db, workspaceId, f);
      const row = await q.count({ n: "*" }).first();
      return Number((row as { n: unknown } | undefined)?.n ?? 0);
    });
  }

  /** The orders of a workspace narrowed by every filter of `f` but the cursor. */
  private filtered(db: Knex | Knex.Transaction, workspaceId: string, f: Omit<OrderListFilter, "limit" | "cursor" | "withLines">): Knex.QueryBuilder {
    const q = whereInScope(db("orders").where("workspace_id", workspaceId), f.scope);
    if (f.status) q.andWhere("status", f.status);
    if (f.channel) q.andWhere("channel", f.channel);
    if (f.region) q.andWhere("region", f.region);
    if (f.updatedSince) q.andWhere("updated_at", ">=", f.updatedSince);
    if (f.ids) q.whereIn("id", f.ids);
    if (f.placed?.from) q.andWhereRaw("coalesce(placed_at, created_at) >= (?::date::timestamp at time zone ?)", [f.placed.from, f.placed.timeZone]);
    if (f.placed?.to) q.andWhereRaw("coalesce(placed_at, created_at) < ((?::date + 1)::timestamp at time zone ?)", [f.placed.to, f.placed.timeZone]);
    // Each alternative has its own index (migration 20261208000000_order_desk): a bitmap OR of four probes.
    if (f.q) q.andWhere((w) => w.where("external_order_id", f.q!).orWhere("id", f.q!).orWhere("waybill_no", f.q!).orWhere("customer_phone", f.q!));
    // Open statuses or recently updated: a bitmap OR of the status and update-time indexes.
    if (f.window) q.andWhereRaw("(status = any(?::text[]) or updated_at >= ?::timestamptz)", [f.window.open, f.window.since] as unknown as Knex.RawBinding[]);
    if (f.overdue) {
      if (f.overdue.length === 0) q.andWhereRaw("false");
      else {
        const parts = f.overdue.map((c) => `(status = ? and ${anchorSql(c.anchor)} <= ?::timestamptz)`);
        q.andWhereRaw(`(${parts.join(" or ")})`, f.overdue.flatMap((c) => [c.state, c.before]));
      }
    }
    if (f.mine) {
      q.andWhereRaw(
        `(exists (select 1 from audit_log a where a.workspace_id = orders.workspace_id and a.order_id = orders.id and a.actor = ? and a.at >= ?::timestamptz)
          or exists (select 1 from tasks t where t.workspace_id = orders.workspace_id and t.order_id = orders.id and t.assignee = ? and t.done_at is null))`,
        [f.mine.actor, f.mine.since, f.mine.role],
      );
    }
    return q;
  }

  private async listPage(db: Knex | Knex.Transaction, workspaceId: string, f: OrderListFilter): Promise<{ orders: Order[]; next: { updatedAt: string; id: string } | null }> {
    const q = this.filtered(db, workspaceId, f);
    if (f.cursor) {
      const { updatedAt, id } = f.cursor;
      if (Number.isNaN(Date.parse(updatedAt))) throw new InputError("cursor is not one this server issued");
      // A row-value comparison is an index bound; the equivalent `a > ? or (a = ? and b > ?)` is a filter over every earlier row.
      q.andWhereRaw("(updated_at, id) > (?::timestamptz, ?)", [updatedAt, id]);
    }
    // A short placing-day range (a week at most: tens of thousands of orders at a peak) is read
    // through the placing-day index and sorted: given the choice, PostgreSQL walks the
    // updated_at index hoping to meet the day early, and with a year of history it filters
    // through every order updated before that day (seconds). `+ interval '0'` keeps it from that walk.
    // The recent window (open orders plus a week) and a search are small sets read through their
    // own indexes (a bitmap OR) and sorted, for the same reason: walking the updated_at index
    // would filter through a year of finished orders to find them.
    const shortRange = f.placed?.from && f.placed.to && Date.parse(f.placed.to) - Date.parse(f.placed.from) <= SHORT_PLACED_RANGE_MS;
    if (shortRange || f.window || f.q || f.overdue) q.orderByRaw("updated_at + interval '0 seconds', id");
    else q.orderBy([{ column: "updated_at" }, { column: "id" }]);
    const rows = await q.limit(f.limit + 1).select(...ORDER_COLUMNS);
    const orders = rows.slice(0, f.limit).map(rowToOrder);
    if (f.withLines && orders.length) {
      const lines = await db("order_lines")
        .where("workspace_id", workspaceId)
        .whereIn("order_id", orders.map((o: Order) => o.id))
        .orderBy([{ column: "order_id" }, { column: "line_no" }])
        .select(...LINE_COLUMNS);
      const byOrder = new Map<string, OrderLine[]>();
      for (const l of lines) {
        let list = byOrder.get(l.order_id as string);
        if (!list) byOrder.set(l.order_id as string, (list = []));
        list.push(rowToLine(l));
      }
      for (const o of orders) o.lines = byOrder.get(o.id) ?? [];
    }
    const last = orders[orders.length - 1];
    return { orders, next: rows.length > f.limit && last ? { updatedAt: last.updatedAt, id: last.id } : null };
  }
}

/** The SQL of a timer anchor's clock start on `orders`: the fact's time, never before the status start (as `timerDueAt` and the timer job compute it). */
function anchorSql(anchor: TimerAnchor): string {
  switch (anchor) {
    case "statusSince":
      return "status_since";
    case "paidAt":
      return "greatest(status_since, paid_at)";
    case "outboundAt":
      return "greatest(status_since, outbound_at)";
    case "placedAt":
      return "greatest(status_since, placed_at)";
    default:
      // Facts kept in `extra`; text that is no instant counts as absent (`ordersheet_try_instant`).
      return `greatest(status_since, ordersheet_try_instant(extra->>'${anchor}'))`;
  }
}

/** Placing-day ranges up to this long (to minus from) are read by day, then sorted. */
const SHORT_PLACED_RANGE_MS = 6 * 86_400_000;

function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

function keyOf(o: { channel: string; externalOrderId: string }): string {
  return `${o.channel}\u0000${o.externalOrderId}`;
}
