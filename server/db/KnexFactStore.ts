import type { Knex } from "knex";
import type { EventInput } from "../contracts/events.js";
import type { FactDisputeView, FactPrecedencePolicy } from "../contracts/facts.js";
import type { FactStore, HeldFact } from "../domain/workflow/factStore.js";
import { loadPolicy } from "./factPrecedence.js";

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());

/** Source precedence per workspace, the disputes it settled, and the facts a frozen order holds. */
export class KnexFactStore implements FactStore {
  constructor(private readonly knex: Knex) {}

  precedence(workspaceId: string): Promise<{ policy: FactPrecedencePolicy; custom: boolean }> {
    return loadPolicy(this.knex, workspaceId);
  }

  async putPrecedence(workspaceId: string, policy: FactPrecedencePolicy, by: string, now: Date): Promise<void> {
    await this.knex("fact_precedence")
      .insert({ workspace_id: workspaceId, policy: JSON.stringify(policy), updated_by: by, updated_at: now.toISOString() })
      .onConflict("workspace_id")
      .merge(["policy", "updated_by", "updated_at"]);
  }

  async disputes(workspaceId: string, orderId: string): Promise<FactDisputeView[]> {
    const rows = await this.knex("fact_disputes").where({ workspace_id: workspaceId, order_id: orderId }).orderBy("id", "desc").limit(500);
    return rows.map((r) => ({
      id: String(r.id),
      orderId: r.order_id,
      fact: r.fact,
      kept: { value: r.kept_value, source: r.kept_source, class: r.kept_class },
      lost: { value: r.lost_value, source: r.lost_source, class: r.lost_class },
      winner: r.winner,
      diffMinutes: r.diff_minutes === null ? null : Number(r.diff_minutes),
      frozen: Boolean(r.frozen),
      sourceEventId: r.source_event_id,
      at: iso(r.at)!,
      resolvedAt: iso(r.resolved_at),
      resolvedBy: r.resolved_by ?? null,
    }));
  }

  async resolve(workspaceId: string, orderId: string, by: string, note: string | undefined, now: Date): Promise<number> {
    return this.knex("fact_disputes")
      .where({ workspace_id: workspaceId, order_id: orderId, frozen: true })
      .whereNull("resolved_at")
      .update({ resolved_at: now.toISOString(), resolved_by: by, resolution: note ?? null });
  }

  async held(workspaceId: string, orderId: string, after: number, limit: number): Promise<HeldFact[]> {
    const rows = await this.knex("events_inbox")
      .where({ workspace_id: workspaceId, order_id: orderId, outcome: "held" })
      .andWhere("id", ">", after)
      .orderBy("id")
      .limit(limit)
      .select("id", "actor", "payload");
    return rows.map((r) => ({ inboxId: Number(r.id), actor: r.actor, event: (typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload) as EventInput }));
  }
}
