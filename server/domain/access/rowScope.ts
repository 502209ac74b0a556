import { isUnrestricted, type RowScope } from "./principal.js";

/** Which order field each scope dimension restricts. */
export const SCOPE_DIMENSIONS = [
  ["regions", "region"],
  ["warehouses", "warehouse"],
  ["channels", "channel"],
] as const;

/** Whether a scope restricts anything (undefined counts as unrestricted). */
export function isScoped(scope: RowScope | undefined): scope is RowScope {
  return scope !== undefined && !isUnrestricted(scope);
}

/** Whether an order's (region, warehouse, channel) lies inside `scope`; an empty value lies outside a restricted dimension. */
export function orderInScope(scope: RowScope | undefined, o: { region?: string | null; warehouse?: string | null; channel: string }): boolean {
  if (!isScoped(scope)) return true;
  for (const [dim, field] of SCOPE_DIMENSIONS) {
    const allowed = scope[dim];
    const value = o[field] ?? null;
    if (allowed !== undefined && (value === null || !allowed.includes(value))) return false;
  }
  return true;
}

/** Why an order lies outside `scope`, in words naming the field (undefined when inside). */
export function outsideScopeReason(scope: RowScope | undefined, o: { region?: string | null; warehouse?: string | null; channel: string }): string | undefined {
  if (!isScoped(scope)) return undefined;
  for (const [dim, field] of SCOPE_DIMENSIONS) {
    const allowed = scope[dim];
    const value = o[field] ?? null;
    if (allowed !== undefined && (value === null || !allowed.includes(value))) {
      return value === null
        ? `${field} is empty, and your row scope allows only ${field} ${allowed.join(", ") || "(none)"}`
        : `${field} "${value}" is outside your row scope (allowed: ${allowed.join(", ") || "none"})`;
    }
  }
  return undefined;
}
