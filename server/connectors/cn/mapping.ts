import type { EventInput } from "../../contracts/events.js";
import type { UnmappedSighting } from "../../domain/connectors/ports.js";
import { lookupStatus, type StatusMapEntry, type StatusTarget } from "../../domain/connectors/statusMaps.js";
import type { Channel } from "../../domain/channels.js";

/** Facts a status event can carry, by target (only what the platform gave). */
export interface StatusFacts {
  paidAt?: string | null;
  outboundAt?: string | null;
  warehouse?: string | null;
  signedAt?: string | null;
  reason?: string | null;
}

/** Builds events of one platform record: ids are derived from the record, so a fact read twice enters once. */
export class RecordEvents {
  readonly events: EventInput[] = [];
  readonly unmapped: UnmappedSighting[] = [];

  constructor(
    private readonly opts: { source: string; idPrefix: string; channel: Channel; externalOrderId: string; occurredAt: string | null; sample: Record<string, unknown> },
  ) {}

  private push(id: string, type: string, data: Record<string, unknown>): void {
    const o = this.opts;
    this.events.push({
      source: o.source,
      sourceEventId: `${o.idPrefix}:${id}`,
      channel: o.channel,
      externalOrderId: o.externalOrderId,
      type,
      data,
      ...(o.occurredAt ? { occurredAt: o.occurredAt } : {}),
    } as EventInput);
  }

  /** A status value through the platform's table: its event, nothing (`none`), or an unmapped sighting kept with the sample. */
  status(table: readonly StatusMapEntry[], field: string, value: string | null | undefined, facts: StatusFacts, idPart: string | ((target: StatusTarget) => string) = `${field}:${value}`): void {
    if (value === null || value === undefined || value === "") return;
    const target = lookupStatus(table, field, value);
    if (target === undefined) {
      this.unmapped.push({ channel: this.opts.channel, externalOrderId: this.opts.externalOrderId, field, value, sample: this.opts.sample });
      return;
    }
    if (target === "none") return;
    this.push(typeof idPart === "function" ? idPart(target) : idPart, target, dataFor(target, facts, this.opts.occurredAt));
  }

  /** A waybill number the platform assigned. */
  waybill(carrier: string | null | undefined, waybillNo: string | null | undefined): void {
    if (!waybillNo || !waybillNo.trim()) return;
    this.push(`waybill:${waybillNo.trim()}`, "waybill.assigned", { carrier: carrier?.trim() || "unknown", waybillNo: waybillNo.trim() });
  }
}

function dataFor(target: Exclude<StatusTarget, "none">, f: StatusFacts, at: string | null): Record<string, unknown> {
  switch (target) {
    case "payment.confirmed":
      return f.paidAt ? { paidAt: f.paidAt } : {};
    case "wms.outbound":
      return { outboundAt: f.outboundAt ?? at ?? new Date().toISOString(), ...(f.warehouse ? { warehouse: f.warehouse.slice(0, 500) } : {}) };
    case "carrier.signed":
      return f.signedAt ? { signedAt: f.signedAt } : {};
    case "order.cancelled":
      return f.reason ? { reason: f.reason.slice(0, 500) } : {};
    default:
      return {};
  }
}

/** A decimal amount (yuan, as a number or a string) in fen. */
export function fen(v: string | number | null | undefined): number {
  if (v === null || v === undefined || v === "") return 0;
  const n = typeof v === "number" ? v : Number(v);
  return Number.isFinite(n) && n > 0 ? Math.round(n * 100) : 0;
}

/** The sales channel of a shop's records: its own entry, else the connector's channel. */
export function channelOf(shopId: string | null, config: { channel: string; shopChannels?: Record<string, string> }): string {
  return (shopId && config.shopChannels?.[shopId]) || config.channel;
}
