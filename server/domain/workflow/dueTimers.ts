import { bilingual, englishOf, type BilingualMessage, type TimerAnchor, type WorkflowDefinition, type WorkflowTimer } from "../../contracts/workflow.js";
import type { Order } from "../order.js";
import type { Alert, Effect } from "./decision.js";
import { flowIndex, stateName } from "./flowIndex.js";
import { guardContext, type Related } from "./guardContext.js";
import { evaluateGuard } from "./guards.js";
import { readFact } from "./orderFacts.js";

/** Something a timer asks for; `key` is unique per (timer, level, clock start) — store it once fired. */
export type TimerAction = { key: string; timerId: string; state: string; dueAt: string } & (
  | { kind: "alert"; alert: Alert }
  | { kind: "task"; effect: Extract<Effect, { kind: "task" }> }
  | { kind: "transition"; to: string }
);

const ANCHOR_WORDS: Record<TimerAnchor, string> = {
  statusSince: "in this status",
  lastTrackAt: "without a tracking update",
  paidAt: "since payment",
  outboundAt: "since outbound",
  collectedAt: "since collection",
  placedAt: "since the order was placed",
};

const ANCHOR_WORDS_ZH: Record<TimerAnchor, string> = {
  statusSince: "停留在此状态",
  lastTrackAt: "没有物流更新",
  paidAt: "自支付起",
  outboundAt: "自出库起",
  collectedAt: "自揽收起",
  placedAt: "自下单起",
};

let lastIso = "";
let lastMs = Number.NaN;

/** `Date.parse` remembering the last string: timers re-read the same `statusSince` many times in a row. */
function parseIso(iso: string): number {
  if (iso !== lastIso) {
    lastIso = iso;
    lastMs = Date.parse(iso);
  }
  return lastMs;
}

function anchorTime(order: Order, anchor: TimerAnchor, since = parseIso(order.statusSince)): number {
  if (anchor === "statusSince") return since;
  let fact: string | null = null;
  if (anchor === "lastTrackAt" || anchor === "collectedAt") fact = readFact(order, anchor) as string | null;
  else fact = order[anchor];
  const at = fact ? Date.parse(fact) : Number.NaN;
  return Number.isNaN(at) ? since : Math.max(since, at);
}

/**
 * When `timer` comes due for `order`, or null if it does not apply (other status). The
 * clock starts at the timer's anchor, but never before the order entered the status; an
 * absent anchor fact falls back to the status start.
 */
export function timerDueAt(timer: WorkflowTimer, order: Order): Date | null {
  if (timer.state !== order.status) return null;
  const start = anchorTime(order, timer.anchor);
  return Number.isNaN(start) ? null : new Date(start + timer.afterMinutes * 60_000);
}

function keyAt(timer: WorkflowTimer, start: number): string {
  const what = timer.action.kind === "alert" ? timer.action.level : timer.action.kind;
  return `${timer.id}|${what}|${start}`;
}

/**
 * The key under which a timer firing is remembered, so it acts once per (order, timer,
 * level, clock start): `timerId|level-or-kind|clock start in epoch ms`.
 */
export function timerKey(timer: WorkflowTimer, order: Order): string {
  return keyAt(timer, anchorTime(order, timer.anchor));
}

/**
 * Whether the condition behind a timer alert still holds: the order is still in the
 * timer's status and the timer's clock still starts where it did when the alert was raised
 * (`key` as `timerKey` built it). False once the order left the status or the stall ended
 * (a tracking update moved the clock), and for a timer the order's workflow no longer has.
 */
export function timerConditionHolds(flow: WorkflowDefinition, order: Order, key: string): boolean {
  const cut = key.lastIndexOf("|");
  const cut2 = cut > 0 ? key.lastIndexOf("|", cut - 1) : -1;
  if (cut2 < 0) return false;
  const timerId = key.slice(0, cut2);
  const start = Number(key.slice(cut + 1));
  const timer = flow.timers.find((t) => t.id === timerId);
  if (!timer || timer.state !== order.status) return false;
  return anchorTime(order, timer.anchor) === start;
}

function formatMinutes(m: number): string {
  if (m % 1440 === 0) return `${m / 1440} d`;
  if (m % 60 === 0) return `${m / 60} h`;
  return `${m} min`;
}

function formatMinutesZh(m: number): string {
  if (m % 1440 === 0) return `${m / 1440} 天`;
  if (m % 60 === 0) return `${m / 60} 小时`;
  return `${m} 分钟`;
}

/** The default alert text of a timer, in both languages. */
export function timerMessages(flow: WorkflowDefinition, timer: WorkflowTimer): BilingualMessage {
  const state = flowIndex(flow).states.get(timer.state);
  return {
    "zh-CN": `${state?.labels["zh-CN"] ?? timer.state}：${ANCHOR_WORDS_ZH[timer.anchor]}超过 ${formatMinutesZh(timer.afterMinutes)}`,
    en: `${stateName(flow, timer.state)}: more than ${formatMinutes(timer.afterMinutes)} ${ANCHOR_WORDS[timer.anchor]}`,
  };
}

/** Moves sort after alerts and tasks due at the same time. */
function rank(t: TimerAction): number {
  return t.kind === "transition" ? 1 : 0;
}

/** Options for timer checks: the caller's cross-order counts and the workspace time zone. */
export interface TimerOptions {
  related?: Related;
  tz?: string;
}

/**
 * The timer actions due for `order` at `now` that are not in `alreadyFired` (keys from
 * `TimerAction.key`) and whose guard holds, earliest first. Alerts and tasks come before a
 * move due at the same time. A due move is carried out by sending a `timer.fired` event
 * (with `sourceEventId` = the key) through `decide`.
 */
export function dueTimers(
  flow: WorkflowDefinition,
  order: Order,
  now: Date,
  alreadyFired: ReadonlySet<string>,
  opts: TimerOptions = {},
): TimerAction[] {
  const timers = flowIndex(flow).timersByState.get(order.status);
  if (!timers) return [];
  const due: TimerAction[] = [];
  const nowMs = now.getTime();
  const since = parseIso(order.statusSince);
  for (const timer of timers) {
    const start = anchorTime(order, timer.anchor, since);
    const dueMs = start + timer.afterMinutes * 60_000;
    if (Number.isNaN(start) || dueMs > nowMs) continue;
    const key = keyAt(timer, start);
    if (alreadyFired.has(key)) continue;
    const at = new Date(dueMs);
    if (timer.guard) {
      const event = { type: "timer.fired", source: "timer:sla", data: { timerId: timer.id } };
      if (!evaluateGuard(timer.guard, guardContext({ order, event, now, related: opts.related, tz: opts.tz })).ok) continue;
    }
    const base = { key, timerId: timer.id, state: timer.state, dueAt: at.toISOString() };
    const a = timer.action;
    if (a.kind === "alert") {
      const messages = a.message ? bilingual(a.message) : timerMessages(flow, timer);
      const alert: Alert = { source: "timer", sourceId: timer.id, level: a.level, message: a.message ? englishOf(a.message) : messages.en, messages };
      if (a.notify) alert.notify = a.notify;
      if (a.via) alert.via = a.via;
      due.push({ ...base, kind: "alert", alert });
    } else if (a.kind === "task") {
      due.push({ ...base, kind: "task", effect: { kind: "task", sourceId: timer.id, assignee: a.assignee, message: englishOf(a.message), messages: bilingual(a.message) } });
    } else {
      due.push({ ...base, kind: "transition", to: a.to });
    }
  }
  return due.sort((x, y) => x.dueAt.localeCompare(y.dueAt) || rank(x) - rank(y));
}

/** The earliest time a timer of the order's status not yet in `alreadyFired` comes due (guards not checked), or null. */
export function nextTimerDueAt(flow: WorkflowDefinition, order: Order, alreadyFired: ReadonlySet<string>): Date | null {
  const timers = flowIndex(flow).timersByState.get(order.status);
  if (!timers) return null;
  let best = Number.POSITIVE_INFINITY;
  const since = parseIso(order.statusSince);
  const starts: Partial<Record<TimerAnchor, number>> = {};
  for (const timer of timers) {
    const start = (starts[timer.anchor] ??= anchorTime(order, timer.anchor, since));
    const dueMs = start + timer.afterMinutes * 60_000;
    if (dueMs < best && !alreadyFired.has(keyAt(timer, start))) best = dueMs;
  }
  return Number.isFinite(best) ? new Date(best) : null;
}
