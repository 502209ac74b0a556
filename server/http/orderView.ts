import type { OrderInput, OrderView } from "../contracts/orders.js";
import type { Channel } from "../domain/channels.js";
import type { Principal } from "../domain/access/principal.js";
import { isScoped } from "../domain/access/rowScope.js";
import { maskOrder } from "../domain/access/masking.js";
import { InputError } from "../domain/errors.js";
import { formatMinorUnits, toMinorUnits } from "../domain/money.js";
import type { Order } from "../domain/order.js";
import type { WorkflowDefinition } from "../contracts/workflow.js";
import type { NewOrder, OrderListFilter } from "../domain/orders/ports.js";
import { readFact } from "../domain/workflow/orderFacts.js";
import { overdueConditions, slaLevel } from "../domain/workflow/slaLevel.js";

/**
 * Domain order → API view, money as exact decimal strings plus minor units. With `mask`,
 * the customer's name, phone and address are masked (`domain/access/masking.ts`): what a
 * role without the unmasked-PII permission of the access policy receives.
 */
export function toOrderView(order: Order, opts: { mask?: boolean; flow?: WorkflowDefinition; now?: Date } = {}): OrderView {
  const o = opts.mask ? maskOrder(order) : order;
  const fact = (name: "collectedAt" | "signedAt") => {
    const v = readFact(o, name);
    return typeof v === "string" && Number.isFinite(Date.parse(v)) ? new Date(v).toISOString() : null;
  };
  return {
    id: o.id,
    channel: o.channel,
    externalOrderId: o.externalOrderId,
    status: o.status,
    workflowVersion: o.workflowVersion,
    version: o.version,
    customer: { id: o.customer.id, name: o.customer.name, phone: o.customer.phone, address: o.customer.address ?? null },
    totalAmount: formatMinorUnits(o.totalAmount, o.currency),
    totalAmountMinor: o.totalAmount,
    currency: o.currency,
    region: o.region,
    warehouse: o.warehouse,
    carrier: o.carrier,
    waybillNo: o.waybillNo,
    tags: o.tags,
    extra: o.extra,
    placedAt: o.placedAt,
    paidAt: o.paidAt,
    outboundAt: o.outboundAt,
    collectedAt: fact("collectedAt"),
    signedAt: fact("signedAt"),
    promisedAt: o.promisedAt,
    statusSince: o.statusSince,
    ...(opts.flow ? { sla: slaLevel(opts.flow, order, opts.now ?? new Date()) } : {}),
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
    ...(o.lines
      ? {
          lines: o.lines.map((l) => ({
            lineNo: l.lineNo,
            sku: l.sku,
            name: l.name,
            quantity: l.quantity,
            unitPrice: formatMinorUnits(l.unitPrice, o.currency),
            unitPriceMinor: l.unitPrice,
            amount: formatMinorUnits(l.amount, o.currency),
            amountMinor: l.amount,
            flags: l.flags,
          })),
        }
      : {}),
  };
}

/**
 * Import rows → orders to create, converting decimal money to exact minor units.
 * Every bad row is reported at once, by index, so a batch is fixed in one round.
 */
export function toNewOrders(inputs: OrderInput[]): NewOrder[] {
  const problems: { path: string; message: string }[] = [];
  const orders = inputs.map((o, i) => {
    const money = (value: string | number, path: string): number => {
      try {
        const minor = toMinorUnits(value, o.currency);
        if (minor < 0) throw new InputError(`amount "${value}" must not be negative`);
        return minor;
      } catch (err) {
        problems.push({ path: `orders.${i}.${path}`, message: (err as Error).message });
        return 0;
      }
    };
    const lineAmount = (unitPrice: number, quantity: number, path: string) => {
      const amount = unitPrice * quantity;
      if (Number.isSafeInteger(amount)) return amount;
      problems.push({ path: `orders.${i}.${path}`, message: "unit price × quantity is too large to store exactly" });
      return 0;
    };
    const lines = o.lines.map((l, n) => {
      const unitPrice = money(l.unitPrice, `lines.${n}.unitPrice`);
      return {
        lineNo: n + 1,
        sku: l.sku,
        name: l.name,
        quantity: l.quantity,
        unitPrice,
        amount: l.amount === undefined ? lineAmount(unitPrice, l.quantity, `lines.${n}`) : money(l.amount, `lines.${n}.amount`),
        flags: l.flags,
      };
    });
    return {
      channel: o.channel as Channel,
      externalOrderId: o.externalOrderId,
      customer: o.customer,
      totalAmount: money(o.totalAmount, "totalAmount"),
      currency: o.currency,
      region: o.region,
      warehouse: o.warehouse,
      carrier: o.carrier,
      waybillNo: o.waybillNo,
      tags: o.tags,
      extra: o.extra,
      placedAt: o.placedAt ? new Date(o.placedAt).toISOString() : null,
      promisedAt: o.promisedAt ? new Date(o.promisedAt).toISOString() : null,
      lines,
    };
  });
  if (problems.length) {
    const shown = problems.slice(0, 5).map((p) => `${p.path}: ${p.message}`).join("; ");
    throw new InputError(`invalid body: ${shown}${problems.length > 5 ? ` (and ${problems.length - 5} more)` : ""}`, { problems });
  }
  return orders;
}

/**
 * The state code a `status` filter names: the code itself or its zh-CN or English label
 * (staff copy labels from the sheet). Anything else is refused naming the field and the
 * states it may be, so a typo never answers an empty list as if no order had that status.
 */
export function statusFilterCode(flow: WorkflowDefinition, value: string): string {
  const text = value.trim();
  const state = flow.states.find((s) => s.code === text) ?? flow.states.find((s) => s.labels["zh-CN"] === text || s.labels.en.toLowerCase() === text.toLowerCase());
  if (state) return state.code;
  const known = flow.states.map((s) => `${s.code} ${s.labels["zh-CN"]}`).join(", ");
  throw new InputError(`status: "${text}" is neither a state code nor a state name of this workspace's workflow (状态“${text}”不是本流程的状态); it may be one of: ${known}`, {
    problems: [
      {
        path: "status",
        message: "unknown status",
        code: "unknown_status_filter",
        params: { value: text, known: flow.states.map((s) => ({ "zh-CN": `${s.code} ${s.labels["zh-CN"]}`, en: `${s.code} ${s.labels.en}` })) },
      },
    ],
  });
}

/** How far back the "recent" window reaches for orders no longer open. */
export const RECENT_WINDOW_DAYS = 7;

/** A 1/0 flag of a query string. */
function flag(v: string | undefined): boolean {
  return v === "1" || v === "true";
}

/** The query filters an order list, count or export understands. */
export interface ListQuery {
  status?: string;
  channel?: string;
  region?: string;
  updatedSince?: string;
  ids?: string;
  placedFrom?: string;
  placedTo?: string;
  q?: string;
  overdue?: string;
  mine?: string;
  window?: "recent" | "all";
  lines?: string;
}

/**
 * The window a query applies: what it names, else "recent" for the list and count unless it
 * asks for particular orders (`ids`, `q`) or changes (`updatedSince`), else `fallback`.
 */
export function windowOf(query: ListQuery, fallback: "recent" | "all"): "recent" | "all" {
  if (query.window) return query.window;
  if (query.ids || query.q || query.updatedSince) return "all";
  return fallback;
}

/**
 * The order-list filters a query names (list, count and export share them), in the store's
 * terms, confined to the caller's row scope. A `status` filter is resolved against `flow`
 * (codes and labels in both languages); the window, overdue and status filters read `flow`.
 * `mine` means: changed by the caller in the last 7 days, or with an open task for their role.
 */
export async function listFilterOf(
  query: ListQuery,
  principal: Principal,
  flow: () => Promise<WorkflowDefinition>,
  opts: { now?: Date; defaultWindow?: "recent" | "all" } = {},
): Promise<Omit<OrderListFilter, "limit" | "cursor">> {
  const now = opts.now ?? new Date();
  const window = windowOf(query, opts.defaultWindow ?? "all");
  const since = new Date(now.getTime() - RECENT_WINDOW_DAYS * 86_400_000).toISOString();
  const needsFlow = query.status !== undefined || window === "recent" || flag(query.overdue);
  const def = needsFlow ? await flow() : undefined;
  return {
    status: query.status === undefined ? undefined : statusFilterCode(def!, query.status),
    channel: query.channel,
    region: query.region,
    updatedSince: query.updatedSince ? new Date(query.updatedSince).toISOString() : undefined,
    ids: query.ids ? [...new Set(query.ids.split(","))] : undefined,
    placed: query.placedFrom || query.placedTo ? { from: query.placedFrom, to: query.placedTo, timeZone: principal.timeZone } : undefined,
    ...(query.q ? { q: query.q.trim() } : {}),
    ...(window === "recent" ? { window: { open: def!.states.filter((s) => !s.terminal).map((s) => s.code), since } } : {}),
    ...(flag(query.overdue) ? { overdue: overdueConditions(def!, now) } : {}),
    ...(flag(query.mine) ? { mine: { actor: principal.userName, role: principal.role, since } } : {}),
    ...(flag(query.lines) ? { withLines: true } : {}),
    ...(isScoped(principal.scope) ? { scope: principal.scope } : {}),
  };
}
