import type { Knex } from "knex";
import { SYSTEM_CLEARER } from "./alertLifecycle.js";

/**
 * Ends the edit conflicts that later saved edits superseded: once an edit of a cell is saved
 * (the person re-sent their value on the current version, or agreed with the server's),
 * the open `stale_edit` conflicts about that cell are resolved `superseded` by that editor.
 * Runs inside the edit's transaction; returns how many ended.
 */
export async function resolveSupersededConflicts(trx: Knex.Transaction, workspaceId: string, saved: { orderId: string; column: string }[], actor: string, nowIso: string): Promise<number> {
  if (saved.length === 0) return 0;
  const res = await trx.raw(
    `update conflicts c set resolved_at = ?::timestamptz, resolved_by = ?, resolution = 'superseded'
       from jsonb_to_recordset(?::jsonb) as s(order_id text, field text)
      where c.workspace_id = ? and c.resolved_at is null and c.kind = 'stale_edit' and c.order_id = s.order_id and c.field = s.field`,
    [nowIso, actor, JSON.stringify(saved.map((s) => ({ order_id: s.orderId, field: s.column }))), workspaceId],
  );
  return Number(res.rowCount ?? 0);
}

/**
 * Ends the tasks and the status disagreements that the given orders left behind: like an
 * alert, each belongs to the status the order was in when it was opened, so one opened
 * before the order's current `status_since` is about a status the order has left. Edit
 * conflicts (`stale_edit`) are about a cell, not a status, and stay until an edit or a
 * person ends them. One statement, inside the writer's transaction.
 */
export async function endFollowupsLeftBehind(trx: Knex.Transaction, workspaceId: string, orderIds: string[], nowIso: string): Promise<void> {
  if (orderIds.length === 0) return;
  await trx.raw(
    `with t as (
       update tasks t set done_at = ?::timestamptz, done_by = ?, done_reason = 'status_left'
         from orders o
        where t.workspace_id = ? and t.order_id = any(?::text[]) and t.done_at is null
          and o.workspace_id = t.workspace_id and o.id = t.order_id and t.created_at < o.status_since
        returning 1)
     update conflicts c set resolved_at = ?::timestamptz, resolved_by = ?, resolution = 'status_left'
       from (select k.id from unnest(?::text[]) as x(order_id)
             cross join lateral (
               select cc.id from conflicts cc
                where cc.workspace_id = ? and cc.order_id = x.order_id and cc.resolved_at is null and cc.kind <> 'stale_edit'
               offset 0) k) m,
            orders o
      where c.workspace_id = ? and c.id = m.id
        and o.workspace_id = c.workspace_id and o.id = c.order_id and c.at < o.status_since`,
    // The open conflicts of the batch's orders, one index probe per order (the lateral
    // subquery): as \`order_id = any(…)\` over a thousand orders the planner read every
    // conflict of the workspace sequentially.
    [nowIso, SYSTEM_CLEARER, workspaceId, orderIds, nowIso, SYSTEM_CLEARER, orderIds, workspaceId, workspaceId] as unknown as readonly Knex.RawBinding[],
  );
}
