import { refusalMessages } from "../contracts/refusals.js";
import type { Knex } from "knex";
import type { EventInput } from "../contracts/events.js";
import type { WorkflowDefinition } from "../contracts/workflow.js";
import type { Order } from "../domain/order.js";
import { applyPatch } from "../domain/workflow/factPatch.js";
import { decide } from "../domain/workflow/decide.js";
import type { Alert, Decision, Effect } from "../domain/workflow/decision.js";
import type { Related } from "../domain/workflow/guardContext.js";
import { auditPayloads, chainEntries, insertAuditPayloads, type AuditEntryInput } from "./auditWriter.js";
import { bulkInsert, bulkUpdateJson, ORDER_WRITE_COLUMNS, whileQueued, type ColumnSpec } from "./bulkInsert.js";
import type { ChangeSignal } from "./ChangeSignal.js";
import { appendChanges, type NewChange } from "./KnexChangeFeed.js";
import type { KnexWorkflowStore } from "./KnexWorkflowStore.js";
import { ORDER_COLUMNS, orderToRow, rowToOrder } from "./orderRows.js";
import { findInboxRows, inboxKeyOf, lockInboxKeys, type InboxRow } from "./inboxKeys.js";
import { relatedCounts, STATUS_DISAGREEMENT } from "./relatedCounts.js";
import { BatchPrecedence, disputeRow, frozenOrders } from "./factPrecedence.js";
import type { EventContext, EventOutcome, EventStore } from "../domain/workflow/ports.js";
import type { RowScope } from "../domain/access/principal.js";
import { confineDecision } from "../domain/access/rowScope.js";
import { enterScope, outsideScope, scopeCondition } from "./access/rowScope.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { EventContext, EventOutcome, EventOutcomeKind } from "../domain/workflow/ports.js";

type Stored = Omit<EventOutcome, "index" | "source" | "sourceEventId">;

const CHUNK = 1000;

/** The inbox columns a claim writes. */
const INBOX_COLUMNS: readonly ColumnSpec[] = [
  ["workspace_id", "text"], ["source", "text"], ["source_event_id", "text"], ["type", "text"], ["order_id", "text"],
  ["channel", "text"], ["payload", "jsonb"], ["outcome", "text"], ["result", "jsonb"], ["actor", "text"], ["received_at", "timestamptz"],
];

/** The columns an event may change on an order, plus its key, as written by the bulk UPDATE. */
const ORDER_UPDATE_NAMES = ["workspace_id", "id", "status", "version", "workflow_version", "region", "warehouse", "carrier", "waybill_no", "tags", "extra", "paid_at", "outbound_at", "status_since", "updated_at", "audit_head"];
const ORDER_UPDATE_COLUMNS = ORDER_WRITE_COLUMNS.filter(([n]) => ORDER_UPDATE_NAMES.includes(n));

function pick(row: Record<string, unknown>, names: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const n of names) out[n] = row[n];
  return out;
}

/**
 * The one door through which facts change orders. A batch is processed in a single
 * transaction: new events are claimed in the inbox (duplicates answered from it), their
 * orders locked, each event decided by the workflow engine in order, and the orders, audit
 * entries, feed rows, alerts and inbox outcomes written in bulk before commit.
 */
export class KnexEventStore implements EventStore {
  constructor(
    private readonly knex: Knex,
    private readonly workflows: KnexWorkflowStore,
    private readonly signal: ChangeSignal,
  ) {}

  /** Processes a batch of events; the answer has one outcome per event, in order. */
  async process(ctx: EventContext, events: EventInput[], now: Date): Promise<EventOutcome[]> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.processOnce(ctx, events, now);
      } catch (err) {
        // PostgreSQL broke a deadlock with another writer (this batch's work was rolled back
        // whole): run it again.
        if (attempt < MAX_ATTEMPTS && isRetryable(err)) continue;
        throw err;
      }
    }
  }

  private async processOnce(ctx: EventContext, events: EventInput[], now: Date): Promise<EventOutcome[]> {
    const nowIso = now.toISOString();
    let wroteChanges = false;
    const outcomes = await this.knex.transaction(async (trx) => {
      const ws = ctx.workspaceId;
      const results: EventOutcome[] = new Array(events.length);
      // A scoped sender's batch runs under row-level security; orders outside the scope are
      // not locked (step 2), so their events answer not_found like events about no order.
      await enterScope(trx, ctx.scope);

      // 1. Look the events up in the inbox. An unseen event is claimed by inserting it, with
      // its outcome, when the batch is written (one write per event; a concurrent batch with
      // the same key waits on its lock until this one commits). A held event (its channel was
      // paused) is locked here and claimed again; anything else seen before is a duplicate.
      // Each key is locked first (the inbox is partitioned by month, so no unique index can
      // keep a key once; see `lockInboxKeys`), then every key of the batch is looked up in one
      // statement across the partitions kept.
      const keyOf = (e: EventInput) => inboxKeyOf(e);
      await lockInboxKeys(trx, ws, events);
      const seen = await findInboxRows(trx, ws, events, true);
      const firstIndex = new Map<string, number>();
      const fresh: number[] = [];
      const seenBefore: number[] = [];
      events.forEach((e, i) => {
        const k = keyOf(e);
        const row = seen.get(k);
        if (row && row.outcome !== "held") seenBefore.push(i);
        else if (!firstIndex.has(k)) {
          firstIndex.set(k, i);
          fresh.push(i);
        }
      });
      for (const i of seenBefore) results[i] = duplicateOf(events[i], i, seen.get(keyOf(events[i]))!);

      // 2. Lock the orders the fresh events are about, in id order (no deadlocks).
      const freshEvents = fresh.map((i) => events[i]);
      const { orders, auditHeads } = await this.lockOrders(trx, ws, freshEvents, ctx.scope);
      const byExternal = new Map<string, string>();
      for (const o of orders.values()) byExternal.set(`${o.channel}\u0000${o.externalOrderId}`, o.id);
      const paused = new Set(
        (await trx("channel_pauses").where("workspace_id", ws).select("channel")).map((r) => r.channel as string),
      );
      // Orders a fact dispute beyond the tolerance froze: their facts are held like a paused channel's.
      const frozen = await frozenOrders(trx, ws, [...orders.keys()]);
      const precedence = new BatchPrecedence(trx, ws);
      const disputeRows: Record<string, unknown>[] = [];
      const flows = new Map<number, WorkflowDefinition>();
      for (const v of new Set([...orders.values()].map((o) => o.workflowVersion))) flows.set(v, await this.workflows.definition(ws, v, trx));
      const needsRelated = [...flows.values()].some((f) => JSON.stringify(f).includes("related."));
      const related: Map<string, Related> = needsRelated ? await outsideScope(trx, ctx.scope, () => relatedCounts(trx, ws, [...orders.values()], now, ctx.timeZone)) : new Map();

      // 3. Decide each event in order against the order as earlier events left it.
      const touched = new Set<string>();
      const lastChange = new Map<string, { by: string; at: string }>();
      const audit: AuditEntryInput[] = [];
      const changes: NewChange[] = [];
      const alertRows: Record<string, unknown>[] = [];
      const taskRows: Record<string, unknown>[] = [];
      const pauseRows: Record<string, unknown>[] = [];
      const conflictRows: Record<string, unknown>[] = [];
      const inboxWrites = new Map<string, { event: EventInput; key: string; heldId?: number; outcome: string; result: Stored; orderId: string | null }>();

      for (const i of fresh) {
        const e = events[i];
        const orderId = e.orderId ?? byExternal.get(`${e.channel}\u0000${e.externalOrderId}`);
        const order = orderId ? orders.get(orderId) : undefined;
        let stored: Stored;
        if (!order) {
          const ref = e.orderId ?? `${e.channel}/${e.externalOrderId}`;
          stored = { outcome: "not_found", orderId: null, reason: `no order ${ref} in this workspace; the event is kept and can be replayed once the order is imported` };
        } else if (paused.has(order.channel) && e.type !== "manual.command") {
          stored = { outcome: "held", orderId: order.id, status: order.status, version: order.version, reason: `intake from channel ${order.channel} is paused; the event is held and will be applied when it resumes` };
        } else if (frozen.has(order.id) && e.type !== "manual.command") {
          stored = {
            outcome: "held", orderId: order.id, status: order.status, version: order.version,
            reason: `订单 ${order.id} 因来源冲突被冻结，事件已暂存，待人工处理后执行 / order ${order.id} is frozen by a disagreement between sources; the event is held until a person resolves it`,
          };
        } else {
          const flow = flows.get(order.workflowVersion)!;
          const p = await precedence.forEvent(order, e);
          const d = confineDecision(decide(flow, order, e, ctx.actor, now, related.get(order.id) ?? {}, { tz: ctx.timeZone, precedence: p }), order, ctx.scope);
          stored = this.apply(d, order, e, ctx, nowIso, { orders, touched, lastChange, audit, changes });
          if ((d.kind === "transition" || d.kind === "update") && d.changes.length) precedence.applied(order.id, e.source, d.changes);
          if ((d.kind === "transition" || d.kind === "update") && d.disputes?.length) {
            for (const x of d.disputes) disputeRows.push(disputeRow(ws, order.id, e, x, nowIso));
            if (d.kind === "update" && d.hold) frozen.add(order.id);
            if (d.changes.length === 0) stored = { ...stored, reason: `the order keeps its ${d.disputes.map((x) => x.fact).join(", ")} by source precedence; the value not taken is recorded` };
          }
          this.signals(d, order, nowIso, alertRows, taskRows, pauseRows);
          // A stale status edit is kept as the edit conflict it is; only another system
          // disagreeing about the status counts towards the channel's breaker.
          if (d.kind === "conflict") {
            conflictRows.push({ workspace_id: ws, order_id: order.id, channel: order.channel, kind: "stale_status", field: "status", details: JSON.stringify({ source: e.source, baseVersion: (e.data as { baseVersion?: number }).baseVersion, currentVersion: d.currentVersion }), at: nowIso });
          }
          if ((d.kind === "update" || d.kind === "refused") && d.disagreement) {
            const { source, eventType, theirs, ours } = d.disagreement;
            conflictRows.push({ workspace_id: ws, order_id: order.id, channel: order.channel, kind: STATUS_DISAGREEMENT, field: "status", details: JSON.stringify({ source, eventType, sourceEventId: e.sourceEventId, theirs, ours }), at: nowIso });
            // Later events of this batch see it counted, as they would in the next batch.
            for (const o of orders.values()) {
              const r = related.get(o.id);
              if (r && o.channel === order.channel) r.channelConflictsToday = (r.channelConflictsToday ?? 0) + 1;
            }
          }
          if (d.alerts.length) stored.alerts = d.alerts.map((a) => ({ level: a.level, message: a.message, messages: a.messages }));
        }
        results[i] = { index: i, source: e.source, sourceEventId: e.sourceEventId, ...stored };
        const k = keyOf(e);
        inboxWrites.set(k, { event: e, key: k, heldId: seen.get(k)?.id, outcome: stored.outcome, result: stored, orderId: stored.orderId });
      }

      // Who changed conflicted orders last, for the editor to see.
      const conflicted = results.filter((r) => r && r.outcome === "conflict" && r.orderId);
      if (conflicted.length) {
        const missing = conflicted.map((r) => r.orderId!).filter((id) => !lastChange.has(id));
        if (missing.length) {
          const rows = await trx.raw(
            `select distinct on (order_id) order_id, actor, source, at from audit_log
             where workspace_id = ? and order_id = any(?::text[]) order by order_id, seq desc`,
            [ws, missing],
          );
          for (const r of rows.rows) lastChange.set(r.order_id, { by: r.actor, at: new Date(r.at).toISOString() });
        }
        for (const r of conflicted) {
          const who = lastChange.get(r.orderId!);
          r.changedBy = who?.by ?? null;
          r.changedAt = who?.at ?? null;
          const u = inboxWrites.get(`${r.source}\u0000${r.sourceEventId}`);
          if (u) u.result = { ...u.result, changedBy: r.changedBy, changedAt: r.changedAt };
        }
      }

      // Repeats of a fresh event inside the same batch answer like their first delivery.
      events.forEach((e, i) => {
        const first = firstIndex.get(keyOf(e));
        if (results[i] === undefined && first !== undefined && first !== i) {
          const f = results[first];
          results[i] = { index: i, source: e.source, sourceEventId: e.sourceEventId, outcome: "duplicate", orderId: f.orderId, firstOutcome: f.outcome, status: f.status, version: f.version };
        }
      });

      // 4. Write everything in bulk.
      const heads = new Map([...touched].map((id) => [id, auditHeads.get(id) ?? null]));
      const auditRows = chainEntries(ws, audit, heads);
      const changed = [...touched].map((id) => orders.get(id)!);
      // The orders exist and are locked (step 2), so a plain UPDATE of the changed columns
      // does it; audit rows are encoded while the database runs it.
      const orderJson: string[] = [];
      for (let i = 0; i < changed.length; i += CHUNK) {
        orderJson.push(JSON.stringify(changed.slice(i, i + CHUNK).map((o) => pick(orderToRow(o, heads.get(o.id) ?? null), ORDER_UPDATE_NAMES))));
      }
      const ordersWritten = (async () => {
        for (const json of orderJson) await bulkUpdateJson(trx, "orders", ["workspace_id", "id"], ORDER_UPDATE_COLUMNS, json);
      })();
      ordersWritten.catch(() => {}); // awaited below; this only keeps a failure from counting as unhandled meanwhile
      await whileQueued();
      const auditJson = auditPayloads(auditRows);
      await ordersWritten;
      const raised = await this.insertAlerts(trx, alertRows);
      for (const a of raised) changes.push({ kind: "alert.raised", orderId: a.order_id as string, orderVersion: orders.get(a.order_id as string)?.version ?? null, data: { level: a.level, message: a.message, messages: a.messages, source: a.source, sourceId: a.source_id } });
      if (taskRows.length) await trx("tasks").insert(taskRows).onConflict(["workspace_id", "order_id", "key"]).ignore();
      if (pauseRows.length) {
        const paused = await trx("channel_pauses").insert(pauseRows).onConflict(["workspace_id", "channel"]).ignore().returning(["channel", "reason", "source_id"]);
        for (const p of paused) changes.push({ kind: "channel.paused", orderId: null, orderVersion: null, data: { channel: p.channel, reason: p.reason, sourceId: p.source_id } });
      }
      if (conflictRows.length) await trx("conflicts").insert(conflictRows);
      if (disputeRows.length) await trx("fact_disputes").insert(disputeRows);
      await this.writeInbox(trx, ws, ctx, nowIso, [...inboxWrites.values()]);
      // Last before the feed rows: the commit-order lock is taken here (see lockCommitOrder).
      await insertAuditPayloads(trx, ws, auditJson);
      await appendChanges(trx, ws, changes, now);
      if (changes.length) {
        await this.signal.inTransaction(trx, ws);
        wroteChanges = true;
      }
      return results;
    });
    if (wroteChanges) this.signal.afterCommit(ctx.workspaceId);
    return outcomes;
  }

  /** Applies a decision to the in-memory order and queues its audit and feed rows. */
  private apply(
    d: Decision,
    order: Order,
    e: EventInput,
    ctx: EventContext,
    nowIso: string,
    acc: {
      orders: Map<string, Order>;
      touched: Set<string>;
      lastChange: Map<string, { by: string; at: string }>;
      audit: AuditEntryInput[];
      changes: NewChange[];
    },
  ): Stored {
    switch (d.kind) {
      case "transition":
      case "update": {
        if (d.changes.length === 0) return { outcome: "noop", orderId: order.id, status: order.status, version: order.version, reason: "the event carried nothing new" };
        const next: Order = { ...applyPatch(order, d.patch), version: order.version + 1, updatedAt: nowIso };
        acc.orders.set(order.id, next);
        acc.touched.add(order.id);
        const action = d.kind === "transition" ? `transition:${d.steps.map((s) => s.transitionId).join(">")}` : `event:${e.type}`;
        for (const c of d.changes) {
          acc.audit.push({ orderId: order.id, orderVersion: next.version, at: nowIso, actor: ctx.actor.name, source: e.source, action, field: c.field, oldValue: c.old ?? null, newValue: c.new ?? null });
        }
        acc.lastChange.set(order.id, { by: ctx.actor.name, at: nowIso });
        acc.changes.push({
          kind: "order.updated",
          orderId: order.id,
          orderVersion: next.version,
          data: { status: next.status, fields: [...new Set(d.changes.map((c) => c.field.split(".")[0]))], event: e.type, by: ctx.actor.name },
        });
        return { outcome: "applied", orderId: order.id, status: next.status, version: next.version };
      }
      case "noop":
        return { outcome: "noop", orderId: order.id, status: order.status, version: order.version, reason: d.reason };
      case "refused":
        return { outcome: "refused", orderId: order.id, status: order.status, version: order.version, reason: d.reason, code: d.code, params: d.params, messages: refusalMessages(d.code, d.params) ?? undefined, allowed: d.allowed };
      case "conflict":
        return { outcome: "conflict", orderId: order.id, status: order.status, version: order.version, reason: d.reason, code: d.code, params: d.params, messages: refusalMessages(d.code, d.params) ?? undefined, currentVersion: d.currentVersion, currentStatus: d.currentStatus };
    }
  }

  private signals(d: Decision, order: Order, nowIso: string, alerts: Record<string, unknown>[], tasks: Record<string, unknown>[], pauses: Record<string, unknown>[]): void {
    for (const a of d.alerts) alerts.push(alertRow(order, `${a.source}:${a.sourceId}:${a.level}`, a, nowIso));
    for (const f of d.effects as Effect[]) {
      if (f.kind === "task") {
        tasks.push({ workspace_id: order.workspaceId, order_id: order.id, key: `rule:${f.sourceId}`, source_id: f.sourceId, assignee: f.assignee, message: f.message, created_at: nowIso });
      } else {
        pauses.push({ workspace_id: order.workspaceId, channel: f.channel, reason: f.message, source_id: f.sourceId, paused_at: nowIso });
      }
    }
  }

  private async insertAlerts(trx: Knex.Transaction, rows: Record<string, unknown>[]): Promise<Record<string, unknown>[]> {
    if (rows.length === 0) return [];
    // Two events of one batch on one order may raise the same alert (e.g. two carrier facts
    // both disagreeing with the status): one statement may not upsert a row twice, so the
    // last raise of each key stands.
    rows = [...new Map(rows.map((r) => [`${r.workspace_id}\u0000${r.order_id}\u0000${r.key}`, r])).values()];
    const out: Record<string, unknown>[] = [];
    for (let i = 0; i < rows.length; i += CHUNK) {
      out.push(
        // An alert that already ended is raised again (its condition came back); an open one stays as it is.
        ...(await trx("alerts")
          .insert(rows.slice(i, i + CHUNK))
          .onConflict(["workspace_id", "order_id", "key"])
          .merge({
            level: trx.raw("excluded.level"),
            message: trx.raw("excluded.message"),
            messages: trx.raw("excluded.messages"),
            notify: trx.raw("excluded.notify"),
            via: trx.raw("excluded.via"),
            details: trx.raw("excluded.details"),
            raised_at: trx.raw("excluded.raised_at"),
            cleared_at: null,
            cleared_by: null,
            clear_reason: null,
            clear_note: null,
          })
          .where("alerts.cleared_at", "is not", null)
          .returning(["order_id", "level", "message", "messages", "source", "source_id"])),
      );
    }
    return out;
  }

  private async lockOrders(trx: Knex.Transaction, ws: string, events: EventInput[], scope?: RowScope): Promise<{ orders: Map<string, Order>; auditHeads: Map<string, string | null> }> {
    const idSet = new Set(events.map((e) => e.orderId).filter((x): x is string => !!x));
    const ext = events.filter((e) => !e.orderId && e.channel && e.externalOrderId);
    const map = new Map<string, Order>();
    const auditHeads = new Map<string, string | null>();
    if (idSet.size === 0 && ext.length === 0) return { orders: map, auditHeads };
    // Events naming the order by (channel, external ID) are resolved to IDs first; the
    // mapping never changes, so it needs no lock. One `id = any(…)` lock query then walks the
    // primary key — an OR of both lookups would make PostgreSQL scan the whole table.
    if (ext.length) {
      const found = await trx.raw(
        `select o.id from unnest(?::text[], ?::text[]) as x(channel, external_order_id)
         cross join lateral (
           select id from orders where workspace_id = ? and channel = x.channel and external_order_id = x.external_order_id limit 1
         ) o`,
        [ext.map((e) => e.channel!), ext.map((e) => e.externalOrderId!), ws],
      );
      for (const r of found.rows as { id: string }[]) idSet.add(r.id);
    }
    const ids = [...idSet];
    if (ids.length === 0) return { orders: map, auditHeads };
    const inScope = scopeCondition(scope, "orders");
    // One primary-key probe per ID, locked in ID order (the sorted list drives the loop):
    // as `id = any(…)`, a batch of a thousand IDs made the planner read the whole table
    // sequentially while it was small, and the lateral subquery keeps it from doing so.
    const rows = await trx.raw(
      `select o.* from (select distinct x.id from unnest(?::text[]) as x(id) order by x.id) k
       cross join lateral (
         select ${ORDER_COLUMNS.join(", ")}, audit_head from orders
          where workspace_id = ? and id = k.id and ${inScope.sql}
         offset 0 for update
       ) o`,
      [ids, ws, ...inScope.bindings] as unknown as readonly Knex.RawBinding[],
    );
    for (const r of rows.rows) {
      map.set(r.id, rowToOrder(r));
      auditHeads.set(r.id, r.audit_head ?? null);
    }
    return { orders: map, auditHeads };
  }

  /** Writes each decided event's inbox row once: new events inserted with their outcome, held ones updated. */
  private async writeInbox(
    trx: Knex.Transaction,
    ws: string,
    ctx: EventContext,
    nowIso: string,
    writes: { event: EventInput; heldId?: number; outcome: string; result: Stored; orderId: string | null }[],
  ): Promise<void> {
    const inserts = writes.filter((w) => w.heldId === undefined);
    for (let i = 0; i < inserts.length; i += CHUNK) {
      const slice = inserts.slice(i, i + CHUNK);
      const claimed = await bulkInsert(
        trx,
        "events_inbox",
        INBOX_COLUMNS,
        slice.map(({ event: e, outcome, result, orderId }) => ({
          workspace_id: ws,
          source: e.source,
          source_event_id: e.sourceEventId,
          type: e.type,
          order_id: orderId ?? e.orderId ?? null,
          channel: e.channel ?? null,
          payload: e,
          outcome,
          result,
          actor: ctx.actor.name,
          received_at: nowIso,
        })),
        "returning id",
      );
      if (claimed.length !== slice.length) throw new Error("the inbox did not take every new event");
    }
    const held = writes.filter((w) => w.heldId !== undefined);
    for (let i = 0; i < held.length; i += CHUNK * 5) {
      const slice = held.slice(i, i + CHUNK * 5);
      await trx.raw(
        `update events_inbox e set outcome = u.outcome, result = u.result::jsonb, order_id = coalesce(u.order_id, e.order_id)
         from unnest(?::bigint[], ?::text[], ?::text[], ?::text[]) as u(id, outcome, result, order_id)
         where e.workspace_id = ? and e.id = u.id`,
        [slice.map((u) => u.heldId!), slice.map((u) => u.outcome), slice.map((u) => JSON.stringify(u.result)), slice.map((u) => u.orderId), ws] as unknown as readonly Knex.RawBinding[],
      );
    }
  }
}

const MAX_ATTEMPTS = 4;

/** Whether running the batch again can succeed: PostgreSQL broke a deadlock or a serialization failure. */
function isRetryable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return code === "40P01" || code === "40001";
}

/** The answer to a redelivered event: how its first delivery ended, nothing done again. */
function duplicateOf(e: EventInput, index: number, row: InboxRow): EventOutcome {
  const first = row.result as Stored;
  return {
    index,
    source: e.source,
    sourceEventId: e.sourceEventId,
    outcome: "duplicate",
    orderId: row.orderId,
    firstOutcome: row.outcome,
    status: first.status,
    version: first.version,
    reason: "already received; nothing was done again",
  };
}

/** An alert as a database row. */
export function alertRow(order: Pick<Order, "workspaceId" | "id">, key: string, a: Alert, nowIso: string): Record<string, unknown> {
  return {
    workspace_id: order.workspaceId,
    order_id: order.id,
    key,
    source: a.source,
    source_id: a.sourceId,
    level: a.level,
    message: a.message,
    messages: JSON.stringify(a.messages ?? { "zh-CN": a.message, en: a.message }),
    notify: a.notify ?? null,
    via: a.via ?? null,
    details: JSON.stringify(a.details ?? {}),
    raised_at: nowIso,
  };
}
