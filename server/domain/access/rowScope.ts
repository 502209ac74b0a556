import type { RefusalParams } from "../../contracts/refusals.js";
import type { Order } from "../order.js";
import type { Decision } from "../workflow/decision.js";
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

const FIELD_LABELS = {
  region: { "zh-CN": "地区", en: "region" },
  warehouse: { "zh-CN": "仓库", en: "warehouse" },
  channel: { "zh-CN": "渠道", en: "channel" },
} as const;

/**
 * Why an order with these fields may not be created by a caller of `scope`, in zh-CN and
 * English, naming the field, its value and the values allowed; undefined when it lies inside.
 */
export function scopeCreateRefusal(scope: RowScope | undefined, o: { region?: string | null; warehouse?: string | null; channel: string }): string | undefined {
  if (!isScoped(scope)) return undefined;
  for (const [dim, field] of SCOPE_DIMENSIONS) {
    const allowed = scope[dim];
    const value = o[field] ?? null;
    if (allowed === undefined || (value !== null && allowed.includes(value))) continue;
    const label = FIELD_LABELS[field];
    return (
      `${label["zh-CN"]}${value === null ? "为空" : `「${value}」`}不在你的数据范围内（你可见的${label["zh-CN"]}：${allowed.join("、") || "无"}） / ` +
      `${label.en} ${value === null ? "is empty, which is" : `"${value}" is`} outside your row scope (${label.en} allowed: ${allowed.join(", ") || "none"})`
    );
  }
  return undefined;
}

/**
 * Why a change may not leave `after` where it is, when it would take an order the caller may
 * see out of their row scope — in zh-CN and English, naming the field, its new value and the
 * values allowed; undefined when the order stays inside.
 */
export function scopeMoveRefusal(scope: RowScope | undefined, after: { region?: string | null; warehouse?: string | null; channel: string }): string | undefined {
  return scopeMoveProblem(scope, after)?.reason;
}

/** `scopeMoveRefusal` with its refusal code (`outside_scope`) and parameters, for clients that word it themselves. */
export function scopeMoveProblem(
  scope: RowScope | undefined,
  after: { region?: string | null; warehouse?: string | null; channel: string },
): { reason: string; code: "outside_scope"; params: RefusalParams } | undefined {
  if (!isScoped(scope)) return undefined;
  for (const [dim, field] of SCOPE_DIMENSIONS) {
    const allowed = scope[dim];
    const value = after[field] ?? null;
    if (allowed === undefined || (value !== null && allowed.includes(value))) continue;
    const label = FIELD_LABELS[field];
    const shown = value === null ? "（空）" : `「${value}」`;
    const list = allowed.length ? allowed.join("、") : "无";
    const reason =
      `不能把${label["zh-CN"]}改为${shown}：订单会移出你的数据范围（你可见的${label["zh-CN"]}：${list}），请联系管理员 / ` +
      `cannot set ${label.en} to ${value === null ? "empty" : `"${value}"`}: the order would leave your row scope (${label.en} allowed: ${allowed.join(", ") || "none"}); ask an admin`;
    return {
      reason,
      code: "outside_scope",
      params: {
        field: { "zh-CN": label["zh-CN"], en: label.en },
        value: value === null ? { "zh-CN": "（空）", en: "empty" } : value,
        allowed: allowed.length ? allowed : [{ "zh-CN": "无", en: "none" }],
      },
    };
  }
  return undefined;
}

/**
 * The engine's decision for a scoped sender: a change that would move the order out of the
 * sender's row scope (a fact setting another region, say) becomes a refusal naming the field,
 * with nothing raised; every other decision stands as it is.
 */
export function confineDecision(d: Decision, order: Order, scope: RowScope | undefined): Decision {
  if ((d.kind !== "transition" && d.kind !== "update") || !isScoped(scope)) return d;
  const p = d.patch;
  const after = {
    region: "region" in p ? p.region : order.region,
    warehouse: "warehouse" in p ? p.warehouse : order.warehouse,
    channel: "channel" in p && p.channel !== undefined ? p.channel : order.channel,
  };
  const problem = scopeMoveProblem(scope, after);
  return problem ? { kind: "refused", reason: problem.reason, code: problem.code, params: problem.params, allowed: [], alerts: [], effects: [] } : d;
}
