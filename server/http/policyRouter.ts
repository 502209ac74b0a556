import { Router } from "express";
import { api } from "../contracts/api.js";
import type { RolePolicy } from "../contracts/access.js";
import { Role } from "../contracts/roles.js";
import { sensitiveOperation } from "./sensitiveOps.js";
import type { AccessGate } from "./accessGate.js";
import { bindRoute } from "./bindRoute.js";

/** The roles whose entry differs between two policies, with what changed (for the log). */
function changedRoles(before: Record<string, RolePolicy>, after: Record<string, RolePolicy>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const role of Role.options) {
    if (JSON.stringify(before[role]) !== JSON.stringify(after[role])) out[role] = { from: before[role] ?? null, to: after[role] };
  }
  return out;
}

/** `/api/access/policy`: read the access policy (everyone) and replace it (admins, logged). */
export function policyRouter(gate: AccessGate): Router {
  const router = Router();

  bindRoute(router, api.accessPolicy, async ({ principal }) => gate.policies.get(principal.workspaceId));

  bindRoute(router, api.putAccessPolicy, async ({ body, principal, req }) => {
    const before = await gate.policies.get(principal.workspaceId);
    const now = gate.now();
    const saved = await gate.policies.put(principal.workspaceId, body, principal.userName, now);
    await gate.sensitiveLog.record(
      sensitiveOperation(req, principal, "access.policy_change", "access policy", { changed: changedRoles(before.policy.roles, body.roles) }, now),
    );
    return saved;
  });

  return router;
}
