import type { Knex } from "knex";
import type { EventInput, EventType } from "../contracts/events.js";
import { FactPrecedencePolicy } from "../contracts/facts.js";
import type { Order } from "../domain/order.js";
import {
  DEFAULT_PRECEDENCE, PRECEDENCE_FACTS, PRECEDENCE_FACT_NAMES, factValue, precedenceFactOf, sourceClass, type FactDispute, type PrecedenceFact, type PrecedenceInput,
  type PrecedencePolicy,
} from "../domain/workflow/sourcePrecedence.js";
import type { FieldChange } from "../domain/workflow/decision.js";

/** The fact each event type may overwrite with an explicit time. */
const EVENT_FACT: Partial<Record<EventType, PrecedenceFact>> = {
  "payment.confirmed": "paidAt",
  "wms.outbound": "outboundAt",
  "carrier.collected": "collectedAt",
  "carrier.signed": "signedAt",
};

/** A workspace's precedence policy (the shipped default when it set none, or a stored one no longer valid). */
export async function loadPolicy(db: Knex, workspaceId: string): Promise<{ policy: PrecedencePolicy; custom: boolean }> {
  const row = await db("fact_precedence").where("workspace_id", workspaceId).first("policy");
  if (!row) return { policy: DEFAULT_PRECEDENCE, custom: false };
  const parsed = FactPrecedencePolicy.safeParse(typeof row.policy === "string" ? JSON.parse(row.policy) : row.policy);
  return parsed.success ? { policy: parsed.data, custom: true } : { policy: DEFAULT_PRECEDENCE, custom: false };
}

/** Orders of `orderIds` whose flow a dispute beyond the tolerance froze. */
export async function frozenOrders(db: Knex, workspaceId: string, orderIds: string[]): Promise<Set<string>> {
  if (orderIds.length === 0) return new Set();
  const rows = await db.raw(
    "select distinct order_id from fact_disputes where workspace_id = ? and order_id = any(?::text[]) and frozen and resolved_at is null",
    [workspaceId, orderIds] as unknown as readonly Knex.RawBinding[],
  );
  return new Set((rows.rows as { order_id: string }[]).map((r) => r.order_id));
}

/**
 * Precedence for one batch of events, loaded only when an event overwrites a fact the order
 * already has (rare): the workspace's policy, its connectors' kinds (to class
 * `connector:<id>` sources) and, per order, which source set each fact — from the audit
 * trail, then from the batch's own earlier events.
 */
export class BatchPrecedence {
  private policy?: PrecedencePolicy;
  private kinds?: Map<string, string>;
  private readonly holders = new Map<string, Partial<Record<PrecedenceFact, string>>>();
  private readonly loaded = new Set<string>();

  constructor(
    private readonly trx: Knex.Transaction,
    private readonly workspaceId: string,
  ) {}

  /** The precedence input for deciding `event` on `order`, or undefined when it overwrites nothing. */
  async forEvent(order: Order, event: EventInput): Promise<PrecedenceInput | undefined> {
    const fact = EVENT_FACT[event.type];
    if (!fact || factValue(order, fact) === null) return undefined;
    if (!this.policy) {
      this.policy = (await loadPolicy(this.trx, this.workspaceId)).policy;
      const rows = await this.trx("connector_instances").where("workspace_id", this.workspaceId).select("id", "kind");
      this.kinds = new Map(rows.map((r) => [`connector:${r.id}`, r.kind as string]));
    }
    if (!this.loaded.has(order.id)) {
      this.loaded.add(order.id);
      const fields = PRECEDENCE_FACT_NAMES.map((f) => PRECEDENCE_FACTS[f].field);
      const rows = await this.trx.raw(
        `select distinct on (field) field, source from audit_log
         where workspace_id = ? and order_id = ? and field = any(?::text[]) order by field, seq desc`,
        [this.workspaceId, order.id, fields] as unknown as readonly Knex.RawBinding[],
      );
      const fromAudit: Partial<Record<PrecedenceFact, string>> = {};
      for (const r of rows.rows as { field: string; source: string }[]) {
        const f = precedenceFactOf(r.field);
        if (f) fromAudit[f] = r.source;
      }
      this.holders.set(order.id, { ...fromAudit, ...this.holders.get(order.id) });
    }
    const kinds = this.kinds!;
    return { policy: this.policy, holders: this.holders.get(order.id) ?? {}, classOf: (s) => sourceClass(s, kinds) };
  }

  /** Notes which source set the facts an applied event changed (later events of the batch see it). */
  applied(orderId: string, source: string, changes: readonly FieldChange[]): void {
    let h: Partial<Record<PrecedenceFact, string>> | undefined;
    for (const c of changes) {
      const f = precedenceFactOf(c.field);
      if (!f) continue;
      h ??= this.holders.get(orderId) ?? {};
      h[f] = source;
    }
    if (h) this.holders.set(orderId, h);
  }
}

/** A dispute as a `fact_disputes` row. */
export function disputeRow(workspaceId: string, orderId: string, e: EventInput, d: FactDispute, nowIso: string): Record<string, unknown> {
  return {
    workspace_id: workspaceId, order_id: orderId, fact: d.fact,
    kept_value: d.kept.value, kept_source: d.kept.source, kept_class: d.kept.cls,
    lost_value: d.lost.value, lost_source: d.lost.source, lost_class: d.lost.cls,
    winner: d.winner, diff_minutes: Number.isFinite(d.diffMinutes) ? d.diffMinutes : null, frozen: d.frozen,
    source_event_id: `${e.source}/${e.sourceEventId}`, at: nowIso,
  };
}
