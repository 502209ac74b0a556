import { Router } from "express";
import { api } from "../contracts/api.js";
import type { SensitiveLog } from "../domain/access/sensitiveOperation.js";
import type { UserDirectory } from "../domain/access/userDirectory.js";
import { bindRoute } from "./bindRoute.js";
import { sensitiveOperation } from "./sensitiveOps.js";

/** What the users and tokens routes need. */
export interface UsersDeps {
  users: UserDirectory;
  sensitiveLog: SensitiveLog;
  now: () => Date;
  /**
   * Drops this server's remembered tokens after a change that can refuse one (rotate, revoke,
   * role, scope, disable, enable), so the change holds here at once; other instances follow within
   * a second through the auth epoch.
   */
  forget?: () => void;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/**
 * `/api/users` and `/api/tokens`: issue, list, revoke and rotate tokens; list users, change a
 * role or a row scope, disable and enable. Every change is written to the sensitive-operation log.
 */
export function usersRouter(deps: UsersDeps): Router {
  const router = Router();
  const log = (...args: Parameters<typeof sensitiveOperation>) => deps.sensitiveLog.record(sensitiveOperation(...args));
  const forget = () => deps.forget?.();

  bindRoute(router, api.issueToken, async ({ body, principal, req }) => {
    const issued = await deps.users.issueToken(principal.workspaceId, body.user, body.role, { label: body.label, expiresInDays: body.expiresInDays });
    await log(req, principal, "token.issue", body.user, { tokenId: issued.tokenId, role: body.role, expiresAt: iso(issued.expiresAt) }, deps.now());
    return { token: issued.token, tokenId: issued.tokenId, user: body.user, role: body.role, expiresAt: iso(issued.expiresAt) };
  });

  bindRoute(router, api.rotateToken, async ({ body, principal, req }) => {
    const rotated = await deps.users.rotateToken(principal.workspaceId, principal.tokenId, { label: body.label, expiresInDays: body.expiresInDays });
    forget();
    await log(req, principal, "token.rotate", rotated.userName, { revokedTokenId: principal.tokenId, tokenId: rotated.tokenId }, deps.now());
    return {
      token: rotated.token,
      tokenId: rotated.tokenId,
      revokedTokenId: principal.tokenId,
      user: rotated.userName,
      role: rotated.role,
      expiresAt: iso(rotated.expiresAt),
    };
  });

  bindRoute(router, api.listTokens, async ({ query, principal }) => ({
    tokens: await deps.users.listTokens(principal.workspaceId, {
      user: query.user,
      active: query.active === undefined ? undefined : query.active === "true",
    }),
  }));

  bindRoute(router, api.revokeToken, async ({ params, principal, req }) => {
    const token = await deps.users.revokeToken(principal.workspaceId, params.id);
    forget();
    await log(req, principal, "token.revoke", params.id, { user: token.user }, deps.now());
    return token;
  });

  bindRoute(router, api.listUsers, async ({ principal }) => ({ users: await deps.users.listUsers(principal.workspaceId) }));

  bindRoute(router, api.changeRole, async ({ params, body, principal, req }) => {
    const user = await deps.users.changeRole(principal.workspaceId, params.name, body.role);
    forget();
    await log(req, principal, "user.change", params.name, { role: body.role }, deps.now());
    return user;
  });

  bindRoute(router, api.changeScope, async ({ params, body, principal, req }) => {
    const scope = {
      ...(body.regions ? { regions: body.regions } : {}),
      ...(body.warehouses ? { warehouses: body.warehouses } : {}),
      ...(body.channels ? { channels: body.channels } : {}),
    };
    const user = await deps.users.changeScope(principal.workspaceId, params.name, scope);
    forget();
    await log(req, principal, "user.change", params.name, { scope: user.scope }, deps.now());
    return user;
  });

  bindRoute(router, api.disableUser, async ({ params, principal, req }) => {
    const user = await deps.users.setDisabled(principal.workspaceId, params.name, true);
    forget();
    await log(req, principal, "user.disable", params.name, {}, deps.now());
    return user;
  });

  bindRoute(router, api.enableUser, async ({ params, principal, req }) => {
    const user = await deps.users.setDisabled(principal.workspaceId, params.name, false);
    forget();
    await log(req, principal, "user.enable", params.name, {}, deps.now());
    return user;
  });

  return router;
}
