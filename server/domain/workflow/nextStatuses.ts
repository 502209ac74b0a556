import { isReadOnlyRole, type Role } from "../../contracts/roles.js";
import type { WorkflowDefinition, WorkflowTransition } from "../../contracts/workflow.js";
import type { Order } from "../order.js";
import { transitionsFrom } from "./flowIndex.js";
import { guardContext, type Related } from "./guardContext.js";
import { evaluateGuard } from "./guards.js";

/**
 * Whether `role` may take `transition` with a manual command. The transition's `roles`
 * decide, whatever its trigger (an empty list means machines only). `admin` may take any
 * transition leaving the current state, so it can repair an order a connector left
 * behind; read-only roles (auditor, marketing) may take none. Guards apply to everyone.
 */
export function mayTakeByHand(transition: WorkflowTransition, role: Role): boolean {
  if (isReadOnlyRole(role)) return false;
  return role === "admin" || transition.roles.includes(role);
}

/** Statuses reachable from `state` by someone holding `role`, in definition order, without repeats (guards not checked). */
export function nextStatuses(flow: WorkflowDefinition, state: string, role: Role): string[] {
  const out: string[] = [];
  for (const t of transitionsFrom(flow, state)) {
    if (t.to !== state && mayTakeByHand(t, role) && !out.includes(t.to)) out.push(t.to);
  }
  return out;
}

/**
 * For every status of `flow`, the statuses `role` may move an order to by hand (`nextStatuses`;
 * guards not checked): what a row's dependent status dropdown offers. Terminal statuses map to [].
 */
export function movesByStatus(flow: WorkflowDefinition, role: Role): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const s of flow.states) out[s.code] = s.terminal ? [] : nextStatuses(flow, s.code, role);
  return out;
}

/**
 * The statuses `role` may move `order` to right now: like `nextStatuses`, but only through
 * transitions whose guard holds on the order at `now` (evaluated as for a manual command).
 */
export function allowedStatuses(
  flow: WorkflowDefinition,
  order: Order,
  role: Role,
  now: Date,
  related: Related = {},
  tz?: string,
): string[] {
  const out: string[] = [];
  let activation: ReturnType<typeof guardContext> | undefined;
  for (const t of transitionsFrom(flow, order.status)) {
    if (t.to === order.status || !mayTakeByHand(t, role) || out.includes(t.to)) continue;
    if (t.guard) {
      activation ??= guardContext({
        order,
        event: { type: "manual.command", source: "sheet:check", data: { baseVersion: order.version } },
        now,
        related,
        tz,
      });
      if (!evaluateGuard(t.guard, activation).ok) continue;
    }
    out.push(t.to);
  }
  return out;
}
