import type { Request } from "express";
import type { RolePolicy } from "../contracts/access.js";
import { rolePolicy, type AccessPolicyStore } from "../domain/access/accessPolicies.js";
import { hasPersonalData } from "../domain/access/masking.js";
import type { Principal } from "../domain/access/principal.js";
import type { SensitiveLog } from "../domain/access/sensitiveOperation.js";
import type { Order } from "../domain/order.js";
import { sensitiveOperation } from "./sensitiveOps.js";

/** What the routes that show personal data need: the policy and the log of unmasked reads. */
export interface AccessGate {
  policies: AccessPolicyStore;
  sensitiveLog: SensitiveLog;
  now: () => Date;
}

/** The most order IDs one unmasked-read log entry names (the count is always there). */
const MAX_LOGGED_IDS = 200;

/** What the caller's role may do under the workspace's access policy. */
export async function callerPolicy(gate: AccessGate, principal: Principal): Promise<RolePolicy> {
  return rolePolicy((await gate.policies.get(principal.workspaceId)).policy, principal.role);
}

/**
 * Records that the caller read personal data unmasked: one entry per request (not per order,
 * so a list or an export stays one write), naming up to 200 order IDs and the count.
 * Nothing is recorded when none of the orders carries personal data.
 */
export async function logUnmaskedRead(gate: AccessGate, req: Request, principal: Principal, orders: readonly Pick<Order, "id" | "customer">[], route: string, extra: Record<string, unknown> = {}): Promise<void> {
  const withPii = orders.filter(hasPersonalData);
  if (withPii.length === 0) return;
  await gate.sensitiveLog.record(
    sensitiveOperation(req, principal, "pii.unmasked_read", route, {
      count: withPii.length,
      orderIds: withPii.slice(0, MAX_LOGGED_IDS).map((o) => o.id),
      ...(withPii.length > MAX_LOGGED_IDS ? { idsTruncated: true } : {}),
      ...extra,
    }, gate.now()),
  );
}
