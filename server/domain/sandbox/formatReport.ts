import type { WorkflowDefinition } from "../../contracts/workflow.js";
import { COMPARED_SECTIONS, type ReportComparison } from "./compareReports.js";
import type { Counts, SimulationReport } from "./simulationReport.js";

/** Plain-text rendering of sandbox reports for terminals and logs. */

function pct(part: number, whole: number): string {
  return whole === 0 ? "0.0 %" : `${((part / whole) * 100).toFixed(1)} %`;
}

function num(n: number): string {
  return n.toLocaleString("en-US");
}

function table(rows: string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  return rows.map((r) => `  ${r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join("  ")}`.trimEnd());
}

function countLines(title: string, counts: Counts, total: number): string[] {
  const entries = Object.entries(counts).sort(([ka, a], [kb, b]) => b - a || (ka < kb ? -1 : 1));
  if (entries.length === 0) return [`${title}: none`];
  return [`${title}:`, ...table(entries.map(([k, v]) => [k, num(v), pct(v, total)]))];
}

/** A readable multi-section report; state labels come from `flow` when given. */
export function formatReport(report: SimulationReport, flow?: WorkflowDefinition): string {
  const label = (code: string) => {
    const s = flow?.states.find((x) => x.code === code);
    return s ? `${code} ${s.labels["zh-CN"]}` : code;
  };
  const d = report.decisions;
  const lines = [
    `Workflow ${report.workflow}: ${num(report.orders)} orders, ${num(report.events)} events, ${num(report.timerMoves)} timer moves`,
    `Decisions: ${num(d.transition)} transitions, ${num(d.update)} fact updates, ${num(d.noop)} no-ops, ${num(d.refused)} refused, ${num(d.conflict)} conflicts`,
    `Manual intervention: ${num(report.manualOrders)} orders (${pct(report.manualOrders, report.orders)}; the seeds' bar is ≤ 3 %)`,
    "",
    "States (entered / ended here / refused while here):",
    ...table(Object.entries(report.states).map(([code, f]) => [label(code), num(f.entered), num(f.ended), num(f.refused)])),
    "",
    ...countLines("Transitions taken", report.transitions, report.orders),
    "",
    ...countLines("Alerts that would fire", report.alerts, report.orders),
    "",
    ...countLines("Effects requested", report.effects, report.orders),
    "",
  ];
  const refusals = Object.entries(report.refusals).sort(([, a], [, b]) => b.count - a.count);
  if (refusals.length === 0) lines.push("Refused events: none");
  else {
    lines.push("Refused events, by reason:");
    for (const [reason, g] of refusals) lines.push(`  ${num(g.count).padStart(9)}  ${reason}`, `             e.g. ${g.examples.join(", ")}`);
  }
  lines.push("", ...countLines("Scenarios in the stream", report.scenarios, report.orders));
  return lines.join("\n");
}

/** A readable list of what differs between two runs (only changed figures). */
export function formatComparison(c: ReportComparison): string {
  const lines = [`Comparing ${c.workflows.a} (A) with ${c.workflows.b} (B)${c.sameStream ? "" : " — warning: the runs saw different streams"}`];
  let any = false;
  for (const section of COMPARED_SECTIONS) {
    const rows = c.sections[section];
    if (rows.length === 0) continue;
    any = true;
    lines.push("", `${section}:`, ...table([["", "A", "B", "B−A"], ...rows.map((r) => [r.key, num(r.a), num(r.b), `${r.delta > 0 ? "+" : ""}${num(r.delta)}`])]));
  }
  if (!any) lines.push("", "No differences.");
  return lines.join("\n");
}
