import type { Order } from "../order.js";

/**
 * Facts the workflow engine records that have no column on `Order`. They are kept in
 * `order.extra` under these keys (timestamps as UTC ISO strings, amounts in integer minor
 * units) and exposed to guards as typed fields of `order` (`order.signedAt` …).
 */
export const ORDER_FACTS = {
  /** The WMS printed the label. */
  printedAt: "timestamp",
  /** The carrier collected the parcel. */
  collectedAt: "timestamp",
  /** The latest tracking news of any kind (collect, update, problem, signature). */
  lastTrackAt: "timestamp",
  /** The latest carrier state code (Kdniao `State`/`StateEx` as text). */
  trackState: "string",
  trackLocation: "string",
  problemReason: "string",
  signedAt: "timestamp",
  refundRequestedAt: "timestamp",
  refundRequestedAmount: "int",
  refundedAt: "timestamp",
  refundedAmount: "int",
  /** Whether the ERP put the stock back after a refund, as reported with the refund. */
  stockRestored: "bool",
  cancelledAt: "timestamp",
  cancelReason: "string",
  /** The receivable booked by finance, to compare with `totalAmount`. */
  receivableAmount: "int",
  /** Milestone code → when it was reached (furniture factory steps, installation …). */
  milestones: "map<string, timestamp>",
} as const;

/** The name of a recorded fact. */
export type OrderFactName = keyof typeof ORDER_FACTS;

/** The stored value of a fact: ISO string, integer, boolean, text, or the milestone record. */
export type OrderFactValue = string | number | boolean | Record<string, string>;

/**
 * Reads one fact from `order.extra`, or null when it is absent or of the wrong JSON type.
 * Timestamps are not parsed here (hot path); readers treat an unparsable one as absent.
 */
export function readFact(order: Pick<Order, "extra">, name: OrderFactName): OrderFactValue | null {
  const v = order.extra?.[name];
  switch (ORDER_FACTS[name]) {
    case "timestamp":
    case "string":
      return typeof v === "string" ? v : null;
    case "int":
      return typeof v === "number" && Number.isSafeInteger(v) ? v : null;
    case "bool":
      return typeof v === "boolean" ? v : null;
    default:
      return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, string>) : null;
  }
}
