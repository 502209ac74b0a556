import { z } from "zod";

/** Roles a user or token can hold. `auditor` is read-only. */
export const Role = z.enum(["admin", "supervisor", "customer_service", "warehouse", "finance", "auditor"]);
export type Role = z.infer<typeof Role>;

/** Roles that may change data (everyone but the read-only auditor). */
export const WRITER_ROLES: readonly Role[] = ["admin", "supervisor", "customer_service", "warehouse", "finance"];
