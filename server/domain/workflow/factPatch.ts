import type { EventInput } from "../../contracts/events.js";
import type { Order } from "../order.js";
import type { FieldChange } from "./decision.js";
import { isoAt } from "./isoAt.js";
import { readFact, type OrderFactName, type OrderFactValue } from "./orderFacts.js";

/** The facts an event adds to an order: the fields to write and what they were before. */
export interface FactPatch {
  patch: Partial<Order>;
  changes: FieldChange[];
}

type Column = "paidAt" | "outboundAt" | "warehouse" | "carrier" | "waybillNo";

/**
 * How a value is written: `set` overwrites with an explicit value from the event,
 * `fill` only fills a blank (used for times defaulted from when the event happened),
 * `later` keeps the latest instant (tracking news).
 */
type Mode = "set" | "fill" | "later";

const CANONICAL_UTC = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** Normalises an ISO instant to UTC with milliseconds (`…000Z`), the storage form. */
function utc(iso: string): string {
  return CANONICAL_UTC.test(iso) ? iso : new Date(iso).toISOString();
}

class PatchBuilder {
  readonly patch: Partial<Order> = {};
  readonly changes: FieldChange[] = [];
  private extra: Record<string, unknown> | null = null;

  constructor(private readonly order: Order) {}

  column(name: Column, value: string | undefined, mode: Mode): void {
    if (value === undefined) return;
    const old = this.order[name];
    if (!shouldWrite(old, value, mode)) return;
    this.patch[name] = value;
    this.changes.push({ field: name, old, new: value });
  }

  fact(name: OrderFactName, value: OrderFactValue | undefined, mode: Mode): void {
    if (value === undefined) return;
    const old = readFact(this.order, name);
    if (!shouldWrite(old, value, mode)) return;
    this.extra ??= { ...this.order.extra };
    this.extra[name] = value;
    this.changes.push({ field: `extra.${name}`, old, new: value });
  }

  milestone(code: string, at: string, mode: Mode): void {
    const all = (readFact(this.order, "milestones") as Record<string, string> | null) ?? {};
    const old = typeof all[code] === "string" ? all[code] : null;
    if (!shouldWrite(old, at, mode)) return;
    this.extra ??= { ...this.order.extra };
    this.extra.milestones = { ...all, [code]: at };
    this.changes.push({ field: `extra.milestones.${code}`, old, new: at });
  }

  build(): FactPatch {
    if (this.extra) this.patch.extra = this.extra;
    return { patch: this.patch, changes: this.changes };
  }
}

function shouldWrite(old: unknown, value: OrderFactValue, mode: Mode): boolean {
  if (old === null || old === undefined) return true;
  if (mode === "fill") return false;
  if (mode === "later") return Date.parse(value as string) > Date.parse(old as string);
  return old !== value;
}

/** An explicit payload time overwrites; otherwise the event time only fills a blank. */
function when(explicit: string | undefined, at: string): [string, Mode] {
  return explicit ? [utc(explicit), "set"] : [at, "fill"];
}

/**
 * The facts `event` carries, as a patch on `order`: payment → `paidAt`, WMS outbound →
 * `outboundAt`/`warehouse`, waybill → `carrier`/`waybillNo`, tracking → `extra.lastTrackAt` …
 * Times missing from the payload default to `event.occurredAt`, else `now`, and only fill
 * blanks. A fact already known yields no change.
 */
export function factPatch(order: Order, event: EventInput, now: Date): FactPatch {
  const b = new PatchBuilder(order);
  const at = event.occurredAt ? utc(event.occurredAt) : isoAt(now.getTime());

  switch (event.type) {
    case "payment.confirmed":
      b.column("paidAt", ...when(event.data.paidAt, at));
      break;
    case "wms.printed":
      b.fact("printedAt", ...when(event.data.printedAt, at));
      break;
    case "wms.outbound":
      b.column("outboundAt", utc(event.data.outboundAt), "set");
      b.column("warehouse", event.data.warehouse, "set");
      break;
    case "waybill.assigned":
      b.column("carrier", event.data.carrier, "set");
      b.column("waybillNo", event.data.waybillNo, "set");
      break;
    case "carrier.collected": {
      const [collectedAt, mode] = when(event.data.collectedAt, at);
      b.fact("collectedAt", collectedAt, mode);
      b.fact("lastTrackAt", collectedAt, "later");
      break;
    }
    case "carrier.update":
      b.fact("lastTrackAt", at, "later");
      b.fact("trackState", event.data.state, "set");
      b.fact("trackLocation", event.data.location, "set");
      break;
    case "carrier.signed": {
      const [signedAt, mode] = when(event.data.signedAt, at);
      b.fact("signedAt", signedAt, mode);
      b.fact("lastTrackAt", signedAt, "later");
      break;
    }
    case "carrier.problem":
      b.fact("problemReason", event.data.reason, "set");
      b.fact("lastTrackAt", at, "later");
      break;
    case "refund.requested":
      b.fact("refundRequestedAt", at, "fill");
      b.fact("refundRequestedAmount", event.data.amount, "set");
      break;
    case "refund.succeeded":
      b.fact("refundedAt", at, "fill");
      b.fact("refundedAmount", event.data.amount, "set");
      b.fact("stockRestored", event.data.stockRestored, "set");
      break;
    case "order.cancelled":
      b.fact("cancelledAt", at, "fill");
      b.fact("cancelReason", event.data.reason, "set");
      break;
    case "finance.receivable":
      b.fact("receivableAmount", event.data.amount, "set");
      break;
    case "milestone":
      b.milestone(event.data.code, ...when(event.data.at, at));
      break;
    case "timer.fired":
    case "manual.command":
      break;
  }
  return b.build();
}

/** A copy of `order` built field by field, so every copy shares one object shape (fast in hot loops). */
function copyOrder(o: Order): Order {
  const copy: Order = {
    id: o.id,
    workspaceId: o.workspaceId,
    channel: o.channel,
    externalOrderId: o.externalOrderId,
    status: o.status,
    workflowVersion: o.workflowVersion,
    version: o.version,
    customer: o.customer,
    totalAmount: o.totalAmount,
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
    promisedAt: o.promisedAt,
    statusSince: o.statusSince,
    createdAt: o.createdAt,
    updatedAt: o.updatedAt,
  };
  if (o.lines !== undefined) copy.lines = o.lines;
  return copy;
}

/** The order as it is after `patch` (a new object; the input is not touched). Only Order fields are copied. */
export function applyPatch(order: Order, patch: Partial<Order>): Order {
  const next = copyOrder(order) as unknown as Record<string, unknown>;
  for (const key in patch) next[key] = patch[key as keyof Order];
  return next as unknown as Order;
}

/**
 * When the fact `event` reports happened, as the platform says: the payload's own time
 * (paid, printed, outbound, collected, signed), else the event's `occurredAt`, else `now`.
 * A move an event causes starts its status clock here, so an order whose facts arrive late
 * (an import, a backlog) shows and times its status from the platform's facts.
 */
export function factTime(event: EventInput, now: Date): string {
  const at = event.occurredAt ? utc(event.occurredAt) : isoAt(now.getTime());
  const data = (event.data ?? {}) as Record<string, unknown>;
  const own: Partial<Record<EventInput["type"], unknown>> = {
    "payment.confirmed": data.paidAt,
    "wms.printed": data.printedAt,
    "wms.outbound": data.outboundAt,
    "carrier.collected": data.collectedAt,
    "carrier.signed": data.signedAt,
  };
  const explicit = own[event.type];
  return typeof explicit === "string" && explicit ? utc(explicit) : at;
}
