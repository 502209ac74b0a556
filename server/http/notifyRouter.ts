import { Router } from "express";
import { api } from "../contracts/api.js";
import { NotFoundError } from "../domain/errors.js";
import type { NotifyAdminStore } from "../notify/ports.js";
import { bindRoute } from "./bindRoute.js";

/** `/api/notifications/…`: routing rules and targets (admins edit; supervisors and auditors read) and the delivery log. */
export function notifyRouter(deps: { store: NotifyAdminStore; now: () => Date }): Router {
  const router = Router();
  const { store } = deps;
  const noTarget = (id: string) => new NotFoundError(`notification target ${id} does not exist`);

  bindRoute(router, api.listNotifyRoutes, async ({ principal }) => ({ routes: await store.listRoutes(principal.workspaceId) }));
  bindRoute(router, api.createNotifyRoute, async ({ body, principal }) => {
    const r = await store.createRoute(principal.workspaceId, body, deps.now());
    if (r === "no_target") throw noTarget(body.targetId);
    return r;
  });
  bindRoute(router, api.updateNotifyRoute, async ({ params, body, principal }) => {
    const r = await store.updateRoute(principal.workspaceId, params.id, body, deps.now());
    if (r === "no_target") throw noTarget(body.targetId ?? "");
    if (!r) throw new NotFoundError(`notification rule ${params.id} does not exist`);
    return r;
  });
  bindRoute(router, api.deleteNotifyRoute, async ({ params, principal }) => {
    if (!(await store.deleteRoute(principal.workspaceId, params.id))) throw new NotFoundError(`notification rule ${params.id} does not exist`);
    return { id: params.id, deleted: true as const };
  });

  bindRoute(router, api.listNotifyTargets, async ({ principal }) => ({ targets: await store.listTargets(principal.workspaceId) }));
  bindRoute(router, api.createNotifyTarget, async ({ body, principal }) => store.createTarget(principal.workspaceId, body, deps.now()));
  bindRoute(router, api.updateNotifyTarget, async ({ params, body, principal }) => {
    const t = await store.updateTarget(principal.workspaceId, params.id, body, deps.now());
    if (!t) throw noTarget(params.id);
    return t;
  });
  bindRoute(router, api.deleteNotifyTarget, async ({ params, principal }) => {
    if (!(await store.deleteTarget(principal.workspaceId, params.id))) throw noTarget(params.id);
    return { id: params.id, deleted: true as const };
  });

  bindRoute(router, api.notifyDeliveries, async ({ query, principal }) => store.deliveries(principal.workspaceId, query));
  return router;
}
