import type { Request } from "express";
import type { Principal } from "../domain/access/principal.js";
import type { SensitiveAction, SensitiveOperation } from "../domain/access/sensitiveOperation.js";

/** A sensitive operation done by the caller of `req`, stamped with its IP, user agent and time. */
export function sensitiveOperation(
  req: Request,
  principal: Principal,
  action: SensitiveAction,
  target: string,
  detail: Record<string, unknown>,
  at: Date,
): SensitiveOperation {
  return {
    workspaceId: principal.workspaceId,
    actor: principal.userName,
    tokenId: principal.tokenId,
    ip: req.ip ?? req.socket.remoteAddress ?? null,
    userAgent: typeof req.headers["user-agent"] === "string" ? req.headers["user-agent"] : null,
    action,
    target,
    detail,
    at,
  };
}
