import { z } from "zod";
import { boundedInstant } from "./common.js";

/**
 * Incoming facts. Every fact — a sheet edit, a connector pull, a webhook, a timer —
 * enters as one event, unique by `(source, sourceEventId)`.
 */

/** An ISO-8601 instant with an explicit offset or Z. */
const Instant = boundedInstant();

/** An amount in integer minor units (fen/cents). */
const MinorUnits = z.int({ error: "must be an integer amount in minor units (fen/cents)" }).nonnegative("must not be negative");

const NonEmpty = z.string().trim().min(1, "must not be empty").max(500, "must be at most 500 characters");

/** The payload schema of each event type. Payload objects refuse unknown fields. */
export const EVENT_DATA = {
  /** The channel confirms the payment. */
  "payment.confirmed": z.strictObject({ paidAt: Instant.optional() }),
  /** The WMS printed the shipping label; goods are still in the warehouse. */
  "wms.printed": z.strictObject({ printedAt: Instant.optional() }),
  /** The WMS reports the parcel left the warehouse. */
  "wms.outbound": z.strictObject({ outboundAt: Instant, warehouse: NonEmpty.optional() }),
  /** A carrier waybill number was assigned/uploaded. */
  "waybill.assigned": z.strictObject({ carrier: NonEmpty, waybillNo: NonEmpty }),
  /** The carrier collected the parcel. */
  "carrier.collected": z.strictObject({ collectedAt: Instant.optional() }),
  /** A tracking update (Kdniao `State`/`StateEx` as text, e.g. "2", "201"). */
  "carrier.update": z.strictObject({ state: NonEmpty.optional(), location: NonEmpty.optional() }),
  /** The customer signed for the parcel. */
  "carrier.signed": z.strictObject({ signedAt: Instant.optional() }),
  /** The carrier reports a problem (refused, lost, overdue …). */
  "carrier.problem": z.strictObject({ reason: NonEmpty }),
  /** The customer asked for a refund on the channel. */
  "refund.requested": z.strictObject({ amount: MinorUnits.optional() }),
  /** The channel refunded; `stockRestored` says whether the ERP put the stock back. */
  "refund.succeeded": z.strictObject({ amount: MinorUnits.optional(), stockRestored: z.boolean().optional() }),
  /** The channel or the customer cancelled the order. */
  "order.cancelled": z.strictObject({ reason: NonEmpty.optional() }),
  /** Finance booked the receivable for this order. */
  "finance.receivable": z.strictObject({ amount: MinorUnits }),
  /** A named production/service milestone (factory, installation …), e.g. `boards_outbound`. */
  milestone: z.strictObject({
    code: z.string().regex(/^[a-z][a-z0-9_]*$/, "must be a snake_case code like boards_outbound"),
    at: Instant.optional(),
  }),
  /** A workflow timer came due (emitted by the SLA scheduler, source `timer:sla`). */
  "timer.fired": z.strictObject({ timerId: NonEmpty }),
  /** A person asks to move the order to `to`, based on the order version they saw. */
  "manual.command": z.strictObject({
    to: z.string().min(1, "must name the target status"),
    baseVersion: z.int({ error: "must be the integer order version the edit was based on" }).positive("must be ≥ 1"),
    note: z.string().max(2000, "must be at most 2000 characters").optional(),
  }),
} as const;

/** Every event type, in a stable order (for dropdowns, schemas and reports). */
export const EVENT_TYPES = Object.keys(EVENT_DATA) as [EventType, ...EventType[]];

/** An event type name. */
export type EventType = keyof typeof EVENT_DATA;

/** The payload of one event type. */
export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;

/** An event type a transition may use as its trigger (timers and manual commands have their own mechanics). */
export type TriggerEventType = Exclude<EventType, "manual.command" | "timer.fired">;

/** Every `TriggerEventType`. */
export const TRIGGER_EVENT_TYPES = EVENT_TYPES.filter(
  (t): t is TriggerEventType => t !== "manual.command" && t !== "timer.fired",
) as [TriggerEventType, ...TriggerEventType[]];

/**
 * Event types that ask for a status change rather than report a fact: when no transition
 * accepts them the engine refuses them instead of only recording their facts.
 */
export const REQUEST_EVENT_TYPES: readonly EventType[] = ["order.cancelled", "refund.requested", "manual.command"];

const envelope = {
  /** Who produced the fact, as `kind:name`: `connector:kdniao`, `sheet:li.li`, `timer:sla`. */
  source: z
    .string()
    .regex(/^[a-z][a-z0-9_-]*:\S+$/, 'must look like "kind:name", e.g. "connector:kdniao" or "sheet:li.li"')
    .max(200, "must be at most 200 characters"),
  /** The producer's own id for this fact; `(source, sourceEventId)` is unique. */
  sourceEventId: z.string().min(1, "must not be empty").max(200, "must be at most 200 characters"),
  orderId: z.string().min(1).max(64).optional(),
  channel: z.string().min(1).max(64).optional(),
  externalOrderId: z.string().min(1).max(200).optional(),
  occurredAt: Instant.optional(),
};

function variant<T extends EventType>(type: T) {
  return z.strictObject({ ...envelope, type: z.literal(type), data: EVENT_DATA[type] as (typeof EVENT_DATA)[T] });
}

const variants = [
  variant("payment.confirmed"),
  variant("wms.printed"),
  variant("wms.outbound"),
  variant("waybill.assigned"),
  variant("carrier.collected"),
  variant("carrier.update"),
  variant("carrier.signed"),
  variant("carrier.problem"),
  variant("refund.requested"),
  variant("refund.succeeded"),
  variant("order.cancelled"),
  variant("finance.receivable"),
  variant("milestone"),
  variant("timer.fired"),
  variant("manual.command"),
] as const;

/**
 * One incoming fact. The order is located by `orderId`, or by `channel` + `externalOrderId`.
 * `occurredAt` is when the fact happened at its source (defaults to the processing time).
 */
export const EventInput = z
  .discriminatedUnion("type", variants, { error: `type must be one of: ${Object.keys(EVENT_DATA).join(", ")}` })
  .superRefine((e, ctx) => {
    if (!e.orderId && !(e.channel && e.externalOrderId)) {
      ctx.addIssue({
        code: "custom",
        path: ["orderId"],
        message: "locate the order with orderId, or with both channel and externalOrderId",
      });
    }
  });
export type EventInput = z.infer<typeof EventInput>;

/** An event of one given type. */
export type EventOf<T extends EventType> = Extract<EventInput, { type: T }>;
