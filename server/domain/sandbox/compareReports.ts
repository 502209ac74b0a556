import { DECISION_KINDS } from "../workflow/decision.js";
import type { Counts, SimulationReport } from "./simulationReport.js";

/** One figure that differs between two reports. */
export interface CountDiff {
  key: string;
  a: number;
  b: number;
  /** b − a */
  delta: number;
}

/** The sections a comparison covers. */
export const COMPARED_SECTIONS = ["decisions", "endStates", "enteredStates", "transitions", "refusals", "alerts", "effects"] as const;
export type ComparedSection = (typeof COMPARED_SECTIONS)[number];

/** What changes when the same stream runs through definition B instead of A. */
export interface ReportComparison {
  workflows: { a: string; b: string };
  /** Whether both reports replayed the same number of orders and events (the same stream). */
  sameStream: boolean;
  /** Only the figures that differ, largest change first. */
  sections: Record<ComparedSection, CountDiff[]>;
}

function diff(a: Counts, b: Counts): CountDiff[] {
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  const out: CountDiff[] = [];
  for (const key of keys) {
    const x = a[key] ?? 0;
    const y = b[key] ?? 0;
    if (x !== y) out.push({ key, a: x, b: y, delta: y - x });
  }
  return out.sort((p, q) => Math.abs(q.delta) - Math.abs(p.delta) || (p.key < q.key ? -1 : 1));
}

function pick(r: SimulationReport, field: "entered" | "ended"): Counts {
  return Object.fromEntries(Object.entries(r.states).map(([k, v]) => [k, v[field]]));
}

function refusalCounts(r: SimulationReport): Counts {
  return Object.fromEntries(Object.entries(r.refusals).map(([k, v]) => [k, v.count]));
}

/**
 * The differences between two simulation reports — normally the same seeded stream run
 * through two workflow definitions — per section: decisions, where orders end, states
 * entered, transitions taken, refusal reasons, alerts and effects.
 */
export function compareReports(a: SimulationReport, b: SimulationReport): ReportComparison {
  const decisions = (r: SimulationReport): Counts => Object.fromEntries(DECISION_KINDS.map((k) => [k, r.decisions[k]]));
  return {
    workflows: { a: a.workflow, b: b.workflow },
    sameStream: a.orders === b.orders && a.events === b.events,
    sections: {
      decisions: diff(decisions(a), decisions(b)),
      endStates: diff(pick(a, "ended"), pick(b, "ended")),
      enteredStates: diff(pick(a, "entered"), pick(b, "entered")),
      transitions: diff(a.transitions, b.transitions),
      refusals: diff(refusalCounts(a), refusalCounts(b)),
      alerts: diff(a.alerts, b.alerts),
      effects: diff(a.effects, b.effects),
    },
  };
}
