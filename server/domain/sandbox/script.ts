import type { EventData, EventInput, EventType } from "../../contracts/events.js";
import type { Order } from "../order.js";
import type { Actor } from "../workflow/decision.js";
import type { Related } from "../workflow/guardContext.js";
import { isoAt } from "../workflow/isoAt.js";
import type { Rng } from "./prng.js";

export { isoAt };

/** One thing that happens to a synthetic order, at `at` (epoch ms). */
export type SyntheticStep = { at: number; actor: Actor; related?: Related } & (
  | { kind: "event"; event: EventInput }
  /** A person picks a status in the sheet; `stale` edits are based on an outdated version. */
  | { kind: "manual"; to: string; stale?: boolean }
);

/** A synthetic order: its data as imported, and what happens to it, in time order. */
export interface SyntheticOrder {
  /** The scenario that produced it, e.g. "happy_path", "stall" — for the report. */
  scenario: string;
  order: Order;
  steps: SyntheticStep[];
}

/** The identity connectors act under in synthetic streams. */
export const CONNECTOR: Actor = { role: "admin", name: "sandbox-connector" };
export const CUSTOMER_SERVICE: Actor = { role: "customer_service", name: "sandbox-cs" };
export const WAREHOUSE: Actor = { role: "warehouse", name: "sandbox-warehouse" };
export const FINANCE: Actor = { role: "finance", name: "sandbox-finance" };

const MINUTE = 60_000;
/** Writes one order's steps while moving a clock forward. */
export class Script {
  readonly steps: SyntheticStep[] = [];
  private n = 0;

  constructor(
    readonly order: Order,
    readonly rng: Rng,
    /** The script clock, epoch ms. */
    public t: number,
  ) {}

  /** The clock as an ISO instant. */
  iso(): string {
    return isoAt(this.t);
  }

  /** Moves the clock forward by a random whole number of minutes in [min, max]. */
  wait(minMinutes: number, maxMinutes: number): this {
    this.t += this.rng.int(minMinutes, maxMinutes) * MINUTE;
    return this;
  }

  /** A connector event happening now. */
  event<T extends EventType>(type: T, data: EventData<T>, actor: Actor = CONNECTOR, related?: Related): this {
    this.n += 1;
    const event = {
      source: "sandbox:stream",
      sourceEventId: `${this.order.id}:${this.n}`,
      orderId: this.order.id,
      occurredAt: this.iso(),
      type,
      data,
    } as EventInput;
    this.steps.push(related ? { at: this.t, actor, related, kind: "event", event } : { at: this.t, actor, kind: "event", event });
    return this;
  }

  /** A person choosing status `to` in the sheet now. */
  manual(to: string, actor: Actor, stale = false): this {
    this.steps.push(stale ? { at: this.t, actor, kind: "manual", to, stale } : { at: this.t, actor, kind: "manual", to });
    return this;
  }
}
