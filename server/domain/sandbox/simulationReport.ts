import { DECISION_KINDS, type DecisionKind } from "../workflow/decision.js";

/** Counts per key, keys sorted, for stable JSON. */
export type Counts = Record<string, number>;

/** Per state: orders that entered it, ended the run in it, and events refused while in it. */
export interface StateFigures {
  entered: number;
  ended: number;
  refused: number;
}

/** Refused events sharing one reason; `examples` are the (lexicographically) first order ids. */
export interface RefusalGroup {
  count: number;
  examples: string[];
}

/** What replaying a stream through a workflow would do. */
export interface SimulationReport {
  workflow: string;
  orders: number;
  /** Stream steps decided (events and manual edits; timer moves are counted apart). */
  events: number;
  timerMoves: number;
  /** Orders a person moved by hand at least once (the seeds' health bar: manual intervention ≤ 3 %). */
  manualOrders: number;
  decisions: Record<DecisionKind, number>;
  scenarios: Counts;
  states: Record<string, StateFigures>;
  /** Transitions taken, by id (chained auto steps included; timer moves as `timer:<id>`). */
  transitions: Counts;
  /** Refused events grouped by `event type: reason`. */
  refusals: Record<string, RefusalGroup>;
  /** Alerts that would fire, by `source:id:level`. */
  alerts: Counts;
  /** Tasks and channel pauses that would be requested, by `kind:id`. */
  effects: Counts;
}

/** How many example order ids a refusal group keeps. */
export const REFUSAL_EXAMPLES = 3;

/** Adds `id` to a sorted example list, keeping the smallest `REFUSAL_EXAMPLES` (independent of arrival order). */
export function addExample(examples: string[], id: string): void {
  if (examples.includes(id)) return;
  if (examples.length === REFUSAL_EXAMPLES && id >= examples[REFUSAL_EXAMPLES - 1]) return;
  examples.push(id);
  examples.sort();
  if (examples.length > REFUSAL_EXAMPLES) examples.pop();
}

function sortKeys<T>(record: Record<string, T>): Record<string, T> {
  return Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function addCounts(into: Counts, from: Counts): void {
  for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
}

/**
 * One report from several over disjoint parts of a stream (e.g. the shards of a parallel
 * run) of the same workflow. The result equals the report of the whole stream.
 */
export function mergeReports(reports: readonly SimulationReport[]): SimulationReport {
  if (reports.length === 0) throw new RangeError("mergeReports needs at least one report");
  const out: SimulationReport = {
    workflow: reports[0].workflow,
    orders: 0,
    events: 0,
    timerMoves: 0,
    manualOrders: 0,
    decisions: Object.fromEntries(DECISION_KINDS.map((k) => [k, 0])) as Record<DecisionKind, number>,
    scenarios: {},
    states: {},
    transitions: {},
    refusals: {},
    alerts: {},
    effects: {},
  };
  for (const r of reports) {
    if (r.workflow !== out.workflow) throw new RangeError(`cannot merge reports of ${out.workflow} and ${r.workflow}`);
    out.orders += r.orders;
    out.events += r.events;
    out.timerMoves += r.timerMoves;
    out.manualOrders += r.manualOrders;
    for (const k of DECISION_KINDS) out.decisions[k] += r.decisions[k];
    addCounts(out.scenarios, r.scenarios);
    addCounts(out.transitions, r.transitions);
    addCounts(out.alerts, r.alerts);
    addCounts(out.effects, r.effects);
    for (const [code, f] of Object.entries(r.states)) {
      const s = (out.states[code] ??= { entered: 0, ended: 0, refused: 0 });
      s.entered += f.entered;
      s.ended += f.ended;
      s.refused += f.refused;
    }
    for (const [reason, g] of Object.entries(r.refusals)) {
      const into = (out.refusals[reason] ??= { count: 0, examples: [] });
      into.count += g.count;
      for (const id of g.examples) addExample(into.examples, id);
    }
  }
  out.scenarios = sortKeys(out.scenarios);
  out.transitions = sortKeys(out.transitions);
  out.alerts = sortKeys(out.alerts);
  out.effects = sortKeys(out.effects);
  out.refusals = sortKeys(out.refusals);
  return out;
}
