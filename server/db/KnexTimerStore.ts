import type { Knex } from "knex";
import type { TimerAnchor, WorkflowDefinition } from "../contracts/workflow.js";
import type { Order } from "../domain/order.js";
import type { Alert } from "../domain/workflow/decision.js";
import type { Related } from "../domain/workflow/guardContext.js";
import type { ChangeSignal } from "./ChangeSignal.js";
import { alertRow } from "./KnexEventStore.js";
import { alertClearedChange, SYSTEM_CLEARER, type ClearedAlertRow } from "./alertLifecycle.js";
import { appendChanges, type NewChange } from "./KnexChangeFeed.js";
import type { KnexWorkflowStore } from "./KnexWorkflowStore.js";
import { ORDER_COLUMNS, rowToOrder } from "./orderRows.js";
import { relatedCounts } from "./relatedCounts.js";

/** One timer the scan looks for: `what` is the alert level or the action kind, as in timer keys. */
export interface ScanTimer {
  version: number;
  timerId: string;
  what: string;
  afterMinutes: number;
  anchor: TimerAnchor;
}

/** Where a scan of one status resumes (opaque to callers). */
export interface ScanCursor {
  since: string;
  id: string;
}

/** One page request: orders of `workspaceId` in `state` that may have one of `timers` due at `now`. */
export interface TimerPageQuery {
  workspaceId: string;
  timeZone: string;
  state: string;
  timers: ScanTimer[];
  now: Date;
  after: ScanCursor | null;
  limit: number;
  /** Compute the `related.*` counts guards read. */
  related: boolean;
}

/** A page as the planner sees it: the orders, the timer keys already fired for each, and `related.*` counts. */
export interface TimerPage {
  orders: Order[];
  fired: Map<string, Set<string>>;
  related: Map<string, Related>;
}

/** An alert or task a timer raises; `key` is the timer key (unique per order). */
export type TimerClaim = { orderId: string; orderVersion: number; key: string } & (
  | { kind: "alert"; alert: Alert }
  | { kind: "task"; sourceId: string; assignee: string; message: string }
);

/** What a page did. */
export interface TimerPageResult {
  scanned: number;
  next: ScanCursor | null;
  /** The claims this call raised (others were raised before, e.g. by a concurrent run). */
  raised: TimerClaim[];
}

const FACT_ANCHORS: Record<TimerAnchor, string> = {
  statusSince: "o.status_since",
  paidAt: "greatest(o.status_since, o.paid_at)",
  outboundAt: "greatest(o.status_since, o.outbound_at)",
  placedAt: "greatest(o.status_since, o.placed_at)",
  lastTrackAt: "greatest(o.status_since, ordersheet_try_instant(o.extra->>'lastTrackAt'))",
  collectedAt: "greatest(o.status_since, ordersheet_try_instant(o.extra->>'collectedAt'))",
};

/** The clock start of timer `t` for order `o`, as `dueTimers` computes it (never before `status_since`). */
const START = `case t.anchor ${Object.entries(FACT_ANCHORS)
  .map(([anchor, expr]) => `when '${anchor}' then ${expr}`)
  .join(" ")} else o.status_since end`;

/**
 * Storage for the SLA timer job. The scan walks `orders_timer_scan` (workspace, status,
 * status_since, id) one status at a time and skips in SQL the orders none of whose timers is
 * due or all of whose due timers already fired (the key is rebuilt the way `timerKey` builds
 * it; where it cannot be, the order is kept and `dueTimers` decides). Alerts and tasks are
 * claimed through `timer_firings` rows in the same transaction that raises them, so two
 * server instances running the job at once raise each one once.
 */
/** Timer alerts are stored under `timer:` + the timer key. */
const TIMER_ALERT_PREFIX = "timer:";
/** How far before the previous run's time the next run re-reads changed orders. */
export const SWEEP_MARGIN_MS = 10 * 60_000;
/** How often every open timer alert is read again regardless (a safety net: a writer whose clock was far behind). */
export const FULL_SWEEP_MS = 24 * 3600_000;

export class KnexTimerStore {
  constructor(
    private readonly knex: Knex,
    private readonly workflows: KnexWorkflowStore,
    private readonly signal: ChangeSignal,
  ) {}

  /** Every workspace with its time zone. */
  async workspaces(): Promise<{ id: string; timeZone: string }[]> {
    const rows = await this.knex("workspaces").orderBy("id").select("id", "time_zone");
    return rows.map((r) => ({ id: r.id as string, timeZone: r.time_zone as string }));
  }

  /** Every workflow version of a workspace. */
  async flows(workspaceId: string): Promise<Map<number, WorkflowDefinition>> {
    const rows = await this.knex("workflow_versions").where("workspace_id", workspaceId).orderBy("version").select("version");
    const out = new Map<number, WorkflowDefinition>();
    for (const r of rows) out.set(Number(r.version), await this.workflows.definition(workspaceId, Number(r.version)));
    return out;
  }

  /**
   * Reads one page of candidate orders and, in the same transaction, raises what `plan`
   * picks from it: each claim first inserts its `timer_firings` row; only claims whose row
   * was new become alerts (plus an `alert.raised` feed row) or tasks.
   */
  async firePage(q: TimerPageQuery, plan: (page: TimerPage) => TimerClaim[]): Promise<TimerPageResult> {
    const nowIso = q.now.toISOString();
    const minAfter = Math.min(...q.timers.map((t) => t.afterMinutes));
    const cutoff = new Date(q.now.getTime() - minAfter * 60_000).toISOString();
    let wroteChanges = false;
    const result = await this.knex.transaction(async (trx) => {
      const rows = (
        await trx.raw(
          `select ${ORDER_COLUMNS.map((c) => `o.${c}`).join(", ")}, o.status_since::text as since_text
           from orders o
           where o.workspace_id = ? and o.status = ? and o.status_since <= ?::timestamptz
             ${q.after ? "and (o.status_since, o.id) > (?::timestamptz, ?)" : ""}
             and exists (
               select 1
               from unnest(?::int[], ?::text[], ?::text[], ?::int[], ?::text[]) as t(version, timer_id, what, after_minutes, anchor)
               cross join lateral (select ${START} as start) s
               where t.version = o.workflow_version
                 and s.start <= ?::timestamptz - t.after_minutes * interval '1 minute'
                 and not exists (
                   select 1 from timer_firings f
                   where f.workspace_id = o.workspace_id and f.order_id = o.id
                     and f.key = t.timer_id || '|' || t.what || '|' || floor(extract(epoch from s.start) * 1000)::bigint::text))
           order by o.status_since, o.id
           limit ?`,
          [
            q.workspaceId,
            q.state,
            cutoff,
            ...(q.after ? [q.after.since, q.after.id] : []),
            q.timers.map((t) => t.version),
            q.timers.map((t) => t.timerId),
            q.timers.map((t) => t.what),
            q.timers.map((t) => t.afterMinutes),
            q.timers.map((t) => t.anchor),
            nowIso,
            q.limit,
          ] as unknown as readonly Knex.RawBinding[],
        )
      ).rows as Record<string, any>[];
      if (rows.length === 0) return { scanned: 0, next: null, raised: [] };
      const orders = rows.map(rowToOrder);
      const last = rows[rows.length - 1];
      const next = rows.length < q.limit ? null : { since: String(last.since_text), id: String(last.id) };

      const ids = orders.map((o) => o.id);
      const fired = new Map<string, Set<string>>();
      const firedRows = await trx("timer_firings").where("workspace_id", q.workspaceId).whereIn("order_id", ids).select("order_id", "key");
      for (const r of firedRows) {
        let set = fired.get(r.order_id);
        if (!set) fired.set(r.order_id, (set = new Set()));
        set.add(r.key);
      }
      const related = q.related ? await relatedCounts(trx, q.workspaceId, orders, q.now, q.timeZone) : new Map<string, Related>();

      const claims = plan({ orders, fired, related }).sort((a, b) => cmp(a.orderId, b.orderId) || cmp(a.key, b.key));
      if (claims.length === 0) return { scanned: rows.length, next, raised: [] };

      // Claim in (order, key) order so concurrent runs wait on each other instead of deadlocking.
      const claimedRows = await trx.raw(
        `insert into timer_firings (workspace_id, order_id, key, fired_at)
         select ?, u.order_id, u.key, ?::timestamptz from unnest(?::text[], ?::text[]) with ordinality as u(order_id, key, n)
         order by u.n
         on conflict (workspace_id, order_id, key) do nothing
         returning order_id, key`,
        [q.workspaceId, nowIso, claims.map((c) => c.orderId), claims.map((c) => c.key)] as unknown as readonly Knex.RawBinding[],
      );
      const claimed = new Set((claimedRows.rows as { order_id: string; key: string }[]).map((r) => `${r.order_id}\u0000${r.key}`));
      const raised = claims.filter((c) => claimed.has(`${c.orderId}\u0000${c.key}`));

      const alerts = raised.filter((c): c is Extract<TimerClaim, { kind: "alert" }> => c.kind === "alert");
      const tasks = raised.filter((c): c is Extract<TimerClaim, { kind: "task" }> => c.kind === "task");
      const changes: NewChange[] = [];
      if (alerts.length) {
        const inserted = (await trx("alerts")
          .insert(alerts.map((a) => alertRow({ workspaceId: q.workspaceId, id: a.orderId }, `${TIMER_ALERT_PREFIX}${a.key}`, a.alert, nowIso)))
          .onConflict(["workspace_id", "order_id", "key"])
          .ignore()
          .returning(["order_id", "key"])) as { order_id: string; key: string }[];
        const fresh = new Set(inserted.map((r) => `${r.order_id}\u0000${r.key}`));
        for (const a of alerts) {
          if (!fresh.has(`${a.orderId}\u0000${TIMER_ALERT_PREFIX}${a.key}`)) continue;
          changes.push({
            kind: "alert.raised",
            orderId: a.orderId,
            orderVersion: a.orderVersion,
            data: { level: a.alert.level, message: a.alert.message, messages: a.alert.messages, source: a.alert.source, sourceId: a.alert.sourceId, ...(a.alert.notify ? { notify: a.alert.notify } : {}), ...(a.alert.via ? { via: a.alert.via } : {}) },
          });
        }
      }
      if (tasks.length) {
        await trx("tasks")
          .insert(tasks.map((t) => ({ workspace_id: q.workspaceId, order_id: t.orderId, key: `timer:${t.key}`, source_id: t.sourceId, assignee: t.assignee, message: t.message, created_at: nowIso })))
          .onConflict(["workspace_id", "order_id", "key"])
          .ignore();
      }
      if (changes.length) {
        await appendChanges(trx, q.workspaceId, changes, q.now);
        await this.signal.inTransaction(trx, q.workspaceId);
        wroteChanges = true;
      }
      return { scanned: rows.length, next, raised };
    });
    if (wroteChanges) this.signal.afterCommit(q.workspaceId);
    return result;
  }

  /**
   * Clears open timer alerts whose condition ended: reads the open ones with their orders,
   * asks `holds` about each, and clears the rest as `condition_ended` by `system`, with an
   * `alert.cleared` feed row each, in one transaction. A condition depends only on the order
   * and the workflow, so only the alerts of orders changed since the previous run (less
   * `SWEEP_MARGIN_MS`, for writers whose clock or commit lagged) are read — by the orders'
   * `updated_at` index — and every open one when the workflow versions (`q.flows`) changed,
   * there is no previous run, or the last full read is `FULL_SWEEP_MS` old.
   */
  async clearEndedAlerts(q: { workspaceId: string; now: Date; flows: string }, holds: (order: Order, timerKey: string) => boolean): Promise<number> {
    const nowIso = q.now.toISOString();
    let cleared = 0;
    await this.knex.transaction(async (trx) => {
      const prev = await trx("timer_alert_sweeps").where("workspace_id", q.workspaceId).forUpdate().first("checked_to", "full_at", "flows");
      const full = !prev || prev.flows !== q.flows || q.now.getTime() - new Date(prev.full_at).getTime() >= FULL_SWEEP_MS;
      const since = full ? null : new Date(Math.min(new Date(prev.checked_to).getTime(), q.now.getTime()) - SWEEP_MARGIN_MS).toISOString();
      const rows = (
        await trx.raw(
          full
            ? `select a.id as alert_id, a.key as alert_key, ${ORDER_COLUMNS.map((c) => `o.${c}`).join(", ")}
                 from alerts a join orders o on o.workspace_id = a.workspace_id and o.id = a.order_id
                where a.workspace_id = ? and a.cleared_at is null and a.source = 'timer'
                order by a.id
                for update of a skip locked`
            : `select a.id as alert_id, a.key as alert_key, ${ORDER_COLUMNS.map((c) => `o.${c}`).join(", ")}
                 from orders o join alerts a on a.workspace_id = o.workspace_id and a.order_id = o.id
                where o.workspace_id = ? and o.updated_at >= ?::timestamptz and a.cleared_at is null and a.source = 'timer'
                order by a.id
                for update of a skip locked`,
          full ? [q.workspaceId] : [q.workspaceId, since],
        )
      ).rows as Record<string, any>[];
      const mark = { checked_to: nowIso, full_at: full ? nowIso : new Date(prev!.full_at).toISOString(), flows: q.flows };
      await trx("timer_alert_sweeps").insert({ workspace_id: q.workspaceId, ...mark }).onConflict("workspace_id").merge(mark);
      const ended = rows.filter((r) => String(r.alert_key).startsWith(TIMER_ALERT_PREFIX) && !holds(rowToOrder(r), String(r.alert_key).slice(TIMER_ALERT_PREFIX.length)));
      if (ended.length === 0) return;
      const res = await trx.raw(
        `update alerts a set cleared_at = ?::timestamptz, cleared_by = ?, clear_reason = 'condition_ended'
           from orders o
          where a.workspace_id = ? and a.id = any(?::bigint[]) and a.cleared_at is null
            and o.workspace_id = a.workspace_id and o.id = a.order_id
          returning a.order_id, a.source, a.source_id, a.level, a.message, a.cleared_by, a.clear_reason, a.clear_note, o.version as order_version`,
        [nowIso, SYSTEM_CLEARER, q.workspaceId, ended.map((r) => String(r.alert_id))] as unknown as readonly Knex.RawBinding[],
      );
      const changes = (res.rows as ClearedAlertRow[]).map(alertClearedChange);
      cleared = changes.length;
      if (cleared) {
        await appendChanges(trx, q.workspaceId, changes, q.now);
        await this.signal.inTransaction(trx, q.workspaceId);
      }
    });
    if (cleared) this.signal.afterCommit(q.workspaceId);
    return cleared;
  }

  /** Remembers timer keys as fired (automatic moves, once their event went through the engine). */
  async recordFirings(workspaceId: string, firings: { orderId: string; key: string }[], now: Date): Promise<void> {
    if (firings.length === 0) return;
    await this.knex("timer_firings")
      .insert(firings.map((f) => ({ workspace_id: workspaceId, order_id: f.orderId, key: f.key, fired_at: now.toISOString() })))
      .onConflict(["workspace_id", "order_id", "key"])
      .ignore();
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
