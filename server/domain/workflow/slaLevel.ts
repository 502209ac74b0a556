import type { TimerAnchor, WorkflowDefinition } from "../../contracts/workflow.js";
import type { Order } from "../order.js";
import { flowIndex } from "./flowIndex.js";
import { timerDueAt } from "./dueTimers.js";
import { readFact } from "./orderFacts.js";

/** The SLA colour of an order in the sheet. */
export type SlaColour = "red" | "orange" | "green";

/** Share of a state's `slaMinutes` after which the order turns orange. */
export const SLA_WARNING_SHARE = 0.8;

/** How far ahead of the promised time a signature must be to count as early (green). */
export const EARLY_SIGNATURE_MINUTES = 24 * 60;

/**
 * The SLA colour of `order` at `now`, most urgent first:
 * - **red** — time in the current status reached the state's `slaMinutes`, or a red alert
 *   timer of the status is due (e.g. 2 h in 定制参数确认);
 * - **orange** — time in status reached 80 % (`SLA_WARNING_SHARE`) of `slaMinutes`, or an
 *   orange or yellow alert timer is due (e.g. > 24 h from 工厂排产启动 to 板材出库);
 * - **green** — the customer signed at least 24 h (`EARLY_SIGNATURE_MINUTES`) before the
 *   promised time (`promisedAt`), the seeds' "early delivery" colour;
 * - **null** — nothing to flag (on time, no SLA, or an unknown status).
 * Timer guards are not evaluated here: the colour reflects elapsed time only.
 */
export function slaLevel(flow: WorkflowDefinition, order: Order, now: Date): SlaColour | null {
  const index = flowIndex(flow);
  const state = index.states.get(order.status);
  if (!state) return null;
  let level: SlaColour | null = null;

  if (!state.terminal) {
    const held = now.getTime() - Date.parse(order.statusSince);
    if (state.slaMinutes !== undefined) {
      const limit = state.slaMinutes * 60_000;
      if (held >= limit) return "red";
      if (held >= limit * SLA_WARNING_SHARE) level = "orange";
    }
    for (const timer of index.timersByState.get(order.status) ?? []) {
      if (timer.action.kind !== "alert" || timer.action.level === "green") continue;
      const due = timerDueAt(timer, order);
      if (!due || due.getTime() > now.getTime()) continue;
      if (timer.action.level === "red") return "red";
      level = "orange";
    }
  }
  if (level) return level;
  return signedEarly(order) ? "green" : null;
}

/** Whether the customer signed at least `EARLY_SIGNATURE_MINUTES` before `promisedAt`. */
export function signedEarly(order: Order): boolean {
  const signed = readFact(order, "signedAt");
  if (typeof signed !== "string" || !order.promisedAt) return false;
  return Date.parse(order.promisedAt) - Date.parse(signed) >= EARLY_SIGNATURE_MINUTES * 60_000;
}

/**
 * One way an order can be overdue: in status `state`, with the clock of `anchor` (never before
 * the order entered the status; an absent fact counts from the status start) started at or
 * before `before`.
 */
export interface OverdueCondition {
  state: string;
  anchor: TimerAnchor;
  before: string;
}

/**
 * The conditions under which `slaLevel` is red or orange at `now`, as data a store can turn
 * into one indexed query ("overdue only" views): a state's SLA at 80 % (`SLA_WARNING_SHARE`)
 * and every red, orange or yellow alert timer come due. Terminal states have none.
 */
export function overdueConditions(flow: WorkflowDefinition, now: Date): OverdueCondition[] {
  const out: OverdueCondition[] = [];
  const at = (minutes: number) => new Date(now.getTime() - minutes * 60_000).toISOString();
  for (const state of flow.states) {
    if (state.terminal) continue;
    if (state.slaMinutes !== undefined) out.push({ state: state.code, anchor: "statusSince", before: at(state.slaMinutes * SLA_WARNING_SHARE) });
  }
  for (const timer of flow.timers) {
    if (timer.action.kind !== "alert" || timer.action.level === "green") continue;
    const state = flow.states.find((s) => s.code === timer.state);
    if (!state || state.terminal) continue;
    out.push({ state: timer.state, anchor: timer.anchor, before: at(timer.afterMinutes) });
  }
  return out;
}
