import { Duration } from "@marcbachmann/cel-js/evaluator";
import type { EventInput } from "../../contracts/events.js";
import type { Customer, Order, OrderLine } from "../order.js";
import { ORDER_FACTS, readFact, type OrderFactName } from "./orderFacts.js";

/**
 * The typed variables a guard sees. CEL integers are BigInt and times are
 * `google.protobuf.Timestamp`/`Duration`; the views below convert the domain objects
 * lazily (a field is only converted when a guard reads it). A field whose value is null
 * is *absent*: test it with `has(order.waybillNo)` before comparing.
 *
 * - `order`   — the order after the event's facts are applied (fields in `ORDER_FIELDS`):
 *               money as int minor units, `tags` list<string>, `lines` with `flags`,
 *               recorded facts such as `order.signedAt`, `order.milestones["boards_outbound"]`.
 * - `event`   — `type`, `source`, `occurredAt` and `data` (the payload fields of all event
 *               types in one flat type, `EVENT_DATA_FIELDS`; absent unless the event has them).
 * - `now`     — the decision time (timestamp).
 * - `heldFor` — how long the order has been in its current status (duration).
 * - `tz`      — the workspace time zone, for `order.paidAt.getHours(tz) < 12`.
 * - `related` — counts across orders that the caller computes (`RELATED_NAMES`); 0 when not given.
 *
 * Helpers: `minutes(n)`, `hours(n)`, `days(n)` build durations (`heldFor > hours(2)`),
 * `abs(int)` for differences, `hourIn(t, tz)` for the local hour (faster than the
 * built-in `t.getHours(tz)`, same result).
 */

/** CEL type names. `timestamp`/`duration` are spelled by their protobuf names for the library. */
const TS = "google.protobuf.Timestamp";
export const CEL_DURATION = "google.protobuf.Duration";
export const CEL_TIMESTAMP = TS;

const celType = (t: string): string => t.replace("timestamp", TS);

/** Numbers across orders, computed by the caller, that guards read as `related.<name>`. */
export const RELATED_NAMES = {
  /** Other orders by the same customer on other channels within the last 30 minutes. */
  sameCustomerOtherChannels30m: "int",
  /** Status disagreements between systems (not staff's stale edits) recorded today on the order's channel. */
  channelConflictsToday: "int",
  /** Times this order's status flipped between conflicting values in the last 24 hours. */
  orderStatusJumps24h: "int",
} as const;
/** The counts a caller may pass to the engine. */
export type Related = Partial<Record<keyof typeof RELATED_NAMES, number>>;

/** The payload fields of every event type, flattened (one type per name across all events). */
export const EVENT_DATA_FIELDS = {
  paidAt: "timestamp",
  printedAt: "timestamp",
  outboundAt: "timestamp",
  warehouse: "string",
  carrier: "string",
  waybillNo: "string",
  collectedAt: "timestamp",
  state: "string",
  location: "string",
  signedAt: "timestamp",
  reason: "string",
  amount: "int",
  stockRestored: "bool",
  code: "string",
  at: "timestamp",
  timerId: "string",
  to: "string",
  baseVersion: "int",
  note: "string",
} as const;

const SRC = Symbol("source");

/** Converts a domain value to its CEL form for a declared type; null/undefined/malformed → absent. */
function toCel(type: string, v: unknown): unknown {
  if (v === null || v === undefined) return undefined;
  switch (type) {
    case "string":
      return typeof v === "string" ? v : undefined;
    case "bool":
      return typeof v === "boolean" ? v : undefined;
    case "int":
      return typeof v === "number" && Number.isSafeInteger(v) ? BigInt(v) : undefined;
    case "timestamp": {
      if (typeof v !== "string") return undefined;
      const d = new Date(v);
      return Number.isNaN(d.getTime()) ? undefined : d;
    }
    case "map<string, timestamp>": {
      const out: Record<string, Date> = {};
      for (const [k, s] of Object.entries(v as Record<string, unknown>)) {
        const d = toCel("timestamp", s);
        if (d) out[k] = d as Date;
      }
      return out;
    }
    default:
      return v;
  }
}

/** JSON-ish business data for a `dyn` map: integers become CEL ints, the rest stays as is. */
function toCelDyn(v: unknown): unknown {
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : v;
  if (Array.isArray(v)) return v.map(toCelDyn);
  if (v !== null && typeof v === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toCelDyn(x);
    return out;
  }
  return v;
}

type FieldSpec<T> = Record<string, { type: string; read: (src: T) => unknown }>;

/** Builds a view class whose getters convert `src` fields on access. */
function viewClass<T>(name: string, spec: FieldSpec<T>): { new (src: T): object; fields: Record<string, string> } {
  const View = { [name]: class { [SRC]: T; constructor(src: T) { this[SRC] = src; } } }[name];
  const fields: Record<string, string> = {};
  for (const [key, f] of Object.entries(spec)) {
    fields[key] = celType(f.type);
    Object.defineProperty(View.prototype, key, {
      get(this: { [SRC]: T }) {
        return f.read(this[SRC]);
      },
    });
  }
  return Object.assign(View, { fields }) as unknown as { new (src: T): object; fields: Record<string, string> };
}

function plain<T>(type: string, pick: (src: T) => unknown) {
  return { type, read: (src: T) => toCel(type, pick(src)) };
}

const customerSpec: FieldSpec<Customer> = {
  id: plain("string", (c) => c.id),
  name: plain("string", (c) => c.name),
  phone: plain("string", (c) => c.phone),
};
/** The CEL view of `Customer`. */
export const CustomerView = viewClass("Customer", customerSpec);

const lineSpec: FieldSpec<OrderLine> = {
  lineNo: plain("int", (l) => l.lineNo),
  sku: plain("string", (l) => l.sku),
  name: plain("string", (l) => l.name),
  quantity: plain("int", (l) => l.quantity),
  unitPrice: plain("int", (l) => l.unitPrice),
  amount: plain("int", (l) => l.amount),
  flags: { type: "map<string, bool>", read: (l) => l.flags ?? {} },
};
/** The CEL view of `OrderLine`. */
export const OrderLineView = viewClass("OrderLine", lineSpec);

const orderSpec: FieldSpec<Order> = {
  id: plain("string", (o) => o.id),
  workspaceId: plain("string", (o) => o.workspaceId),
  channel: plain("string", (o) => o.channel),
  externalOrderId: plain("string", (o) => o.externalOrderId),
  status: plain("string", (o) => o.status),
  workflowVersion: plain("int", (o) => o.workflowVersion),
  version: plain("int", (o) => o.version),
  customer: { type: "Customer", read: (o) => new CustomerView(o.customer ?? { id: null, name: null, phone: null }) },
  totalAmount: plain("int", (o) => o.totalAmount),
  currency: plain("string", (o) => o.currency),
  region: plain("string", (o) => o.region),
  warehouse: plain("string", (o) => o.warehouse),
  carrier: plain("string", (o) => o.carrier),
  waybillNo: plain("string", (o) => o.waybillNo),
  tags: { type: "list<string>", read: (o) => o.tags ?? [] },
  extra: { type: "map<string, dyn>", read: (o) => toCelDyn(o.extra ?? {}) },
  placedAt: plain("timestamp", (o) => o.placedAt),
  paidAt: plain("timestamp", (o) => o.paidAt),
  outboundAt: plain("timestamp", (o) => o.outboundAt),
  promisedAt: plain("timestamp", (o) => o.promisedAt),
  statusSince: plain("timestamp", (o) => o.statusSince),
  createdAt: plain("timestamp", (o) => o.createdAt),
  updatedAt: plain("timestamp", (o) => o.updatedAt),
  lines: { type: "list<OrderLine>", read: (o) => (o.lines ?? []).map((l) => new OrderLineView(l)) },
};
for (const [name, type] of Object.entries(ORDER_FACTS)) {
  orderSpec[name] = plain(type, (o) => readFact(o, name as OrderFactName));
}
/** The CEL view of `Order`, including the recorded facts of `ORDER_FACTS`. */
export const OrderView = viewClass("Order", orderSpec);

/** The guard-visible field names and types of `order`. */
export const ORDER_FIELDS: Readonly<Record<string, string>> = OrderView.fields;

/** The part of an event a guard can see. Timers and manual checks pass a synthetic one. */
export interface GuardEvent {
  type: string;
  source: string;
  occurredAt?: string;
  data: Record<string, unknown>;
}

const dataSpec: FieldSpec<Record<string, unknown>> = {};
for (const [name, type] of Object.entries(EVENT_DATA_FIELDS)) dataSpec[name] = plain(type, (d) => d[name]);
/** The CEL view of an event payload. */
export const EventDataView = viewClass("EventData", dataSpec);

/** The CEL view of an event. */
export const EventView = viewClass<GuardEvent>("Event", {
  type: plain("string", (e) => e.type),
  source: plain("string", (e) => e.source),
  occurredAt: plain("timestamp", (e) => e.occurredAt),
  data: { type: "EventData", read: (e) => new EventDataView(e.data) },
});

const relatedSpec: FieldSpec<Related> = {};
for (const name of Object.keys(RELATED_NAMES)) {
  relatedSpec[name] = { type: "int", read: (r) => toCel("int", r[name as keyof Related]) ?? 0n };
}
/** The CEL view of the caller's cross-order counts (missing → 0). */
export const RelatedView = viewClass("Related", relatedSpec);

/** The default workspace time zone (DESIGN.md: times are shown in Asia/Shanghai unless set). */
export const DEFAULT_TIME_ZONE = "Asia/Shanghai";

/** Inputs of one guard evaluation, before conversion. */
export interface GuardInput {
  order: Order;
  event: GuardEvent;
  now: Date;
  related?: Related;
  tz?: string;
}

/** The variables handed to CEL for one evaluation. */
export type GuardActivation = Readonly<Record<string, unknown>>;

/** Marks an activation whose `related` counts are all absent (so related-only guards can be memoised). */
export const NO_RELATED = Symbol("noRelated");

/** The activation: variables are built on first read, so unread ones cost nothing. */
class LazyActivation {
  readonly [NO_RELATED]: boolean;
  #input: GuardInput;
  #order?: object;
  #event?: object;
  #related?: object;
  #heldFor?: Duration;

  constructor(input: GuardInput) {
    this.#input = input;
    this[NO_RELATED] = isEmpty(input.related);
  }

  get order(): object {
    return (this.#order ??= new OrderView(this.#input.order));
  }

  get event(): object {
    return (this.#event ??= new EventView(this.#input.event));
  }

  get now(): Date {
    return this.#input.now;
  }

  get heldFor(): Duration {
    if (!this.#heldFor) {
      const since = Date.parse(this.#input.order.statusSince);
      const held = Number.isNaN(since) ? 0 : Math.max(0, this.#input.now.getTime() - since);
      this.#heldFor = Duration.fromMilliseconds(held);
    }
    return this.#heldFor;
  }

  get tz(): string {
    return this.#input.tz ?? DEFAULT_TIME_ZONE;
  }

  get related(): object {
    return (this.#related ??= new RelatedView(this.#input.related ?? {}));
  }
}

function isEmpty(related: Related | undefined): boolean {
  if (!related) return true;
  for (const k in related) if (related[k as keyof Related] !== undefined) return false;
  return true;
}

/** The CEL activation for one decision; variables and their fields convert only when read. */
export function guardContext(input: GuardInput): GuardActivation {
  return new LazyActivation(input) as unknown as GuardActivation;
}

/** The synthetic event timers and manual checks evaluate guards with. */
export function eventForGuard(e: Pick<EventInput, "type" | "source" | "occurredAt" | "data">): GuardEvent {
  return { type: e.type, source: e.source, occurredAt: e.occurredAt, data: e.data as Record<string, unknown> };
}
