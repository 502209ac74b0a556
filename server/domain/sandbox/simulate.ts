import type { EventInput } from "../../contracts/events.js";
import type { WorkflowDefinition } from "../../contracts/workflow.js";
import type { Order } from "../order.js";
import { decide } from "../workflow/decide.js";
import { DECISION_KINDS, type Actor, type Decision, type DecisionKind } from "../workflow/decision.js";
import { dueTimers, nextTimerDueAt, timerDueAt, timerKey } from "../workflow/dueTimers.js";
import { applyPatch } from "../workflow/factPatch.js";
import { flowIndex } from "../workflow/flowIndex.js";
import { CONNECTOR, isoAt, type SyntheticOrder, type SyntheticStep } from "./script.js";
import { addExample, type RefusalGroup, type SimulationReport, type StateFigures } from "./simulationReport.js";

/** Simulation settings. */
export interface SimulateOptions {
  /** How long after an order's last step its timers keep running (default 8 days). */
  horizonMinutes?: number;
  /** Workspace time zone for guards. */
  tz?: string;
}

const MAX_TIMER_ROUNDS = 64;
const TIMER_ACTOR: Actor = { role: "admin", name: "timer:sla" };

/** One order's timer bookkeeping during a replay. */
interface TimerClock {
  order: Order;
  fired: Set<string>;
  /** The order `next` was computed for (null: recompute). */
  nextFor: Order | null;
  next: number;
}

function bump(map: Map<string, number>, key: string): void {
  map.set(key, (map.get(key) ?? 0) + 1);
}

function sorted<T>(map: Map<string, T>): Record<string, T> {
  return Object.fromEntries([...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function toEvent(step: SyntheticStep, order: Order, n: number): EventInput {
  if (step.kind === "event") return step.event;
  return {
    source: `sheet:${step.actor.name}`,
    sourceEventId: `${order.id}:manual:${n}`,
    orderId: order.id,
    occurredAt: isoAt(step.at),
    type: "manual.command",
    data: { to: step.to, baseVersion: step.stale ? Math.max(1, order.version - 1) : order.version },
  };
}

/**
 * Replays synthetic orders through one workflow with no side effects — each step through
 * `decide`, with `dueTimers` run in between as the SLA scheduler would — and counts what
 * would happen. Feed it with `add` from any source (sync or async); memory stays flat.
 */
export class Simulator {
  private orders = 0;
  private events = 0;
  private timerMoves = 0;
  private manualOrders = 0;
  private readonly decisions = Object.fromEntries(DECISION_KINDS.map((k) => [k, 0])) as Record<DecisionKind, number>;
  private readonly scenarios = new Map<string, number>();
  private readonly states = new Map<string, StateFigures>();
  private readonly transitions = new Map<string, number>();
  private readonly refusals = new Map<string, RefusalGroup>();
  private readonly alerts = new Map<string, number>();
  private readonly effects = new Map<string, number>();
  private readonly horizon: number;

  constructor(
    private readonly flow: WorkflowDefinition,
    private readonly opts: SimulateOptions = {},
  ) {
    for (const s of flow.states) this.states.set(s.code, { entered: 0, ended: 0, refused: 0 });
    this.horizon = (opts.horizonMinutes ?? 8 * 1440) * 60_000;
  }

  /** Replays one synthetic order; it starts in the workflow's initial status when created. */
  add(synthetic: SyntheticOrder): void {
    this.orders += 1;
    bump(this.scenarios, synthetic.scenario);
    let order = applyPatch(synthetic.order, { status: this.flow.initial, statusSince: synthetic.order.createdAt });
    this.state(order.status).entered += 1;
    const clock: TimerClock = { order, fired: new Set(), nextFor: null, next: 0 };
    let manual = false;
    let last = Date.parse(order.createdAt);
    for (let n = 0; n < synthetic.steps.length; n++) {
      const step = synthetic.steps[n];
      clock.order = order;
      order = this.runTimers(clock, step.at);
      const event = toEvent(step, order, n);
      const d = decide(this.flow, order, event, step.actor ?? CONNECTOR, new Date(step.at), step.related ?? {}, { tz: this.opts.tz });
      manual ||= step.kind === "manual" && d.kind === "transition";
      this.events += 1;
      order = this.record(order, d, event.type);
      last = step.at;
    }
    clock.order = order;
    order = this.runTimers(clock, last + this.horizon);
    if (manual) this.manualOrders += 1;
    this.state(order.status).ended += 1;
  }

  /** The counts so far. */
  report(): SimulationReport {
    return {
      workflow: this.flow.name,
      orders: this.orders,
      events: this.events,
      timerMoves: this.timerMoves,
      manualOrders: this.manualOrders,
      decisions: { ...this.decisions },
      scenarios: sorted(this.scenarios),
      states: Object.fromEntries([...this.states].map(([k, v]) => [k, { ...v }])),
      transitions: sorted(this.transitions),
      refusals: Object.fromEntries([...this.refusals].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, g]) => [k, { count: g.count, examples: [...g.examples] }])),
      alerts: sorted(this.alerts),
      effects: sorted(this.effects),
    };
  }

  private state(code: string): StateFigures {
    let f = this.states.get(code);
    if (!f) this.states.set(code, (f = { entered: 0, ended: 0, refused: 0 }));
    return f;
  }

  /** Counts a decision and returns the order as the store would leave it. */
  private record(order: Order, d: Decision, eventType: string): Order {
    this.decisions[d.kind] += 1;
    for (const a of d.alerts) bump(this.alerts, `${a.source}:${a.sourceId}:${a.level}`);
    for (const e of d.effects) bump(this.effects, `${e.kind}:${e.sourceId}`);
    if (d.kind === "refused") {
      this.state(order.status).refused += 1;
      const key = `${eventType}: ${d.reason}`;
      let group = this.refusals.get(key);
      if (!group) this.refusals.set(key, (group = { count: 0, examples: [] }));
      group.count += 1;
      addExample(group.examples, order.id);
    }
    if (d.kind === "transition") {
      for (const s of d.steps) {
        bump(this.transitions, s.transitionId);
        this.state(s.to).entered += 1;
      }
    }
    if (d.kind !== "transition" && d.kind !== "update") return order;
    const next = applyPatch(order, d.patch);
    next.version = order.version + 1;
    return next;
  }

  /** Runs the order's timers up to `until`, in time order, like the SLA scheduler would. */
  private runTimers(clock: TimerClock, until: number): Order {
    const { flow } = this;
    let order = clock.order;
    for (let round = 0; round < MAX_TIMER_ROUNDS; round++) {
      // The next due time only changes when the order or the fired set does.
      if (clock.nextFor !== order) {
        clock.nextFor = order;
        clock.next = nextTimerDueAt(flow, order, clock.fired)?.getTime() ?? Number.POSITIVE_INFINITY;
      }
      if (clock.next > until) break;
      const now = new Date(clock.next);
      clock.nextFor = null;
      const state = order.status;
      for (const action of dueTimers(flow, order, now, clock.fired, { tz: this.opts.tz })) {
        clock.fired.add(action.key);
        if (action.kind === "alert") bump(this.alerts, `timer:${action.timerId}:${action.alert.level}`);
        else if (action.kind === "task") bump(this.effects, `task:${action.timerId}`);
        else if (order.status === state) {
          const event: EventInput = {
            source: "timer:sla",
            sourceEventId: action.key,
            orderId: order.id,
            occurredAt: isoAt(clock.next),
            type: "timer.fired",
            data: { timerId: action.timerId },
          };
          const d = decide(flow, order, event, TIMER_ACTOR, now, {}, { tz: this.opts.tz });
          if (d.kind === "transition") this.timerMoves += 1;
          order = this.record(order, d, event.type);
        }
      }
      // Timers due by now whose guard did not hold are settled too, so the clock moves on.
      if (order.status !== state) continue;
      for (const t of flowIndex(flow).timersByState.get(state) ?? []) {
        const due = timerDueAt(t, order);
        if (due && due.getTime() <= clock.next) clock.fired.add(timerKey(t, order));
      }
    }
    clock.order = order;
    return order;
  }
}

/**
 * Replays `stream` through `flow` with no side effects and reports per state, transition
 * and rule what would happen: moves taken, events refused and why (grouped by reason),
 * alerts and effects that would fire. Orders are consumed one at a time.
 */
export function simulate(flow: WorkflowDefinition, stream: Iterable<SyntheticOrder>, opts: SimulateOptions = {}): SimulationReport {
  const sim = new Simulator(flow, opts);
  for (const synthetic of stream) sim.add(synthetic);
  return sim.report();
}
