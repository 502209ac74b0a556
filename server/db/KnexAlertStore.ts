import type { Knex } from "knex";
import type { RowScope } from "../domain/access/principal.js";
import type { AlertClearReason, AlertRecord, AlertStore } from "../domain/workflow/ports.js";
import { alertClearedChange, type ClearedAlertRow } from "./alertLifecycle.js";
import { enterScope, isScoped, scopeCondition, whereInScope, withScope } from "./access/rowScope.js";
import type { ChangeSignal } from "./ChangeSignal.js";
import { appendChanges } from "./KnexChangeFeed.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { AlertRecord } from "../domain/workflow/ports.js";

const ALERT_COLUMNS = ["id", "order_id", "level", "message", "messages", "source", "source_id", "notify", "raised_at", "cleared_at", "cleared_by", "clear_reason", "clear_note"];

/** An alert's stored two-language text, or its one message standing for both (alerts raised before both were kept). */
function alertMessages(stored: unknown, message: string): { "zh-CN": string; en: string } {
  const m = (typeof stored === "string" ? JSON.parse(stored) : stored) as { "zh-CN"?: unknown; en?: unknown } | null;
  return m && typeof m["zh-CN"] === "string" && typeof m.en === "string" ? { "zh-CN": m["zh-CN"], en: m.en } : { "zh-CN": message, en: message };
}

function rowToAlert(r: Record<string, any>): AlertRecord {
  return {
    id: String(r.id),
    orderId: r.order_id,
    level: r.level,
    message: r.message,
    messages: alertMessages(r.messages, r.message),
    source: r.source,
    sourceId: r.source_id,
    notify: r.notify ?? null,
    raisedAt: new Date(r.raised_at).toISOString(),
    clearedAt: r.cleared_at ? new Date(r.cleared_at).toISOString() : null,
    clearedBy: r.cleared_by ?? null,
    clearReason: (r.clear_reason ?? null) as AlertClearReason | null,
    clearNote: r.clear_note ?? null,
  };
}

/** Reads alerts raised by timers and rules, and closes them on a person's behalf. */
export class KnexAlertStore implements AlertStore {
  constructor(
    private readonly knex: Knex,
    private readonly signal: ChangeSignal,
  ) {}

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
        .select(...ALERT_COLUMNS.map((c) => `alerts.${c}`));
      if (opts.open) q.whereNull("alerts.cleared_at");
      if (opts.orderId) q.andWhere("alerts.order_id", opts.orderId);
      if (isScoped(opts.scope)) {
        const c = scopeCondition(opts.scope, "o");
        q.whereExists((e) =>
          e.select(db.raw("1")).from("orders as o").whereRaw("o.workspace_id = alerts.workspace_id and o.id = alerts.order_id").andWhereRaw(c.sql, c.bindings as unknown as readonly Knex.RawBinding[]),
        );
      }
      return q;
    });
    return rows.map(rowToAlert);
  }

  async close(
    workspaceId: string,
    id: string,
    by: { actor: string; note: string | null; scope?: RowScope },
    now: Date,
  ): Promise<{ outcome: "closed" | "already_cleared"; alert: AlertRecord } | { outcome: "not_found" }> {
    if (!/^\d{1,18}$/.test(id)) return { outcome: "not_found" };
    const nowIso = now.toISOString();
    let wrote = false;
    const result = await this.knex.transaction(async (trx) => {
      await enterScope(trx, by.scope);
      const found = await trx("alerts as a")
        .join("orders", function () {
          this.on("orders.workspace_id", "a.workspace_id").andOn("orders.id", "a.order_id");
        })
        .where({ "a.workspace_id": workspaceId, "a.id": id })
        .modify((q) => whereInScope(q, by.scope))
        .forUpdate("a")
        .first(...ALERT_COLUMNS.map((c) => `a.${c}`), "orders.version as order_version");
      if (!found) return { outcome: "not_found" as const };
      if (found.cleared_at) return { outcome: "already_cleared" as const, alert: rowToAlert(found) };
      const [row] = await trx("alerts")
        .where({ workspace_id: workspaceId, id })
        .update({ cleared_at: nowIso, cleared_by: by.actor, clear_reason: "closed", clear_note: by.note })
        .returning(ALERT_COLUMNS);
      await appendChanges(trx, workspaceId, [alertClearedChange({ ...(row as ClearedAlertRow), order_version: found.order_version })], now);
      await this.signal.inTransaction(trx, workspaceId);
      wrote = true;
      return { outcome: "closed" as const, alert: rowToAlert(row) };
    });
    if (wrote) this.signal.afterCommit(workspaceId);
    return result;
  }
}
