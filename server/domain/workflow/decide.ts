import { isReadOnlyRole } from "../../contracts/roles.js";
import { REQUEST_EVENT_TYPES, type EventInput, type EventOf } from "../../contracts/events.js";
import type { WorkflowDefinition, WorkflowTransition } from "../../contracts/workflow.js";
import type { Order } from "../order.js";
import type { Actor, Decision, FieldChange, Signals, Step } from "./decision.js";
import { timerDueAt } from "./dueTimers.js";
import { evaluateRules } from "./evaluateRules.js";
import { applyPatch, factPatch } from "./factPatch.js";
import { flowIndex, stateName, transitionsFrom, transitionsOn } from "./flowIndex.js";
import { eventForGuard, guardContext, type GuardEvent, type Related } from "./guardContext.js";
import { evaluateGuard } from "./guards.js";
import { isoAt } from "./isoAt.js";
import { allowedStatuses, mayTakeByHand } from "./nextStatuses.js";
import { contradictionAlert, factContradictions } from "./factContradictions.js";
import { disagreementAlert, statusDisagreement } from "./statusDisagreement.js";

/** At most this many "auto" transitions are chained after a move. */
export const MAX_AUTO_CHAIN = 5;

/** Options of `decide`. */
export interface DecideOptions {
  /** Workspace time zone for guards (default Asia/Shanghai). */
  tz?: string;
}

interface Ctx {
  flow: WorkflowDefinition;
  event: GuardEvent;
  actor: Actor;
  now: Date;
  related: Related;
  tz?: string;
}

interface Failure {
  transition: WorkflowTransition;
  error?: string;
}

/** The first transition whose guard holds on `order`, or the failures of all. */
function firstPassing(candidates: readonly WorkflowTransition[], order: Order, ctx: Ctx): WorkflowTransition | Failure[] {
  if (candidates.length === 0) return [];
  const activation = guardContext({ order, event: ctx.event, now: ctx.now, related: ctx.related, tz: ctx.tz });
  const failures: Failure[] = [];
  for (const t of candidates) {
    const r = evaluateGuard(t.guard, activation);
    if (r.ok) return t;
    failures.push({ transition: t, error: r.error });
  }
  return failures;
}

function describeFailures(failures: Failure[]): string {
  return failures
    .map((f) => `transition ${f.transition.id} needs \`${f.transition.guard}\`${f.error ? ` (${f.error})` : ""}`)
    .join("; ");
}

function signals(ctx: Ctx, order: Order): Signals {
  return evaluateRules(ctx.flow, order, ctx.event, ctx.now, ctx.related, ctx.tz);
}

function refused(ctx: Ctx, order: Order, reason: string): Decision {
  const allowed = allowedStatuses(ctx.flow, order, ctx.actor.role, ctx.now, ctx.related, ctx.tz);
  return { kind: "refused", reason, allowed, ...signals(ctx, order) };
}

/**
 * Takes `first` from `order` (facts already applied), then follows "auto" transitions from
 * each new status while one holds, up to `MAX_AUTO_CHAIN`, never re-entering a status this
 * decision already passed through.
 */
function move(ctx: Ctx, original: Order, facts: { patch: Partial<Order>; changes: FieldChange[] }, first: Step): Decision {
  const nowIso = isoAt(ctx.now.getTime());
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

function noop(reason: string): Decision {
  return { kind: "noop", reason, alerts: [], effects: [] };
}

function decideManual(ctx: Ctx, order: Order, event: EventOf<"manual.command">): Decision {
  const { flow, actor } = ctx;
  const from = stateName(flow, order.status);
  if (isReadOnlyRole(actor.role)) return refused(ctx, order, `${actor.role} has read-only access and cannot change an order's status`);
  if (event.data.baseVersion !== order.version) {
    return {
      kind: "conflict",
      reason: `the order changed since version ${event.data.baseVersion} you edited: it is now version ${order.version} in status ${from}`,
      currentVersion: order.version,
      currentStatus: order.status,
      ...signals(ctx, order),
    };
  }
  const to = event.data.to;
  if (!flowIndex(flow).states.has(to)) return refused(ctx, order, `"${to}" is not a status of workflow ${flow.name}`);
  if (to === order.status) return noop(`the order is already in status ${from}`);

  const toTarget = transitionsFrom(flow, order.status).filter((t) => t.to === to);
  if (toTarget.length === 0) return refused(ctx, order, `no transition leads from ${from} to ${stateName(flow, to)}`);
  const permitted = toTarget.filter((t) => mayTakeByHand(t, actor.role));
  if (permitted.length === 0) {
    const roles = [...new Set(toTarget.flatMap((t) => t.roles))];
    const who = roles.length ? `only ${roles.join(", ")} may` : "only the system may";
    return refused(ctx, order, `role ${actor.role} may not move orders from ${from} to ${stateName(flow, to)}: ${who}`);
  }
  const chosen = firstPassing(permitted, order, ctx);
  if (Array.isArray(chosen)) {
    return refused(ctx, order, `moving from ${from} to ${stateName(flow, to)} is not allowed now: ${describeFailures(chosen)}`);
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

function decideFact(ctx: Ctx, order: Order, event: EventInput): Decision {
  const { flow } = ctx;
  const facts = factPatch(order, event, ctx.now);
  const next = facts.changes.length > 0 ? applyPatch(order, facts.patch) : order;
  let chosen = firstPassing(transitionsOn(flow, order.status, event.type), next, ctx);
  if (Array.isArray(chosen) && facts.changes.length > 0) {
    const auto = firstPassing(transitionsOn(flow, order.status, "auto"), next, ctx);
    if (!Array.isArray(auto)) chosen = auto;
  }
  // Facts that contradict the order (signed but never paid, times going backwards …) are
  // still recorded, and raise an alert saying so.
  const contradictions = facts.changes.length > 0 ? factContradictions(order, next, event).map((c) => contradictionAlert(c, event.source)) : [];
  const contradicted = (d: Decision): Decision => (contradictions.length ? { ...d, alerts: [...d.alerts, ...contradictions] } : d);
  if (!Array.isArray(chosen)) return contradicted(move(ctx, order, facts, { transitionId: chosen.id, from: order.status, to: chosen.to }));

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
    return withAlert({ ...refused(rctx, order, `${event.type} is not accepted in status ${from}${why}`), ...extra } as Decision);
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
  const ctx: Ctx = { flow, event: eventForGuard(event), actor, now, related, tz: opts.tz };
  if (!flowIndex(flow).states.has(order.status)) {
    return refused(ctx, order, `the order's status "${order.status}" is not a status of workflow ${flow.name}; map it first`);
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
