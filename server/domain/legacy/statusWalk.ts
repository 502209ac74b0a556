/**
 * How an imported order reaches the status its sheet row says. Imports create orders in
 * the workflow's initial status (the one import path, with its audit trail and feed); the
 * status is then reached *through the engine*, one step at a time, so every guard, timer
 * and audit entry applies as if the order had lived through it: the facts the sheet states
 * (paid, a waybill, shipped, signed, refunded …) are posted as the events that report them,
 * and steps only a person takes are posted as manual commands of the importing user. Guards
 * are not predicted: a step the engine refuses is avoided and the next shortest way tried.
 */
import type { Role } from "../../contracts/roles.js";
import type { WorkflowDefinition, WorkflowTransition } from "../../contracts/workflow.js";
import { transitionsFrom } from "../workflow/flowIndex.js";
import { mayTakeByHand } from "../workflow/nextStatuses.js";

/** What the sheet says about the order, for the events' data. */
export interface WalkFacts {
  carrier: string | null;
  waybillNo: string | null;
  /** When the row says the order was placed (ISO), used as the payment time. */
  placedAt: string | null;
  /** Why (for cancellations and carrier problems): the status as typed. */
  statusText: string;
}

/** One step to post: an event (type and data) or a manual command to `to`. */
export interface WalkStep {
  transition: string;
  to: string;
  type: string;
  data: Record<string, unknown>;
}

/** The event data that reports the fact a transition's trigger stands for, or null when the sheet does not state it. */
function eventFor(t: WorkflowTransition, facts: WalkFacts, now: Date): Record<string, unknown> | null {
  const at = now.toISOString();
  switch (t.trigger) {
    case "payment.confirmed":
      return facts.placedAt ? { paidAt: facts.placedAt } : {};
    case "wms.printed":
      return {};
    case "wms.outbound":
      return { outboundAt: at };
    case "waybill.assigned":
      return facts.carrier && facts.waybillNo ? { carrier: facts.carrier.slice(0, 500), waybillNo: facts.waybillNo.slice(0, 500) } : null;
    case "carrier.collected":
    case "carrier.signed":
    case "refund.requested":
    case "refund.succeeded":
    case "carrier.update":
      return {};
    case "carrier.problem":
      return { reason: `legacy sheet: ${facts.statusText}`.slice(0, 500) };
    case "order.cancelled":
      return { reason: `legacy sheet: ${facts.statusText}`.slice(0, 500) };
    case "milestone":
      return { code: t.to };
    default:
      return null;
  }
}

/** State categories a walk never passes through on its way elsewhere. */
const DETOURS = new Set(["after_sale", "exception", "finance", "closed"]);

/** How a refused step is remembered: its transition from one status. */
export function avoidKey(from: string, transition: string): string {
  return `${from}\u0000${transition}`;
}

/**
 * True when `current` is where `target` moves on to by automatic transitions alone (a
 * sheet's 已付 is the standard workflow's `paid`, which routes itself to a review status
 * at once): the order did reach the sheet's status.
 */
export function passedThrough(flow: WorkflowDefinition, target: string, current: string): boolean {
  const seen = new Set([target]);
  const queue = [target];
  while (queue.length) {
    const s = queue.shift()!;
    for (const t of transitionsFrom(flow, s)) {
      if (t.trigger !== "auto" || seen.has(t.to)) continue;
      if (t.to === current) return true;
      seen.add(t.to);
      queue.push(t.to);
    }
  }
  return false;
}

/**
 * The next step on a shortest way from `from` to `target` (automatic transitions are free
 * and never posted), avoiding the transitions in `avoid` (as `avoidKey(from, id)`: a
 * wildcard transition refused in one status may pass in another); null when there is none.
 */
export function nextStepToward(flow: WorkflowDefinition, from: string, target: string, facts: WalkFacts, role: Role, avoid: ReadonlySet<string>, now: Date): WalkStep | null {
  if (from === target) return null;
  const category = new Map(flow.states.map((s) => [s.code, s.category as string]));
  const prev = new Map<string, { state: string; step: WalkStep | null }>();
  prev.set(from, { state: "", step: null });
  const queue = [from];
  while (queue.length) {
    const state = queue.shift()!;
    for (const t of transitionsFrom(flow, state)) {
      if (avoid.has(avoidKey(state, t.id)) || prev.has(t.to)) continue;
      // Only the main line is passed through: a refund, an exception or a finance hold the
      // sheet does not state would be a fact made up (in_transit by way of a declined refund).
      if (t.to !== target && DETOURS.has(category.get(t.to) ?? "")) continue;
      let step: WalkStep | null = null;
      // The engine runs automatic transitions right after every event: one that could leave
      // the current status already would have, so only later ones count as free.
      if (t.trigger === "auto") {
        if (state === from) continue;
        step = null;
      }
      else if (t.trigger === "manual") {
        if (!mayTakeByHand(t, role)) continue;
        step = { transition: t.id, to: t.to, type: "manual.command", data: { to: t.to } };
      } else {
        const data = eventFor(t, facts, now);
        if (!data) continue;
        step = { transition: t.id, to: t.to, type: t.trigger, data };
      }
      prev.set(t.to, { state, step });
      if (t.to === target) {
        // Walk back to the first posted step.
        let s = target;
        let first: WalkStep | null = null;
        while (s !== from) {
          const p = prev.get(s)!;
          if (p.step) first = p.step;
          s = p.state;
        }
        return first;
      }
      queue.push(t.to);
    }
  }
  return null;
}
