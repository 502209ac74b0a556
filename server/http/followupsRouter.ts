import { Router } from "express";
import { api } from "../contracts/api.js";
import type { Principal } from "../domain/access/principal.js";
import { isScoped } from "../domain/access/rowScope.js";
import { ConflictError, NotFoundError } from "../domain/errors.js";
import type { FollowupStore } from "../domain/followups/ports.js";
import { bindRoute } from "./bindRoute.js";

const scopeOf = (p: Principal) => (isScoped(p.scope) ? p.scope : undefined);
const actorOf = (p: Principal, note: string | undefined) => ({ actor: p.userName, note: note ?? null, scope: scopeOf(p) });

/** `/api/conflicts` and `/api/tasks`: what is still open about orders, and ending it by hand. */
export function followupsRouter(deps: { store: FollowupStore; now: () => Date }): Router {
  const router = Router();
  const { store } = deps;

  bindRoute(router, api.conflicts, async ({ query, principal }) => ({ conflicts: await store.listConflicts(principal.workspaceId, query, scopeOf(principal)) }));
  bindRoute(router, api.resolveConflict, async ({ params, body, principal }) => {
    const r = await store.resolveConflict(principal.workspaceId, params.id, body.resolution, actorOf(principal, body.note), deps.now());
    if (r.outcome === "not_found") throw new NotFoundError(`conflict ${params.id} does not exist in this workspace`);
    if (r.outcome === "already_ended") {
      const c = r.item;
      throw new ConflictError(`conflict ${params.id} was already resolved (${c.resolution}) by ${c.resolvedBy} at ${c.resolvedAt}`, { conflict: c });
    }
    return { conflict: r.item };
  });

  bindRoute(router, api.tasks, async ({ query, principal }) => ({ tasks: await store.listTasks(principal.workspaceId, query, scopeOf(principal)) }));
  bindRoute(router, api.taskDone, async ({ params, body, principal }) => {
    const r = await store.finishTask(principal.workspaceId, params.id, actorOf(principal, body.note), deps.now());
    if (r.outcome === "not_found") throw new NotFoundError(`task ${params.id} does not exist in this workspace`);
    if (r.outcome === "already_ended") {
      const t = r.item;
      throw new ConflictError(`task ${params.id} already ended (${t.doneReason}) by ${t.doneBy} at ${t.doneAt}`, { task: t });
    }
    return { task: r.item };
  });
  return router;
}
