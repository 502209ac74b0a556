import type { Role } from "../../../contracts/roles.js";
import type {
  BilingualMessage,
  StateCategory,
  Trigger,
  WorkflowRule,
  WorkflowState,
  WorkflowTimer,
  WorkflowTransition,
} from "../../../contracts/workflow.js";

/** Shorthand builders that keep the shipped templates readable. */

/** A state; `terminal` defaults to false. */
export function state(
  code: string,
  zh: string,
  en: string,
  category: StateCategory,
  opts: { slaMinutes?: number; terminal?: boolean } = {},
): WorkflowState {
  const s: WorkflowState = { code, labels: { "zh-CN": zh, en }, category, terminal: opts.terminal ?? false };
  if (opts.slaMinutes !== undefined) s.slaMinutes = opts.slaMinutes;
  return s;
}

/** A transition; `roles` defaults to none (machines only). */
export function transition(
  id: string,
  from: string,
  to: string,
  trigger: Trigger,
  opts: { guard?: string; roles?: Role[]; unmet?: BilingualMessage } = {},
): WorkflowTransition {
  const t: WorkflowTransition = { id, from, to, trigger, roles: opts.roles ?? [] };
  if (opts.guard !== undefined) t.guard = opts.guard;
  if (opts.unmet !== undefined) t.unmet = opts.unmet;
  return t;
}

/** A timer; the clock starts when the order entered the state unless `anchor` says otherwise. */
export function timer(
  id: string,
  stateCode: string,
  afterMinutes: number,
  action: WorkflowTimer["action"],
  opts: { anchor?: WorkflowTimer["anchor"]; guard?: string } = {},
): WorkflowTimer {
  const t: WorkflowTimer = { id, state: stateCode, afterMinutes, anchor: opts.anchor ?? "statusSince", action };
  if (opts.guard !== undefined) t.guard = opts.guard;
  return t;
}

/** An event-driven rule. */
export function rule(id: string, on: WorkflowRule["on"], guard: string | undefined, action: WorkflowRule["action"]): WorkflowRule {
  return guard === undefined ? { id, on, action } : { id, on, guard, action };
}

/** Guard: the finance receivable differs from the channel amount by more than 0.5 % (exact integer maths). */
export const RECEIVABLE_DIFFERS =
  "has(order.receivableAmount) && abs(order.receivableAmount - order.totalAmount) * 1000 > order.totalAmount * 5";

/** Guard: the customer signed at least 24 h before the promised time. */
export const SIGNED_EARLY = "has(order.promisedAt) && has(order.signedAt) && order.promisedAt - order.signedAt >= hours(24)";

/** Guard: a refund went through without the ERP confirming the stock was put back. */
export const STOCK_NOT_RESTORED = "!(has(event.data.stockRestored) && event.data.stockRestored)";

/** A message in both languages. */
export function say(zh: string, en: string): BilingualMessage {
  return { "zh-CN": zh, en };
}

/** Why a move guarded by "not yet outbound" is refused. */
export const ALREADY_OUTBOUND = say("已出库", "already outbound");

/** Why a move guarded by "paid" is refused. */
export const NOT_PAID = say("还没有付款", "not paid yet");
