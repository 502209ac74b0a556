import type { OrderView } from "../../server/contracts/orders.js";
import { WorkflowDefinition } from "../../server/contracts/workflow.js";
import { StatusBook } from "../../addin/core/StatusBook.js";
import type { RowContext } from "../../addin/core/rowsFromOrders.js";

/** A small workflow for add-in tests: four states, SLA on "paid". */
export const testFlow = WorkflowDefinition.parse({
  name: "test",
  initial: "paid",
  states: [
    { code: "paid", labels: { "zh-CN": "已支付", en: "Paid" }, category: "payment", terminal: false, slaMinutes: 60 },
    { code: "reviewed", labels: { "zh-CN": "已审单", en: "Reviewed" }, category: "review", terminal: false },
    { code: "shipped", labels: { "zh-CN": "已发货", en: "Shipped" }, category: "shipping", terminal: false },
    { code: "cancelled", labels: { "zh-CN": "已取消", en: "Cancelled" }, category: "closed", terminal: true },
  ],
  transitions: [
    { id: "review", from: "paid", to: "reviewed", trigger: "manual", roles: ["customer_service"] },
    { id: "ship", from: "reviewed", to: "shipped", trigger: "manual", roles: ["warehouse"] },
    { id: "cancel", from: "*", to: "cancelled", trigger: "manual", roles: ["customer_service"] },
  ],
});

/** Status labels of `testFlow`. */
export const testStatuses = new StatusBook(testFlow);

/** A row context in zh-CN, Asia/Shanghai, at a fixed time. */
export function testContext(overrides: Partial<RowContext> = {}): RowContext {
  return { lang: "zh-CN", timeZone: "Asia/Shanghai", statuses: testStatuses, flow: testFlow, now: new Date("2026-01-15T03:00:00Z"), ...overrides };
}

/** An order view with sensible defaults. */
export function orderView(n: number, overrides: Partial<OrderView> = {}): OrderView {
  return {
    id: `TM20260115-${String(n).padStart(5, "0")}`,
    channel: "tmall",
    externalOrderId: `EXT-${n}`,
    status: "paid",
    workflowVersion: 1,
    version: 1,
    customer: { id: `C${n}`, name: `客户${n}`, phone: null, address: null },
    totalAmount: "199.90",
    totalAmountMinor: 19990,
    currency: "CNY",
    region: "华东",
    warehouse: null,
    carrier: null,
    waybillNo: null,
    tags: [],
    extra: {},
    placedAt: "2026-01-15T02:00:00Z",
    paidAt: null,
    outboundAt: null,
    promisedAt: null,
    statusSince: "2026-01-15T02:30:00Z",
    createdAt: "2026-01-15T02:00:00Z",
    updatedAt: "2026-01-15T02:30:00Z",
    ...overrides,
  };
}
