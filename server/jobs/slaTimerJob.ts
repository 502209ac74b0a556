import type { Logger } from "pino";
import type { EventInput } from "../contracts/events.js";
import type { TimerAnchor, WorkflowDefinition } from "../contracts/workflow.js";
import type { Order } from "../domain/order.js";
import type { Actor, Alert } from "../domain/workflow/decision.js";
import { dueTimers, timerConditionHolds } from "../domain/workflow/dueTimers.js";
import type { Related } from "../domain/workflow/guardContext.js";
import type { SlotClaims } from "./jobPorts.js";

/** One timer the storage scan looks for (`what`: the alert level or the action kind, as in timer keys). */
export interface ScanTimer {
  version: number;
  timerId: string;
  what: string;
  afterMinutes: number;
  anchor: TimerAnchor;
}

/** An alert or task a timer raises; `key` is the timer key. */
export type TimerClaim = { orderId: string; orderVersion: number; key: string } & (
  | { kind: "alert"; alert: Alert }
  | { kind: "task"; sourceId: string; assignee: string; message: string }
);

/** What the SLA timer job needs from storage (implemented by `KnexTimerStore`). */
export interface TimerStore {
  workspaces(): Promise<{ id: string; timeZone: string }[]>;
  flows(workspaceId: string): Promise<Map<number, WorkflowDefinition>>;
  /** One page of candidates in `state` after cursor `after` (opaque; null: from the start), raising what `plan` picks once. */
  firePage(
    q: { workspaceId: string; timeZone: string; state: string; timers: ScanTimer[]; now: Date; after: unknown; limit: number; related: boolean },
    plan: (page: { orders: Order[]; fired: Map<string, Set<string>>; related: Map<string, Related> }) => TimerClaim[],
  ): Promise<{ scanned: number; next: unknown; raised: TimerClaim[] }>;
  recordFirings(workspaceId: string, firings: { orderId: string; key: string }[], now: Date): Promise<void>;
  /**
   * Clears the open timer alerts whose condition `holds` says has ended (the alert's timer
   * key and its order as it is now), with an `alert.cleared` feed row each; returns how many.
   */
  clearEndedAlerts(q: { workspaceId: string; now: Date; flows: string }, holds: (order: Order, timerKey: string) => boolean): Promise<number>;
}

/** The one door for order changes (implemented by `KnexEventStore`). */
export interface EventSink {
  process(
    ctx: { workspaceId: string; timeZone: string; actor: Actor },
    events: EventInput[],
    now: Date,
  ): Promise<{ outcome: string; orderId: string | null; reason?: string }[]>;
}

/** What one run did. */
export interface TimerRunSummary {
  workspaces: number;
  /** Workspaces another server instance ran this slot. */
  skipped: number;
  scanned: number;
  alerts: number;
  tasks: number;
  /** Timer moves the engine applied. */
  transitions: number;
  /** Timer moves the engine did not apply (already delivered, no longer due …). */
  transitionsNotApplied: number;
  /** Timer alerts cleared because their condition ended (a stall ended, the order moved on). */
  alertsCleared: number;
  errors: number;
  /** The same figures per workspace that ran. */
  perWorkspace: Record<string, WorkspaceFigures>;
}

/** What one run did in one workspace. */
export interface WorkspaceFigures {
  scanned: number;
  alerts: number;
  tasks: number;
  transitions: number;
  transitionsNotApplied: number;
  alertsCleared: number;
}

/** The name timer moves are recorded under (audit actor and event source). */
export const TIMER_SOURCE = "timer:sla";
const TIMER_ACTOR: Actor = { role: "admin", name: TIMER_SOURCE };

/** How the job is put together. */
export interface SlaTimerJobOptions {
  store: TimerStore;
  events: EventSink;
  logger: Logger;
  /** Orders per page (one transaction each). */
  pageSize?: number;
  /** When given, each workspace runs only if this instance claims the slot. */
  slots?: SlotClaims;
}

/**
 * The SLA timer job: per workspace, finds orders whose current status has timers due,
 * raises each alert and task once (claimed in `timer_firings`, alerts into the change
 * feed), and takes automatic moves by sending a `timer.fired` event through the engine
 * with a stable `sourceEventId`, so a re-run or a concurrent run has no second effect.
 */
export class SlaTimerJob {
  private readonly pageSize: number;

  constructor(private readonly opts: SlaTimerJobOptions) {
    this.pageSize = opts.pageSize ?? 500;
  }

  /** One run at `now`; `slot` names the schedule slot for claims (default: `now`). */
  async run(now: Date, slot: Date = now): Promise<TimerRunSummary> {
    const sum: TimerRunSummary = { workspaces: 0, skipped: 0, scanned: 0, alerts: 0, tasks: 0, transitions: 0, transitionsNotApplied: 0, alertsCleared: 0, errors: 0, perWorkspace: {} };
    for (const ws of await this.opts.store.workspaces()) {
      try {
        if (this.opts.slots && !(await this.opts.slots.claim(ws.id, "sla-timers", slot))) {
          sum.skipped += 1;
          continue;
        }
        sum.workspaces += 1;
        const figures: WorkspaceFigures = { scanned: 0, alerts: 0, tasks: 0, transitions: 0, transitionsNotApplied: 0, alertsCleared: 0 };
        sum.perWorkspace[ws.id] = figures;
        await this.runWorkspace(ws, now, figures);
        sum.scanned += figures.scanned;
        sum.alerts += figures.alerts;
        sum.tasks += figures.tasks;
        sum.transitions += figures.transitions;
        sum.transitionsNotApplied += figures.transitionsNotApplied;
        sum.alertsCleared += figures.alertsCleared;
      } catch (err) {
        sum.errors += 1;
        this.opts.logger.error({ err, job: "sla-timers", workspaceId: ws.id }, "SLA timer run failed for a workspace");
      }
    }
    return sum;
  }

  private async runWorkspace(ws: { id: string; timeZone: string }, now: Date, sum: WorkspaceFigures): Promise<void> {
    const flows = await this.opts.store.flows(ws.id);
    // First end what no longer holds, so an alert of a stall that ended is gone before a new one is raised.
    // Workflow versions never change once written, so their numbers name the definitions.
    const versions = [...flows.keys()].sort((a, b) => a - b).join(",");
    sum.alertsCleared += await this.opts.store.clearEndedAlerts({ workspaceId: ws.id, now, flows: versions }, (order, key) => {
      const flow = flows.get(order.workflowVersion);
      return !!flow && timerConditionHolds(flow, order, key);
    });
    const byState = new Map<string, ScanTimer[]>();
    let related = false;
    for (const [version, flow] of flows) {
      for (const t of flow.timers) {
        const what = t.action.kind === "alert" ? t.action.level : t.action.kind;
        let list = byState.get(t.state);
        if (!list) byState.set(t.state, (list = []));
        list.push({ version, timerId: t.id, what, afterMinutes: t.afterMinutes, anchor: t.anchor });
        related ||= !!t.guard?.includes("related.");
      }
    }
    for (const [state, timers] of byState) {
      let after: unknown = null;
      do {
        const moves: { order: Order; key: string; timerId: string; dueAt: string }[] = [];
        const page = await this.opts.store.firePage(
          { workspaceId: ws.id, timeZone: ws.timeZone, state, timers, now, after, limit: this.pageSize, related },
          ({ orders, fired, related: counts }) => {
            const claims: TimerClaim[] = [];
            for (const order of orders) {
              const flow = flows.get(order.workflowVersion);
              if (!flow) continue;
              const due = dueTimers(flow, order, now, fired.get(order.id) ?? new Set(), { related: counts.get(order.id), tz: ws.timeZone });
              let moved = false;
              for (const a of due) {
                const base = { orderId: order.id, orderVersion: order.version, key: a.key };
                if (a.kind === "alert") claims.push({ ...base, kind: "alert", alert: a.alert });
                else if (a.kind === "task") claims.push({ ...base, kind: "task", sourceId: a.effect.sourceId, assignee: a.effect.assignee, message: a.effect.message });
                else if (!moved) {
                  // Only the earliest move: once it is taken the order is in another status.
                  moved = true;
                  moves.push({ order, key: a.key, timerId: a.timerId, dueAt: a.dueAt });
                }
              }
            }
            return claims;
          },
        );
        sum.scanned += page.scanned;
        for (const c of page.raised) {
          if (c.kind === "alert") sum.alerts += 1;
          else sum.tasks += 1;
        }
        if (moves.length) await this.move(ws, moves, now, sum);
        after = page.next;
      } while (after !== null);
    }
  }

  /** Sends due moves through the engine, then remembers them as fired. */
  private async move(ws: { id: string; timeZone: string }, moves: { order: Order; key: string; timerId: string; dueAt: string }[], now: Date, sum: WorkspaceFigures): Promise<void> {
    const events: EventInput[] = moves.map((m) => ({
      source: TIMER_SOURCE,
      sourceEventId: timerEventId(m.order.id, m.key),
      orderId: m.order.id,
      occurredAt: m.dueAt,
      type: "timer.fired",
      data: { timerId: m.timerId },
    }));
    const outcomes = await this.opts.events.process({ workspaceId: ws.id, timeZone: ws.timeZone, actor: TIMER_ACTOR }, events, now);
    for (const o of outcomes) {
      if (o.outcome === "applied") sum.transitions += 1;
      else sum.transitionsNotApplied += 1;
    }
    await this.opts.store.recordFirings(ws.id, moves.map((m) => ({ orderId: m.order.id, key: m.key })), now);
  }
}

/** The `sourceEventId` of a timer move: stable per (order, timer key), so redelivery is a duplicate. */
export function timerEventId(orderId: string, key: string): string {
  return `${orderId}|${key}`;
}
