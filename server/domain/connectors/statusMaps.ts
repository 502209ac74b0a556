/**
 * Status mapping tables: a platform's own status value (per status field) → the canonical
 * event it means to the workflow engine, or `none` when the value is known and asks for
 * nothing. A value in no table is *unmapped*: connectors count it, keep a sample record and
 * raise an alert; it is never dropped in silence. The tables shipped here are the defaults;
 * supervisors override entries per workspace.
 */

/** Events a status value may map to; `none`: known, nothing to tell the engine. */
export const STATUS_TARGETS = [
  "none",
  "payment.confirmed",
  "wms.outbound",
  "carrier.collected",
  "carrier.update",
  "carrier.signed",
  "carrier.problem",
  "refund.requested",
  "refund.succeeded",
  "order.cancelled",
] as const;

/** What a status value maps to. */
export type StatusTarget = (typeof STATUS_TARGETS)[number];

/** Platforms with a status table (DOMAIN.md's enums). */
export const STATUS_PLATFORMS = ["shopify", "taobao", "douyin", "pinduoduo", "shopee", "jushuitan", "wangdiantong", "youzan", "kdniao"] as const;

/** A platform with a status table. */
export type StatusPlatform = (typeof STATUS_PLATFORMS)[number];

/** One row of a status table. */
export interface StatusMapEntry {
  field: string;
  value: string;
  event: StatusTarget;
}

const rows = (field: string, pairs: Record<string, StatusTarget>): StatusMapEntry[] =>
  Object.entries(pairs).map(([value, event]) => ({ field, value, event }));

/**
 * Kdniao (快递鸟) tracking: `State` and the value-added `StateEx` (research-2026-12 §3; codes
 * marked [S] there). A snapshot's StateEx is looked up first, its State when StateEx is absent
 * or unmapped. Out for delivery (202) and the like are `carrier.update` with the code kept.
 */
const KDNIAO_STATUS_MAP: StatusMapEntry[] = [
  ...rows("State", { "0": "none", "1": "carrier.collected", "2": "carrier.update", "3": "carrier.signed", "4": "carrier.problem", "5": "carrier.update", "6": "carrier.update" }),
  ...rows("StateEx", {
    "1": "carrier.collected",
    "2": "carrier.update",
    "3": "carrier.signed",
    "4": "carrier.problem",
    "10": "none",
    "201": "carrier.update",
    "202": "carrier.update",
    "211": "carrier.update",
    "301": "carrier.signed",
    "302": "carrier.signed",
    "304": "carrier.signed",
    "311": "carrier.signed",
    "401": "carrier.problem",
    "402": "carrier.problem",
    "403": "carrier.problem",
    "404": "carrier.problem",
    "405": "carrier.problem",
    "406": "carrier.problem",
    "407": "carrier.problem",
    "412": "carrier.problem",
    "413": "carrier.problem",
  }),
];

/** The shipped tables. Pinduoduo's refund codes are unconfirmed (DOMAIN.md marks them (?)). */
export const DEFAULT_STATUS_MAPS: Record<StatusPlatform, StatusMapEntry[]> = {
  // GraphQL OrderDisplayFinancialStatus / OrderDisplayFulfillmentStatus (REST values are normalised to these).
  shopify: [
    ...rows("financial", {
      PENDING: "none",
      AUTHORIZED: "none",
      PARTIALLY_PAID: "none",
      PAID: "payment.confirmed",
      PARTIALLY_REFUNDED: "refund.succeeded",
      REFUNDED: "refund.succeeded",
      VOIDED: "order.cancelled",
      EXPIRED: "order.cancelled",
    }),
    ...rows("fulfillment", {
      UNFULFILLED: "none",
      SCHEDULED: "none",
      ON_HOLD: "none",
      OPEN: "none",
      IN_PROGRESS: "none",
      PENDING_FULFILLMENT: "none",
      PARTIALLY_FULFILLED: "none",
      REQUEST_DECLINED: "none",
      RESTOCKED: "none",
      FULFILLED: "wms.outbound",
    }),
  ],
  taobao: rows("status", {
    TRADE_NO_CREATE_PAY: "none",
    WAIT_BUYER_PAY: "none",
    PAY_PENDING: "none",
    WAIT_PRE_AUTH_CONFIRM: "none",
    WAIT_SELLER_SEND_GOODS: "payment.confirmed",
    PAID_FORBID_CONSIGN: "payment.confirmed",
    SELLER_CONSIGNED_PART: "none",
    WAIT_BUYER_CONFIRM_GOODS: "wms.outbound",
    TRADE_BUYER_SIGNED: "carrier.signed",
    TRADE_FINISHED: "carrier.signed",
    TRADE_CLOSED: "order.cancelled",
    TRADE_CLOSED_BY_TAOBAO: "order.cancelled",
  }),
  douyin: rows("order_status", { "1": "none", "105": "payment.confirmed", "2": "payment.confirmed", "101": "none", "3": "wms.outbound", "4": "order.cancelled", "5": "carrier.signed" }),
  pinduoduo: [
    ...rows("order_status", { "1": "payment.confirmed", "2": "wms.outbound", "3": "carrier.signed" }),
    ...rows("refund_status", { "1": "none", "2": "refund.requested", "3": "refund.requested", "4": "refund.succeeded" }),
  ],
  shopee: rows("order_status", {
    UNPAID: "none",
    READY_TO_SHIP: "payment.confirmed",
    PROCESSED: "none",
    SHIPPED: "wms.outbound",
    TO_CONFIRM_RECEIVE: "carrier.signed",
    COMPLETED: "carrier.signed",
    IN_CANCEL: "none",
    CANCELLED: "order.cancelled",
    INVOICE_PENDING: "none",
  }),
  jushuitan: [
    ...rows("status", {
      WaitPay: "none",
      WaitConfirm: "payment.confirmed",
      WaitFConfirm: "none",
      Delivering: "none",
      Merged: "none",
      Split: "none",
      Question: "none",
      WaitOuterSent: "none",
      Sent: "wms.outbound",
      Cancelled: "order.cancelled",
    }),
    // Sales outbound records (/open/orders/out/simple/query): only a confirmed outbound left the warehouse.
    ...rows("out_status", { WaitConfirm: "none", Confirmed: "wms.outbound", Cancelled: "none", Archive: "none" }),
  ],
  wangdiantong: [
    ...rows("trade_status", { "5": "order.cancelled", "10": "none", "30": "payment.confirmed", "35": "none", "55": "none", "95": "wms.outbound", "100": "carrier.signed", "110": "none" }),
    // Sales outbound (stockout) records: cancelled, awaiting review, reviewed, shipped, completed. [S] codes from client code.
    ...rows("stockout_status", { "5": "none", "50": "none", "55": "none", "95": "wms.outbound", "110": "wms.outbound" }),
  ],
  youzan: rows("status", {
    WAIT_BUYER_PAY: "none",
    WAIT_SELLER_SEND_GOODS: "payment.confirmed",
    WAIT_BUYER_CONFIRM_GOODS: "wms.outbound",
    TRADE_BUYER_SIGNED: "carrier.signed",
    TRADE_SUCCESS: "carrier.signed",
    TRADE_CLOSED: "order.cancelled",
    TRADE_CLOSE: "order.cancelled",
  }),
  kdniao: KDNIAO_STATUS_MAP,
};

/** A platform's table with a workspace's overrides laid over the defaults (an override replaces the default of its field and value). */
export function effectiveStatusMap(platform: StatusPlatform, overrides: readonly StatusMapEntry[]): (StatusMapEntry & { custom: boolean })[] {
  const key = (e: { field: string; value: string }) => `${e.field}\u0000${e.value}`;
  const out = new Map<string, StatusMapEntry & { custom: boolean }>();
  for (const e of DEFAULT_STATUS_MAPS[platform]) out.set(key(e), { ...e, custom: false });
  for (const e of overrides) out.set(key(e), { ...e, custom: true });
  return [...out.values()];
}

/** Looks a status value up; `undefined` when it is unmapped. */
export function lookupStatus(table: readonly StatusMapEntry[], field: string, value: string): StatusTarget | undefined {
  return table.find((e) => e.field === field && e.value === value)?.event;
}
