import { COLUMN_LABELS, DEFAULT_ACCESS_POLICY, ROLE_LABELS, type AccessPolicy, type RolePolicy } from "../../contracts/access.js";
import type { EditableColumn } from "../../contracts/edits.js";
import type { Role } from "../../contracts/roles.js";

/** A workspace's stored policy with who changed it last (null times: still the defaults). */
export interface StoredAccessPolicy {
  policy: AccessPolicy;
  updatedAt: string | null;
  updatedBy: string | null;
}

/**
 * Column permissions per role, kept as data per workspace: the port the access routes, the
 * order, export and edit routes read (implemented by `KnexAccessPolicies`).
 */
export interface AccessPolicyStore {
  /** The workspace's policy; the defaults (`DEFAULT_ACCESS_POLICY`) when none was saved. */
  get(workspaceId: string): Promise<StoredAccessPolicy>;
  /** Replaces the workspace's policy. */
  put(workspaceId: string, policy: AccessPolicy, actor: string, at: Date): Promise<StoredAccessPolicy>;
}

/** What `role` may do under `policy` (the default's entry for a role a stored policy lacks). */
export function rolePolicy(policy: AccessPolicy, role: Role): RolePolicy {
  return policy.roles[role] ?? DEFAULT_ACCESS_POLICY.roles[role];
}

/** Whether `role` may edit `column` under `policy`. */
export function mayEditColumn(policy: AccessPolicy, role: Role, column: string): boolean {
  return (rolePolicy(policy, role).editableColumns as readonly string[]).includes(column);
}

/** The refusal of an edit to a column the role may not edit, in Chinese and English. */
export function columnRefusal(role: Role, column: EditableColumn): string {
  const r = ROLE_LABELS[role];
  const c = COLUMN_LABELS[column];
  return `你的角色（${r["zh-CN"]}）不能修改「${c["zh-CN"]}」列 / role ${role} may not edit ${column} (${c.en}): the access policy does not allow it`;
}

/** The refusal of an export to a role the policy does not let export, in Chinese and English. */
export function exportRefusal(role: Role): string {
  return `你的角色（${ROLE_LABELS[role]["zh-CN"]}）不能导出订单 / role ${role} may not export orders: the access policy does not allow it`;
}
