import type { WorkflowDefinition, WorkflowRule, WorkflowState, WorkflowTimer, WorkflowTransition } from "../../contracts/workflow.js";

/** Look-up tables over one definition, built once per definition object and cached. */
export interface FlowIndex {
  states: ReadonlyMap<string, WorkflowState>;
  /** Transitions leaving each state, exact `from` first then "*" ones (minus those into the state itself), each in definition order. */
  leaving: ReadonlyMap<string, readonly WorkflowTransition[]>;
  /** `leaving` split by trigger: state → trigger → transitions. */
  leavingByTrigger: ReadonlyMap<string, ReadonlyMap<string, readonly WorkflowTransition[]>>;
  timersByState: ReadonlyMap<string, readonly WorkflowTimer[]>;
  timersById: ReadonlyMap<string, WorkflowTimer>;
  /** Rules for each event type, "*" rules included, in definition order. */
  rulesByEvent: ReadonlyMap<string, readonly WorkflowRule[]>;
  wildcardRules: readonly WorkflowRule[];
  /** Every trigger some transition of the workflow waits for (event types, "manual", "auto"). */
  triggers: ReadonlySet<string>;
}

const cache = new WeakMap<WorkflowDefinition, FlowIndex>();

/**
 * The index of `flow`. Definitions are treated as immutable once in use: build a new
 * object to change one (the cache is keyed by object identity).
 */
export function flowIndex(flow: WorkflowDefinition): FlowIndex {
  const hit = cache.get(flow);
  if (hit) return hit;

  const states = new Map(flow.states.map((s) => [s.code, s]));
  const wildcard = flow.transitions.filter((t) => t.from === "*");
  const leaving = new Map<string, WorkflowTransition[]>();
  const leavingByTrigger = new Map<string, Map<string, WorkflowTransition[]>>();
  for (const s of flow.states) {
    const exact = flow.transitions.filter((t) => t.from === s.code);
    const all = s.terminal ? exact : [...exact, ...wildcard.filter((t) => t.to !== s.code)];
    leaving.set(s.code, all);
    const byTrigger = new Map<string, WorkflowTransition[]>();
    for (const t of all) byTrigger.set(t.trigger, [...(byTrigger.get(t.trigger) ?? []), t]);
    leavingByTrigger.set(s.code, byTrigger);
  }

  const timersByState = new Map<string, WorkflowTimer[]>();
  for (const t of flow.timers) {
    const list = timersByState.get(t.state) ?? [];
    list.push(t);
    timersByState.set(t.state, list);
  }

  const wildcardRules = flow.rules.filter((r) => r.on === "*");
  const rulesByEvent = new Map<string, WorkflowRule[]>();
  for (const r of flow.rules) {
    if (r.on !== "*" && !rulesByEvent.has(r.on)) rulesByEvent.set(r.on, flow.rules.filter((x) => x.on === r.on || x.on === "*"));
  }

  const index: FlowIndex = {
    states,
    leaving,
    leavingByTrigger,
    timersByState,
    timersById: new Map(flow.timers.map((t) => [t.id, t])),
    rulesByEvent,
    wildcardRules,
    triggers: new Set(flow.transitions.map((t) => t.trigger)),
  };
  cache.set(flow, index);
  return index;
}

/** Whether some transition of the workflow is triggered by `trigger` (e.g. whether it knows payments at all). */
export function usesTrigger(flow: WorkflowDefinition, trigger: string): boolean {
  return flowIndex(flow).triggers.has(trigger);
}

/** Transitions leaving `state` ("*" ones included unless it is terminal); [] for an unknown state. */
export function transitionsFrom(flow: WorkflowDefinition, state: string): readonly WorkflowTransition[] {
  return flowIndex(flow).leaving.get(state) ?? [];
}

const NONE: readonly WorkflowTransition[] = [];

/** Transitions leaving `state` with trigger `trigger` (an event type, "manual" or "auto"), in the order of `transitionsFrom`. */
export function transitionsOn(flow: WorkflowDefinition, state: string, trigger: string): readonly WorkflowTransition[] {
  return flowIndex(flow).leavingByTrigger.get(state)?.get(trigger) ?? NONE;
}

/** Rules that apply to events of `type`. */
export function rulesFor(flow: WorkflowDefinition, type: string): readonly WorkflowRule[] {
  const index = flowIndex(flow);
  return index.rulesByEvent.get(type) ?? index.wildcardRules;
}

/** "待支付 (pending_payment)": how states are named in messages. */
export function stateName(flow: WorkflowDefinition, code: string): string {
  const s = flowIndex(flow).states.get(code);
  return s ? `${s.labels["zh-CN"]} (${code})` : code;
}
