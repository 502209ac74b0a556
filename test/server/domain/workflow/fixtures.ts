import type { EventInput, EventType, EventData } from "../../../../server/contracts/events.js";
import type { Order } from "../../../../server/domain/order.js";
import type { Actor, Decision } from "../../../../server/domain/workflow/decision.js";
import type { WorkflowDefinition } from "../../../../server/contracts/workflow.js";
import { decide } from "../../../../server/domain/workflow/decide.js";
import { applyPatch } from "../../../../server/domain/workflow/factPatch.js";
import type { Related } from "../../../../server/domain/workflow/guardContext.js";

/** A fixed clock for tests: 2026-01-15 10:00 UTC (18:00 in Shanghai). */
export const NOW = new Date("2026-01-15T10:00:00.000Z");

/** `NOW` shifted by minutes. */
export function at(minutes: number): Date {
  return new Date(NOW.getTime() + minutes * 60_000);
}

/** A plain order in `status`, 100.00 CNY, one ordinary line, no facts yet. */
export function makeOrder(overrides: Partial<Order> = {}): Order {
  return {
    id: "TM20260115-00001",
    workspaceId: "ws",
    channel: "tmall",
    externalOrderId: "T1",
    status: "pending_payment",
    workflowVersion: 1,
    version: 3,
    customer: { id: "c1", name: "Li", phone: "13800000000" },
    totalAmount: 10000,
    currency: "CNY",
    region: "east",
    warehouse: null,
    carrier: null,
    waybillNo: null,
    tags: [],
    extra: {},
    placedAt: NOW.toISOString(),
    paidAt: null,
    outboundAt: null,
    promisedAt: null,
    statusSince: NOW.toISOString(),
    createdAt: NOW.toISOString(),
    updatedAt: NOW.toISOString(),
    lines: [{ lineNo: 1, sku: "SKU1", name: "Cat food", quantity: 1, unitPrice: 10000, amount: 10000, flags: {} }],
    ...overrides,
  };
}

let seq = 0;

/** An event of `type` for the fixture order, with a fresh sourceEventId. */
export function ev<T extends EventType>(type: T, data: EventData<T>, extra: Partial<EventInput> = {}): EventInput {
  seq += 1;
  return { source: "connector:test", sourceEventId: `e${seq}`, orderId: "TM20260115-00001", type, data, ...extra } as EventInput;
}

/** A manual status change by a person. */
export function manual(to: string, baseVersion: number): EventInput {
  return ev("manual.command", { to, baseVersion });
}

export const CS: Actor = { role: "customer_service", name: "li.li" };
export const WAREHOUSE: Actor = { role: "warehouse", name: "wang" };
export const FINANCE: Actor = { role: "finance", name: "zhao" };
export const ADMIN: Actor = { role: "admin", name: "root" };
export const AUDITOR: Actor = { role: "auditor", name: "audit" };
export const SYSTEM: Actor = { role: "admin", name: "connector" };

/** Decides `event` and applies the result the way the store does (version + 1 on a change). */
export function step(
  flow: WorkflowDefinition,
  order: Order,
  event: EventInput,
  opts: { actor?: Actor; now?: Date; related?: Related } = {},
): { order: Order; decision: Decision } {
  const decision = decide(flow, order, event, opts.actor ?? SYSTEM, opts.now ?? NOW, opts.related ?? {});
  if (decision.kind === "transition" || decision.kind === "update") {
    return { decision, order: { ...applyPatch(order, decision.patch), version: order.version + 1 } };
  }
  return { decision, order };
}
