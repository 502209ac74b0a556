import { isReadOnlyRole } from "../../contracts/roles.js";
import { REQUEST_EVENT_TYPES, type EventInput, type EventOf } from "../../contracts/events.js";
import type { WorkflowDefinition, WorkflowTransition } from "../../contracts/workflow.js";
import type { RefusalParams } from "../../contracts/refusals.js";
import { ROLE_LABELS } from "../../contracts/access.js";
import type { Role } from "../../contracts/roles.js";
import type { Order } from "../order.js";
import type { Actor, Alert, Decision, Effect, FieldChange, Signals, Step } from "./decision.js";
import { timerDueAt } from "./dueTimers.js";
import { evaluateRules } from "./evaluateRules.js";
import { applyPatch, factPatch, factTime } from "./factPatch.js";
import { flowIndex, stateName, transitionsFrom, transitionsOn, usesTrigger } from "./flowIndex.js";
import { eventForGuard, guardContext, type GuardEvent, type Related } from "./guardContext.js";
import { evaluateGuard } from "./guards.js";
import { isoAt } from "./isoAt.js";
import { allowedStatuses, mayTakeByHand } from "./nextStatuses.js";
import { contradictionAlert, factContradictions } from "./factContradictions.js";
import { arbitrate, disputeMessage, precedenceFactOf, type FactDispute, type PrecedenceInput } from "./sourcePrecedence.js";
import { disagreementAlert, statusDisagreement } from "./statusDisagreement.js";

/** At most this many "auto" transitions are chained after a move. */
export const MAX_AUTO_CHAIN = 5;

/** Options of `decide`. */
export interface DecideOptions {
  /** Workspace time zone for guards (default Asia/Shanghai). */
  tz?: string;
  /** Source precedence per fact (absent: the arriving value overwrites, as without arbitration). */
  precedence?: PrecedenceInput;
}

interface Ctx {
  flow: WorkflowDefinition;
  event: GuardEvent;
  actor: Actor;
  now: Date;
  related: Related;
  tz?: string;
  precedence?: PrecedenceInput;
}

interface Failure {
  transition: WorkflowTransition;
  error?: string;
  unmet?: { "zh-CN": string; en: string };
}

/** The first transition whose guard holds on `order`, or the failures of all. */
function firstPassing(candidates: readonly WorkflowTransition[], order: Order, ctx: Ctx): WorkflowTransition | Failure[] {
  if (candidates.length === 0) return [];
  const activation = guardContext({ order, event: ctx.event, now: ctx.now, related: ctx.related, tz: ctx.tz });
  const failures: Failure[] = [];
  for (const t of candidates) {
    const r = evaluateGuard(t.guard, activation);
    if (r.ok) return t;
    failures.push({ transition: t, error: r.error, ...(t.unmet ? { unmet: t.unmet } : {}) });
  }
  return failures;
}

function describeFailures(failures: Failure[]): string {
  return failures
    .map((f) => `transition ${f.transition.id} needs \`${f.transition.guard}\`${f.unmet ? ` (${f.unmet.en})` : ""}${f.error ? ` (${f.error})` : ""}`)
    .join("; ");
}

/** What a failed guard is missing, in words: the transition's `unmet` text, else the guard itself. */
export function unmetWords(transition: WorkflowTransition, error?: string): { "zh-CN": string; en: string } {
  if (transition.unmet) return transition.unmet;
  const why = error ? ` (${error})` : "";
  return { "zh-CN": `条件不满足：${transition.guard}${why}`, en: `condition not met: ${transition.guard}${why}` };
}

/** The reasons of guard failures in words, each once. */
function failureWords(failures: Failure[]): { "zh-CN": string; en: string }[] {
  const out: { "zh-CN": string; en: string }[] = [];
  for (const f of failures) {
    const w = unmetWords(f.transition, f.error);
    if (!out.some((o) => o.en === w.en && o["zh-CN"] === w["zh-CN"])) out.push(w);
  }
  return out;
}

/** A state's name in both languages (its code when the workflow does not have it). */
export function stateWords(flow: WorkflowDefinition, code: string): { "zh-CN": string; en: string } {
  const s = flowIndex(flow).states.get(code);
  return s ? { "zh-CN": s.labels["zh-CN"], en: s.labels.en } : { "zh-CN": code, en: code };
}

/** A role's name in both languages. */
export function roleWords(role: Role): { "zh-CN": string; en: string } {
  return ROLE_LABELS[role] ?? { "zh-CN": role, en: role };
}

function signals(ctx: Ctx, order: Order): Signals {
  return evaluateRules(ctx.flow, order, ctx.event, ctx.now, ctx.related, ctx.tz);
}

function refused(ctx: Ctx, order: Order, reason: string, code: string, params: RefusalParams): Decision {
  const allowed = allowedStatuses(ctx.flow, order, ctx.actor.role, ctx.now, ctx.related, ctx.tz);
  return { kind: "refused", reason, code, params, allowed, ...signals(ctx, order) };
}

/**
 * Takes `first` from `order` (facts already applied), then follows "auto" transitions from
 * each new status while one holds, up to `MAX_AUTO_CHAIN`, never re-entering a status this
 * decision already passed through.
 */
function move(ctx: Ctx, original: Order, facts: { patch: Partial<Order>; changes: FieldChange[] }, first: Step, factAt?: string): Decision {
  const nowIso = statusClock(ctx.now, original.statusSince, factAt);
  const steps: Step[] = [first];
  const visited = new Set([original.status, first.to]);
  // A fresh object owned by this function: chained steps update its status in place.
  const current = applyPatch(original, facts.patch);
  current.status = first.to;
  current.statusSince = nowIso;
  for (let i = 0; i < MAX_AUTO_CHAIN; i++) {
    const autos = transitionsOn(ctx.flow, current.status, "auto");
    const next = firstPassing(autos.some((t) => visited.has(t.to)) ? autos.filter((t) => !visited.has(t.to)) : autos, current, ctx);
    if (Array.isArray(next)) break;
    steps.push({ transitionId: next.id, from: current.status, to: next.to });
    visited.add(next.to);
    current.status = next.to;
  }
  const patch: Partial<Order> = { ...facts.patch, status: current.status, statusSince: nowIso };
  const changes: FieldChange[] = [
    ...facts.changes,
    { field: "status", old: original.status, new: current.status },
    { field: "statusSince", old: original.statusSince, new: nowIso },
  ];
  return {
    kind: "transition",
    from: original.status,
    to: current.status,
    transitionId: first.transitionId,
    steps,
    patch,
    changes,
    ...signals(ctx, current),
  };
}

const NO_FACTS = { patch: {}, changes: [] as FieldChange[] };

/**
 * Where the new status's clock starts: when the fact behind the move happened (`factAt`, the
 * platform's time), kept between the previous status start and `now`; without a fact, `now`.
 */
export function statusClock(now: Date, previousSince: string, factAt?: string): string {
  const nowMs = now.getTime();
  if (!factAt) return isoAt(nowMs);
  const at = Date.parse(factAt);
  if (!Number.isFinite(at) || at >= nowMs) return isoAt(nowMs);
  const prev = Date.parse(previousSince);
  return isoAt(Number.isFinite(prev) && at < prev ? prev : at);
}

function noop(reason: string): Decision {
  return { kind: "noop", reason, alerts: [], effects: [] };
}

function decideManual(ctx: Ctx, order: Order, event: EventOf<"manual.command">): Decision {
  const { flow, actor } = ctx;
  const from = stateName(flow, order.status);
  const fromTo = (to: string) => ({ from: stateWords(flow, order.status), to: stateWords(flow, to), fromCode: order.status, toCode: to, role: roleWords(actor.role), roleCode: actor.role });
  if (isReadOnlyRole(actor.role)) {
    return refused(ctx, order, `${actor.role} has read-only access and cannot change an order's status`, "read_only_role", { role: roleWords(actor.role), roleCode: actor.role });
  }
  if (event.data.baseVersion !== order.version) {
    return {
      kind: "conflict",
      reason: `the order changed since version ${event.data.baseVersion} you edited: it is now version ${order.version} in status ${from}`,
      code: "stale_version",
      params: { baseVersion: event.data.baseVersion, currentVersion: order.version, status: stateWords(flow, order.status), statusCode: order.status },
      currentVersion: order.version,
      currentStatus: order.status,
      ...signals(ctx, order),
    };
  }
  const to = event.data.to;
  if (!flowIndex(flow).states.has(to)) return refused(ctx, order, `"${to}" is not a status of workflow ${flow.name}`, "unknown_status", { status: to, workflow: flow.name });
  if (to === order.status) return noop(`the order is already in status ${from}`);

  const toTarget = transitionsFrom(flow, order.status).filter((t) => t.to === to);
  if (toTarget.length === 0) return refused(ctx, order, `no transition leads from ${from} to ${stateName(flow, to)}`, "no_transition", fromTo(to));
  const permitted = toTarget.filter((t) => mayTakeByHand(t, actor.role));
  if (permitted.length === 0) {
    const roles = [...new Set(toTarget.flatMap((t) => t.roles))];
    const who = roles.length ? `only ${roles.join(", ")} may` : "only the system may";
    const reason = `role ${actor.role} may not move orders from ${from} to ${stateName(flow, to)}: ${who}`;
    if (roles.length === 0) return refused(ctx, order, reason, "system_only", fromTo(to));
    return refused(ctx, order, reason, "role_not_allowed", { ...fromTo(to), roles: roles.map(roleWords), roleCodes: roles });
  }
  const chosen = firstPassing(permitted, order, ctx);
  if (Array.isArray(chosen)) {
    return refused(ctx, order, `moving from ${from} to ${stateName(flow, to)} is not allowed now: ${describeFailures(chosen)}`, "guard_failed", {
      ...fromTo(to),
      reasons: failureWords(chosen),
      transitions: chosen.map((f) => f.transition.id),
    });
  }
  return move(ctx, order, NO_FACTS, { transitionId: chosen.id, from: order.status, to: chosen.to });
}

function decideTimer(ctx: Ctx, order: Order, event: EventOf<"timer.fired">): Decision {
  const { flow } = ctx;
  const timer = flowIndex(flow).timersById.get(event.data.timerId);
  if (!timer) return noop(`timer ${event.data.timerId} is not part of workflow ${flow.name}`);
  if (timer.action.kind !== "transition") return noop(`timer ${timer.id} raises alerts and does not move orders`);
  if (timer.state !== order.status) return noop(`timer ${timer.id} applies to status ${stateName(flow, timer.state)}, the order is in ${stateName(flow, order.status)}`);
  const due = timerDueAt(timer, order);
  if (!due || due.getTime() > ctx.now.getTime()) return noop(`timer ${timer.id} is not due until ${due?.toISOString()}`);
  const activation = guardContext({ order, event: ctx.event, now: ctx.now, related: ctx.related, tz: ctx.tz });
  if (!evaluateGuard(timer.guard, activation).ok) return noop(`timer ${timer.id} condition \`${timer.guard}\` does not hold`);
  return move(ctx, order, NO_FACTS, { transitionId: `timer:${timer.id}`, from: order.status, to: timer.action.to });
}

type Facts = { patch: Partial<Order>; changes: FieldChange[] };

/**
 * Arbitrates the facts `event` overwrites against the source that set them: the loser of
 * each disagreement is taken out of the patch (when the order keeps its value) and reported.
 */
function settle(order: Order, event: EventInput, facts: Facts, p: PrecedenceInput): { facts: Facts; disputes: FactDispute[] } {
  const disputes: FactDispute[] = [];
  let patch = facts.patch;
  const changes: FieldChange[] = [];
  const skipped = new Set<FieldChange>();
  for (const c of facts.changes) {
    const fact = precedenceFactOf(c.field);
    const holder = fact ? p.holders[fact] : undefined;
    if (!fact || !holder || typeof c.old !== "string" || typeof c.new !== "string") {
      changes.push(c);
      continue;
    }
    const d = arbitrate(p.policy, fact, { value: c.old, source: holder, cls: p.classOf(holder) }, { value: c.new, source: event.source, cls: p.classOf(event.source) });
    if (!d) {
      changes.push(c);
      continue;
    }
    disputes.push(d);
    if (d.winner === "incoming") {
      changes.push(c);
      continue;
    }
    // The order keeps its value: the arriving one is recorded as the loser, not written.
    patch = { ...patch };
    if (fact === "paidAt" || fact === "outboundAt") delete patch[fact];
    else patch.extra = { ...(patch.extra ?? order.extra), [fact]: c.old };
    // Tracking news the losing time stood for (`lastTrackAt`) is not taken either.
    const track = changes.findIndex((x) => x.field === "extra.lastTrackAt" && x.new === c.new);
    const pending = track === -1 ? facts.changes.find((x) => x.field === "extra.lastTrackAt" && x.new === c.new && !changes.includes(x)) : undefined;
    if (track !== -1) changes.splice(track, 1);
    if (track !== -1 || pending) {
      const extra = { ...(patch.extra ?? order.extra) };
      if (order.extra.lastTrackAt === undefined) delete extra.lastTrackAt;
      else extra.lastTrackAt = order.extra.lastTrackAt;
      patch = { ...patch, extra };
      if (pending) skipped.add(pending);
    }
  }
  return { facts: { patch, changes: changes.filter((c) => !skipped.has(c)) }, disputes };
}

const DISPUTE_ASSIGNEE = { paidAt: "finance", outboundAt: "warehouse", collectedAt: "warehouse", signedAt: "warehouse" } as const;

/** The alert and, for a frozen one, the task a dispute raises. */
function disputeSignals(disputes: FactDispute[]): Signals {
  const alerts: Alert[] = [];
  const effects: Effect[] = [];
  for (const d of disputes) {
    const messages = disputeMessage(d);
    // Until alerts store both forms, the one-line text carries both languages.
    const message = `${messages["zh-CN"]} / ${messages.en}`;
    alerts.push({
      source: "conflict",
      sourceId: `fact_dispute:${d.fact}`,
      level: d.frozen ? "red" : "yellow",
      message,
      messages,
      details: { fact: d.fact, kept: d.kept.value, keptSource: d.kept.source, lost: d.lost.value, lostSource: d.lost.source, diffMinutes: d.diffMinutes, frozen: d.frozen },
    });
    if (d.frozen) effects.push({ kind: "task", sourceId: `fact_dispute:${d.fact}`, assignee: DISPUTE_ASSIGNEE[d.fact], message, messages });
  }
  return { alerts, effects };
}

function decideFact(ctx: Ctx, order: Order, event: EventInput): Decision {
  const { flow } = ctx;
  let facts = factPatch(order, event, ctx.now);
  let disputes: FactDispute[] = [];
  if (ctx.precedence && facts.changes.length > 0) ({ facts, disputes } = settle(order, event, facts, ctx.precedence));
  if (disputes.length) {
    const next = applyPatch(order, facts.patch);
    const own = disputeSignals(disputes);
    if (disputes.some((d) => d.frozen)) {
      // Beyond the tolerance: the facts not in dispute are recorded, the order does not move.
      const s = signals(ctx, next);
      return { kind: "update", patch: facts.patch, changes: facts.changes, alerts: [...s.alerts, ...own.alerts], effects: [...s.effects, ...own.effects], disputes, hold: true };
    }
    const d = decideSettled(ctx, order, event, facts);
    if (d.kind === "transition" || d.kind === "update") return { ...d, alerts: [...d.alerts, ...own.alerts], disputes };
    // The order kept every value it had: nothing to write, but the loser is recorded.
    return { kind: "update", patch: {}, changes: [], alerts: own.alerts, effects: [], disputes };
  }
  return decideSettled(ctx, order, event, facts);
}

function decideSettled(ctx: Ctx, order: Order, event: EventInput, facts: Facts): Decision {
  const { flow } = ctx;
  const next = facts.changes.length > 0 ? applyPatch(order, facts.patch) : order;
  let chosen = firstPassing(transitionsOn(flow, order.status, event.type), next, ctx);
  if (Array.isArray(chosen) && facts.changes.length > 0) {
    const auto = firstPassing(transitionsOn(flow, order.status, "auto"), next, ctx);
    if (!Array.isArray(auto)) chosen = auto;
  }
  // Facts that contradict the order (signed but never paid, times going backwards …) are
  // still recorded, and raise an alert saying so.
  const contradictions = facts.changes.length > 0 ? factContradictions(order, next, event, { payment: usesTrigger(flow, "payment.confirmed"), outbound: usesTrigger(flow, "wms.outbound") }).map((c) => contradictionAlert(c, event.source)) : [];
  const contradicted = (d: Decision): Decision => (contradictions.length ? { ...d, alerts: [...d.alerts, ...contradictions] } : d);
  if (!Array.isArray(chosen)) return contradicted(move(ctx, order, facts, { transitionId: chosen.id, from: order.status, to: chosen.to }, factTime(event, ctx.now)));

  const request = REQUEST_EVENT_TYPES.includes(event.type);
  if (!request && facts.changes.length === 0) return noop(`the facts of ${event.type} are already known`);
  // The event stays without a move: when it is another system's status fact that our status
  // contradicts, it is a disagreement, and the rules see it counted among today's conflicts.
  const disagreement = statusDisagreement(flow, order, event);
  const rctx = disagreement ? { ...ctx, related: { ...ctx.related, channelConflictsToday: (ctx.related.channelConflictsToday ?? 0) + 1 } } : ctx;
  const extra = disagreement ? { disagreement } : {};
  const withAlert = (d: Decision): Decision => (disagreement ? { ...d, alerts: [...d.alerts, disagreementAlert(flow, disagreement)] } : d);
  if (request) {
    const from = stateName(flow, order.status);
    const why = chosen.length > 0 ? `: ${describeFailures(chosen)}` : "";
    const params: RefusalParams = {
      event: event.type,
      from: stateWords(flow, order.status),
      fromCode: order.status,
      reasons: chosen.length > 0 ? failureWords(chosen) : [{ "zh-CN": "没有可走的流转", en: "no transition takes it" }],
    };
    return withAlert({ ...refused(rctx, order, `${event.type} is not accepted in status ${from}${why}`, "request_not_accepted", params), ...extra } as Decision);
  }
  return contradicted(withAlert({ kind: "update", patch: facts.patch, changes: facts.changes, ...signals(rctx, next), ...extra }));
}

/**
 * Decides what `event` does to `order` under `flow` — pure: nothing is written.
 *
 * - Facts (payment, WMS, carrier, finance, milestones) are patched onto the order; then the
 *   first transition leaving the status with `trigger` = the event type whose guard holds on
 *   the patched order is taken, else the first "auto" transition that now holds. After a
 *   move, "auto" transitions are chained (see `move`). Facts with no move are an "update";
 *   facts already known are a "noop". Requests (`order.cancelled`, `refund.requested`) that
 *   no transition accepts are "refused" and their facts are not recorded. An "update" or
 *   "refused" answer to another system's status fact our status contradicts carries the
 *   `disagreement`, an alert saying so, and counts it in `related.channelConflictsToday`.
 * - `manual.command`: a stale `baseVersion` is a "conflict"; otherwise a transition from the
 *   current status to `to` that the actor's role may take by hand (`mayTakeByHand`) and
 *   whose guard holds, else "refused" with the reason and the statuses the role may choose
 *   now (`allowedStatuses`).
 * - `timer.fired`: the timer's automatic move, when the timer applies and is due.
 * Rules run on every decision except a "noop", against the order as the decision leaves it.
 * `related` carries cross-order counts (see `RELATED_NAMES`).
 */
export function decide(
  flow: WorkflowDefinition,
  order: Order,
  event: EventInput,
  actor: Actor,
  now: Date,
  related: Related = {},
  opts: DecideOptions = {},
): Decision {
  const ctx: Ctx = { flow, event: eventForGuard(event), actor, now, related, tz: opts.tz, precedence: opts.precedence };
  if (!flowIndex(flow).states.has(order.status)) {
    return refused(ctx, order, `the order's status "${order.status}" is not a status of workflow ${flow.name}; map it first`, "status_unmapped", { status: order.status, workflow: flow.name });
  }
  switch (event.type) {
    case "manual.command":
      return decideManual(ctx, order, event);
    case "timer.fired":
      return decideTimer(ctx, order, event);
    default:
      return decideFact(ctx, order, event);
  }
}
