import type { Knex } from "knex";
import type { EventInput } from "../contracts/events.js";
import type { ChangeSignal } from "./ChangeSignal.js";
import { appendChanges } from "./KnexChangeFeed.js";
import type { ChannelStore, HeldEvent, PauseRecord } from "../domain/workflow/ports.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { HeldEvent, PauseRecord } from "../domain/workflow/ports.js";

/** Channel intake pauses (set by circuit-breaker rules) and the events they hold. */
export class KnexChannelStore implements ChannelStore {
  constructor(
    private readonly knex: Knex,
    private readonly signal: ChangeSignal,
  ) {}

  private heldQuery(db: Knex, workspaceId: string, channel?: string) {
    const q = db("events_inbox as e")
      .leftJoin("orders as o", function () {
        this.on("o.workspace_id", "=", "e.workspace_id").andOn("o.id", "=", "e.order_id");
      })
      .where("e.workspace_id", workspaceId)
      .andWhere("e.outcome", "held");
    if (channel) q.andWhereRaw("coalesce(e.channel, o.channel) = ?", [channel]);
    return q;
  }

  /** Paused channels with how many events each holds. */
  async list(workspaceId: string): Promise<PauseRecord[]> {
    const pauses = await this.knex("channel_pauses").where("workspace_id", workspaceId).orderBy("paused_at").select("channel", "reason", "source_id", "paused_at");
    const held = await this.heldQuery(this.knex, workspaceId)
      .groupByRaw("coalesce(e.channel, o.channel)")
      .select(this.knex.raw("coalesce(e.channel, o.channel) as channel"), this.knex.raw("count(*)::int as n"));
    const counts = new Map((held as unknown as { channel: string; n: number }[]).map((r) => [r.channel, Number(r.n)]));
    return pauses.map((p) => ({
      channel: p.channel,
      reason: p.reason,
      sourceId: p.source_id,
      pausedAt: new Date(p.paused_at).toISOString(),
      heldEvents: counts.get(p.channel) ?? 0,
    }));
  }

  /**
   * Lifts a pause and records who lifted it in the change feed. Returns whether the
   * channel was paused. The held events are replayed by the caller (through the event
   * store, the only door for order changes), page by page with `held`.
   */
  async resume(workspaceId: string, channel: string, by: string, note: string | undefined, now: Date): Promise<boolean> {
    const removed = await this.knex.transaction(async (trx) => {
      const rows = await trx("channel_pauses").where({ workspace_id: workspaceId, channel }).delete().returning(["reason", "source_id", "paused_at"]);
      if (rows.length === 0) return false;
      const p = rows[0];
      await appendChanges(
        trx,
        workspaceId,
        [{ kind: "channel.resumed", orderId: null, orderVersion: null, data: { channel, by, note: note ?? null, reason: p.reason, sourceId: p.source_id, pausedAt: new Date(p.paused_at).toISOString() } }],
        now,
      );
      await this.signal.inTransaction(trx, workspaceId);
      return true;
    });
    if (removed) this.signal.afterCommit(workspaceId);
    return removed;
  }

  /** The next page of held events of a channel, oldest first, after inbox id `after`. */
  async held(workspaceId: string, channel: string, after: number, limit: number): Promise<HeldEvent[]> {
    const rows = await this.heldQuery(this.knex, workspaceId, channel)
      .andWhere("e.id", ">", after)
      .orderBy("e.id")
      .limit(limit)
      .select("e.id", "e.actor", "e.payload");
    return rows.map((r) => ({ inboxId: Number(r.id), actor: r.actor, event: (typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload) as EventInput }));
  }
}
