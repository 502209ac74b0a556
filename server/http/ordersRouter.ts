import { Router } from "express";
import { api } from "../contracts/api.js";
import { IsoDateTime } from "../contracts/common.js";
import { isScoped } from "../domain/access/rowScope.js";
import { InputError } from "../domain/errors.js";
import type { OrderStore } from "../domain/orders/ports.js";
import type { WorkflowStore } from "../domain/workflow/ports.js";
import { callerPolicy, logUnmaskedRead, type AccessGate } from "./accessGate.js";
import { bindRoute } from "./bindRoute.js";
import type { Metrics } from "./metrics.js";
import { listFilterOf, toNewOrders, toOrderView, windowOf } from "./orderView.js";
import type { WorkflowDefinition } from "../contracts/workflow.js";

/** What the orders routes need. */
export interface OrdersDeps {
  orders: OrderStore;
  metrics: Metrics;
  now: () => Date;
  /** The access policy (masking) and the log of unmasked reads; absent, personal data is always masked. */
  access?: AccessGate;
  /** The workspace's workflow, to take state names as well as codes in the `status` filter. */
  workflows: Pick<WorkflowStore, "current">;
}

function encodeCursor(c: { updatedAt: string; id: string }): string {
  return Buffer.from(JSON.stringify([c.updatedAt, c.id]), "utf8").toString("base64url");
}

function decodeCursor(text: string): { updatedAt: string; id: string } {
  try {
    const [updatedAt, id] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as [unknown, unknown];
    if (typeof updatedAt === "string" && IsoDateTime.safeParse(updatedAt).success && typeof id === "string" && !id.includes("\u0000")) return { updatedAt, id };
  } catch {
    // fall through to the error below
  }
  throw new InputError("cursor is not one this server issued; start again without it");
}

/** `/api/orders` routes. */
export function ordersRouter(deps: OrdersDeps): Router {
  const router = Router();
  /** The workspace's workflow, read at most once per request. */
  const currentFlow = async (workspaceId: string) => {
    let read: Promise<WorkflowDefinition> | undefined;
    return () => (read ??= deps.workflows.current(workspaceId).then((w) => w.definition));
  };

  bindRoute(router, api.importOrders, async ({ body, principal }) => {
    const drafts = toNewOrders(body.orders);
    const outcomes = await deps.orders.importOrders(
      {
        workspaceId: principal.workspaceId,
        timeZone: principal.timeZone,
        actor: principal.userName,
        source: "api:import",
        ...(isScoped(principal.scope) ? { scope: principal.scope } : {}),
      },
      drafts,
      deps.now(),
    );
    const created = outcomes.filter((o) => o.outcome === "created").length;
    deps.metrics.importedOrders.inc(created);
    return {
      created,
      unchanged: outcomes.length - created,
      results: outcomes.map((o) => ({
        ...o,
        message: o.outcome === "created" ? `created as ${o.id}` : `already imported as ${o.id}; nothing changed`,
      })),
    };
  });

  bindRoute(router, api.listOrders, async ({ query, principal, req }) => {
    const now = deps.now();
    const flow = await currentFlow(principal.workspaceId);
    const page = await deps.orders.listOrders(principal.workspaceId, {
      ...(await listFilterOf(query, principal, flow, { now, defaultWindow: "recent" })),
      limit: query.limit,
      cursor: query.cursor ? decodeCursor(query.cursor) : undefined,
    });
    const unmasked = deps.access ? (await callerPolicy(deps.access, principal)).unmaskedPii : false;
    if (unmasked) await logUnmaskedRead(deps.access!, req, principal, page.orders, "GET /api/orders");
    const definition = await flow();
    return { orders: page.orders.map((o) => toOrderView(o, { mask: !unmasked, flow: definition, now })), nextCursor: page.next ? encodeCursor(page.next) : null };
  });

  // Bound before `/api/orders/:id`, which would otherwise take "count" for an order ID.
  bindRoute(router, api.countOrders, async ({ query, principal }) => {
    const window = windowOf(query, "recent");
    const total = await deps.orders.countOrders(principal.workspaceId, await listFilterOf(query, principal, await currentFlow(principal.workspaceId), { now: deps.now(), defaultWindow: "recent" }));
    return { total, window };
  });

  bindRoute(router, api.getOrder, async ({ params, principal, req }) => {
    const order = await (isScoped(principal.scope) ? deps.orders.getOrder(principal.workspaceId, params.id, principal.scope) : deps.orders.getOrder(principal.workspaceId, params.id));
    const unmasked = deps.access ? (await callerPolicy(deps.access, principal)).unmaskedPii : false;
    if (unmasked) await logUnmaskedRead(deps.access!, req, principal, [order], "GET /api/orders/:id");
    return toOrderView(order, { mask: !unmasked, flow: (await deps.workflows.current(principal.workspaceId)).definition, now: deps.now() });
  });

  return router;
}
