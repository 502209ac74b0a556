import { Router } from "express";
import { api } from "../contracts/api.js";
import type { SensitiveLog } from "../domain/access/sensitiveOperation.js";
import { bindRoute } from "./bindRoute.js";

/**
 * `GET /api/access/log`: the sensitive-operation log for admins and auditors, newest first,
 * filtered by action, actor and time, paged by a cursor that later entries never shift.
 */
export function sensitiveLogRouter(log: SensitiveLog): Router {
  const router = Router();

  bindRoute(router, api.sensitiveLog, async ({ query, principal }) => {
    const entries = await log.list(principal.workspaceId, {
      actions: query.action,
      actor: query.actor,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      before: query.cursor,
      limit: query.limit,
    });
    return {
      entries: entries.map((e) => ({ ...e, at: e.at.toISOString() })),
      nextCursor: entries.length === query.limit ? entries[entries.length - 1].seq : null,
    };
  });

  return router;
}
