import { Router } from "express";
import { api } from "../contracts/api.js";
import { replayHeld } from "./replayHeld.js";
import { isScoped } from "../domain/access/rowScope.js";
import type { Principal } from "../domain/access/principal.js";
import type { SensitiveLog } from "../domain/access/sensitiveOperation.js";
import { NotFoundError } from "../domain/errors.js";
import type { OrderStore } from "../domain/orders/ports.js";
import type { FactStore } from "../domain/workflow/factStore.js";
import type { EventStore } from "../domain/workflow/ports.js";
import { bindRoute } from "./bindRoute.js";
import { sensitiveOperation } from "./sensitiveOps.js";

/** What the fact routes need. */
export interface FactsRouterDeps {
  facts: FactStore;
  events: EventStore;
  orders: OrderStore;
  sensitiveLog: SensitiveLog;
  now: () => Date;
}

/** Source precedence per fact, the disputes it settled per order, and resolving a frozen order. */
export function factsRouter(deps: FactsRouterDeps): Router {
  const router = Router();
  // A caller with a row scope sees and resolves only the disputes of orders inside it.
  const visible = async (principal: Principal, id: string): Promise<void> => {
    if (!isScoped(principal.scope)) return;
    if (!(await deps.orders.getOrder(principal.workspaceId, id, principal.scope))) throw new NotFoundError(`no order ${id} in this workspace`);
  };
  bindRoute(router, api.factPrecedence, async ({ principal }) => deps.facts.precedence(principal.workspaceId));
  bindRoute(router, api.putFactPrecedence, async ({ body, principal, req }) => {
    await deps.facts.putPrecedence(principal.workspaceId, body, principal.userName, deps.now());
    await deps.sensitiveLog.record(sensitiveOperation(req, principal, "rule.change", "fact-precedence", { change: "fact_precedence", toleranceMinutes: body.toleranceMinutes }, deps.now()));
    return deps.facts.precedence(principal.workspaceId);
  });
  bindRoute(router, api.orderFactDisputes, async ({ params, principal }) => {
    await visible(principal, params.id);
    return { disputes: await deps.facts.disputes(principal.workspaceId, params.id) };
  });
  bindRoute(router, api.resolveFactDispute, async ({ params, body, principal }) => {
    await visible(principal, params.id);
    const ws = principal.workspaceId;
    const resolved = await deps.facts.resolve(ws, params.id, principal.userName, body.note, deps.now());
    // Replay what the freeze held through the engine (stops if the order is frozen again or its channel paused).
    const { replayed, counts } = await replayHeld(principal, (after, limit) => deps.facts.held(ws, params.id, after, limit), (ctx, events) => deps.events.process(ctx, events, deps.now()));
    return { orderId: params.id, resolved, replayed, counts };
  });
  return router;
}
