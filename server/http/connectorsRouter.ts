import { Router } from "express";
import { api } from "../contracts/api.js";
import type { SensitiveLog } from "../domain/access/sensitiveOperation.js";
import type { Connectors } from "../domain/connectors/ports.js";
import { bindRoute } from "./bindRoute.js";
import { sensitiveOperation } from "./sensitiveOps.js";

/** What the connector routes need. */
export interface ConnectorsRouterDeps {
  connectors: Connectors;
  sensitiveLog: SensitiveLog;
  now: () => Date;
}

/** Admin routes of connector instances and the status tables. Changes go to the sensitive-operation log (never with credentials). */
export function connectorsRouter(deps: ConnectorsRouterDeps): Router {
  const router = Router();
  const c = deps.connectors;
  const caller = (p: { workspaceId: string; userName: string }) => ({ workspaceId: p.workspaceId, user: p.userName });

  bindRoute(router, api.listConnectors, async ({ principal }) => ({ connectors: await c.list(principal.workspaceId) }));
  bindRoute(router, api.createConnector, async ({ body, principal, req }) => {
    const created = await c.create(caller(principal), body);
    await deps.sensitiveLog.record(sensitiveOperation(req, principal, "connector.change", created.id, { change: "create", kind: created.kind, name: created.name, schedule: created.schedule }, deps.now()));
    return created;
  });
  bindRoute(router, api.getConnector, async ({ params, principal }) => c.get(principal.workspaceId, params.id));
  bindRoute(router, api.patchConnector, async ({ params, body, principal, req }) => {
    const updated = await c.patch(caller(principal), params.id, body);
    const changed = Object.keys(body).filter((k) => (body as Record<string, unknown>)[k] !== undefined);
    await deps.sensitiveLog.record(sensitiveOperation(req, principal, "connector.change", updated.id, { change: "update", fields: changed }, deps.now()));
    return updated;
  });
  bindRoute(router, api.runConnector, async ({ params, principal }) => c.runNow(principal.workspaceId, params.id));
  for (const [route, paused] of [[api.pauseConnector, true], [api.resumeConnector, false]] as const) {
    bindRoute(router, route, async ({ params, principal, req }) => {
      const updated = await c.setPaused(caller(principal), params.id, paused);
      await deps.sensitiveLog.record(sensitiveOperation(req, principal, "connector.change", updated.id, { change: paused ? "pause" : "resume" }, deps.now()));
      return updated;
    });
  }
  bindRoute(router, api.deleteConnector, async ({ params, principal, req }) => {
    const removed = await c.remove(caller(principal), params.id);
    await deps.sensitiveLog.record(sensitiveOperation(req, principal, "connector.change", params.id, { change: "delete" }, deps.now()));
    return removed;
  });
  bindRoute(router, api.connectorHealth, async ({ params, principal }) => c.health(principal.workspaceId, params.id));
  bindRoute(router, api.statusMap, async ({ params, principal }) => c.statusMap(principal.workspaceId, params.platform));
  bindRoute(router, api.putStatusMap, async ({ params, body, principal, req }) => {
    const table = await c.putStatusMap(caller(principal), params.platform, body.entries);
    await deps.sensitiveLog.record(sensitiveOperation(req, principal, "connector.change", `status-map:${params.platform}`, { change: "status_map", entries: body.entries.length }, deps.now()));
    return table;
  });
  return router;
}
