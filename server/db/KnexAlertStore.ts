import type { Knex } from "knex";
import type { RowScope } from "../domain/access/principal.js";
import type { AlertRecord, AlertStore } from "../domain/workflow/ports.js";
import { isScoped, scopeCondition, withScope } from "./access/rowScope.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { AlertRecord } from "../domain/workflow/ports.js";

/** Reads alerts raised by timers and rules. */
export class KnexAlertStore implements AlertStore {
  constructor(private readonly knex: Knex) {}

  /**
   * Alerts newest first; open ones only unless `open` is false. With a row `scope`, only
   * alerts about orders inside it (row-level security confines the read as well).
   */
  async list(workspaceId: string, opts: { open: boolean; orderId?: string; limit: number; scope?: RowScope }): Promise<AlertRecord[]> {
    const rows = await withScope(this.knex, opts.scope, (db) => {
      const q = db("alerts")
        .where("alerts.workspace_id", workspaceId)
        .orderBy("alerts.id", "desc")
        .limit(opts.limit)
        .select("alerts.id", "alerts.order_id", "level", "message", "source", "source_id", "notify", "raised_at", "cleared_at");
      if (opts.open) q.whereNull("cleared_at");
      if (opts.orderId) q.andWhere("alerts.order_id", opts.orderId);
      if (isScoped(opts.scope)) {
        const c = scopeCondition(opts.scope, "o");
        q.whereExists((e) =>
          e.select(db.raw("1")).from("orders as o").whereRaw("o.workspace_id = alerts.workspace_id and o.id = alerts.order_id").andWhereRaw(c.sql, c.bindings as unknown as readonly Knex.RawBinding[]),
        );
      }
      return q;
    });
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
