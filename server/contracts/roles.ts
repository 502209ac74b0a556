import { z } from "zod";

/**
 * Roles a user can hold, matching the seeds' six templates: 客服专员 customer_service,
 * 仓储主管 warehouse, 市场经理 marketing, 财务会计 finance, 系统管理员 admin, 外部审计员 auditor
 * (plus supervisor, the team lead). `auditor` and `marketing` are read-only.
 */
export const Role = z.enum(["admin", "supervisor", "customer_service", "warehouse", "finance", "marketing", "auditor"]);
export type Role = z.infer<typeof Role>;

/** Roles that may change data (everyone but the read-only auditor and marketing). */
export const WRITER_ROLES: readonly Role[] = ["admin", "supervisor", "customer_service", "warehouse", "finance"];

/** Whether a role may only read (auditor, marketing): it changes no order, cell or setting. */
export function isReadOnlyRole(role: Role): boolean {
  return !WRITER_ROLES.includes(role);
}
