import type { Knex } from "knex";
import type { AlertClearReason } from "../domain/workflow/ports.js";
import type { NewChange } from "./KnexChangeFeed.js";

/** Who clears an alert whose condition ended by itself. */
export const SYSTEM_CLEARER = "system";

/** The columns an `alert.cleared` feed row is built from. */
export interface ClearedAlertRow {
  order_id: string;
  source: string;
  source_id: string;
  level: string;
  message: string;
  cleared_by: string;
  clear_reason: AlertClearReason;
  clear_note: string | null;
  order_version: number | string | null;
}

/** The `alert.cleared` feed row of a cleared alert (the add-in drops it from its list by order and source). */
export function alertClearedChange(r: ClearedAlertRow): NewChange {
  return {
    kind: "alert.cleared",
    orderId: r.order_id,
    orderVersion: r.order_version === null ? null : Number(r.order_version),
    data: {
      level: r.level,
      message: r.message,
      source: r.source,
      sourceId: r.source_id,
      clearedBy: r.cleared_by,
      reason: r.clear_reason,
      ...(r.clear_note ? { note: r.clear_note } : {}),
    },
  };
}

/**
 * Clears the open alerts that the given orders left behind: an alert belongs to the status
 * the order was in when it was raised, so one raised before the order's current
 * `status_since` is about a status the order has left. Runs inside the writer's
 * transaction (called where the writer appends its feed rows, so every write path does
 * it) and returns the `alert.cleared` rows to append with the writer's own.
 */
export async function clearAlertsLeftBehind(trx: Knex.Transaction, workspaceId: string, orderIds: string[], nowIso: string): Promise<NewChange[]> {
  if (orderIds.length === 0) return [];
  const res = await trx.raw(
    `update alerts a
        set cleared_at = ?::timestamptz, cleared_by = ?, clear_reason = 'status_left'
       from orders o
      where a.workspace_id = ? and a.order_id = any(?::text[]) and a.cleared_at is null
        and o.workspace_id = a.workspace_id and o.id = a.order_id and a.raised_at < o.status_since
      returning a.order_id, a.source, a.source_id, a.level, a.message, a.cleared_by, a.clear_reason, a.clear_note, o.version as order_version`,
    [nowIso, SYSTEM_CLEARER, workspaceId, orderIds] as unknown as readonly Knex.RawBinding[],
  );
  const rows = (res.rows as ClearedAlertRow[]).sort((a, b) => (a.order_id < b.order_id ? -1 : a.order_id > b.order_id ? 1 : a.source_id < b.source_id ? -1 : 1));
  return rows.map(alertClearedChange);
}
