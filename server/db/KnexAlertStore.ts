import type { Knex } from "knex";
import type { AlertRecord, AlertStore } from "../domain/workflow/ports.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { AlertRecord } from "../domain/workflow/ports.js";

/** Reads alerts raised by timers and rules. */
export class KnexAlertStore implements AlertStore {
  constructor(private readonly knex: Knex) {}

  /** Alerts newest first; open ones only unless `open` is false. */
  async list(workspaceId: string, opts: { open: boolean; orderId?: string; limit: number }): Promise<AlertRecord[]> {
    const q = this.knex("alerts")
      .where("workspace_id", workspaceId)
      .orderBy("id", "desc")
      .limit(opts.limit)
      .select("id", "order_id", "level", "message", "source", "source_id", "notify", "raised_at", "cleared_at");
    if (opts.open) q.whereNull("cleared_at");
    if (opts.orderId) q.andWhere("order_id", opts.orderId);
    const rows = await q;
    return rows.map((r) => ({
      id: String(r.id),
      orderId: r.order_id,
      level: r.level,
      message: r.message,
      source: r.source,
      sourceId: r.source_id,
      notify: r.notify ?? null,
      raisedAt: new Date(r.raised_at).toISOString(),
      clearedAt: r.cleared_at ? new Date(r.cleared_at).toISOString() : null,
    }));
  }
}
