import type { Knex } from "knex";
import { EDITABLE_COLUMNS, type CellEdit, type EditResult } from "../contracts/edits.js";
import type { Order } from "../domain/order.js";
import { chainEntries, insertAuditRows, type AuditEntryInput } from "./auditWriter.js";
import { bulkInsert, ORDER_WRITE_COLUMNS } from "./bulkInsert.js";
import type { ChangeSignal } from "./ChangeSignal.js";
import { resolveSupersededConflicts } from "./followupLifecycle.js";
import { appendChanges, type NewChange } from "./KnexChangeFeed.js";
import { findInboxRows, inboxKeyOf, lockInboxKeys } from "./inboxKeys.js";
import { ORDER_COLUMNS, orderToRow, rowToOrder } from "./orderRows.js";
import type { EditContext, EditStore } from "../domain/workflow/ports.js";
import { scopeMoveProblem } from "../domain/access/rowScope.js";
import { COLUMN_LABELS, ROLE_LABELS } from "../contracts/access.js";
import { coded, type RefusalParams } from "../contracts/refusals.js";
import { enterScope, scopeCondition } from "./access/rowScope.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { EditContext } from "../domain/workflow/ports.js";

type FieldColumn = Exclude<keyof typeof EDITABLE_COLUMNS, "status">;

/** The value a column shows, for conflict and refusal answers. */
export function columnValue(order: Order, column: string): unknown {
  switch (column) {
    case "remark":
      return (order.extra.remark as string | undefined) ?? null;
    case "tags":
      return order.tags;
    default:
      return (order as unknown as Record<string, unknown>)[column] ?? null;
  }
}

/** Normalises a cell value for a column, or explains why it cannot be stored. */
export function normalise(
  column: FieldColumn,
  value: unknown,
): { ok: true; value: unknown } | { ok: false; reason: string; code: string; params: RefusalParams } {
  const col = { column: COLUMN_LABELS[column], columnCode: column };
  if (column === "tags") {
    if (value === null || value === "") return { ok: true, value: [] };
    if (typeof value !== "string") return { ok: false, reason: "tags must be text, separated by commas", code: "tags_not_text", params: col };
    const tags = [...new Set(value.split(/[,，;；]/).map((t) => t.trim()).filter(Boolean))];
    if (tags.some((t) => t.length > 50) || tags.length > 50) return { ok: false, reason: "at most 50 tags of at most 50 characters each", code: "too_many_tags", params: col };
    return { ok: true, value: tags };
  }
  if (value === null || value === "") return { ok: true, value: null };
  if (typeof value === "number" && column === "waybillNo") value = String(value);
  if (typeof value !== "string") return { ok: false, reason: `${column} must be text`, code: "value_not_text", params: col };
  const text = value.trim();
  const max = column === "remark" ? 2000 : 100;
  if (text.length > max) return { ok: false, reason: `${column} must be at most ${max} characters`, code: "value_too_long", params: { ...col, max } };
  if (column === "waybillNo" && !/^[A-Za-z0-9-]{4,40}$/.test(text)) return { ok: false, reason: "a waybill number has 4–40 letters, digits or dashes", code: "bad_waybill", params: col };
  return { ok: true, value: text };
}

/**
 * Field edits from the sheet (everything but status, which goes through the workflow
 * engine). Each edit is an event in the inbox keyed by its clientEditId (a resend is
 * harmless), checked against the version it was based on, and written with its audit
 * entry and feed row in one transaction.
 */
export class KnexEditStore implements EditStore {
  constructor(
    private readonly knex: Knex,
    private readonly signal: ChangeSignal,
  ) {}

  /**
   * How earlier deliveries of these events ended, as the engine stored them in the inbox
   * (a resent status edit answers with its first result, reason and allowed moves included).
   */
  async priorEventResults(workspaceId: string, source: string, sourceEventIds: string[]): Promise<Map<string, Record<string, any>>> {
    const rows = await this.knex("events_inbox")
      .where({ workspace_id: workspaceId, source })
      .whereIn("source_event_id", sourceEventIds)
      .select("source_event_id", "outcome", "result");
    return new Map(rows.map((r) => [r.source_event_id as string, { ...(r.result ?? {}), outcome: r.outcome }]));
  }

  /** Applies field edits in order; returns one result per edit. */
  async apply(ctx: EditContext, edits: CellEdit[], now: Date): Promise<EditResult[]> {
    const nowIso = now.toISOString();
    const source = `sheet:${ctx.user}`;
    let wrote = false;
    const results = await this.knex.transaction(async (trx) => {
      const ws = ctx.workspaceId;
      // A scoped editor's transaction runs under row-level security (the second line behind
      // the scope condition on the order read below).
      await enterScope(trx, ctx.scope);
      // Each edit is claimed once in the inbox: its key is locked (the inbox is partitioned,
      // so no unique index keeps it once; see `lockInboxKeys`), looked up, and inserted if new.
      const keys = edits.map((e) => ({ source, sourceEventId: e.clientEditId }));
      await lockInboxKeys(trx, ws, keys);
      const before = await findInboxRows(trx, ws, keys);
      const newIds = new Set<string>();
      const newEdits = edits.filter((e) => !before.has(inboxKeyOf({ source, sourceEventId: e.clientEditId })) && !newIds.has(e.clientEditId) && newIds.add(e.clientEditId));
      const claimed = await bulkInsert(
        trx,
        "events_inbox",
        [["workspace_id", "text"], ["source", "text"], ["source_event_id", "text"], ["type", "text"], ["order_id", "text"], ["payload", "jsonb"], ["outcome", "text"], ["actor", "text"], ["received_at", "timestamptz"]],
        newEdits.map((e) => ({ workspace_id: ws, source, source_event_id: e.clientEditId, type: "sheet.edit", order_id: e.orderId, payload: e, outcome: "pending", actor: ctx.user, received_at: nowIso })),
        "returning id, source_event_id",
      );
      const inboxId = new Map(claimed.map((r) => [r.source_event_id as string, Number(r.id)]));
      const previous = new Map<string, EditResult>();
      for (const e of edits) {
        const r = before.get(inboxKeyOf({ source, sourceEventId: e.clientEditId }));
        if (r && r.result && r.result.outcome) previous.set(e.clientEditId, r.result as EditResult);
      }

      // Orders outside the editor's row scope are not read: their edits answer like a missing order's.
      const ids = [...new Set(edits.map((e) => e.orderId))];
      const inScope = scopeCondition(ctx.scope, "orders");
      const rows = await trx.raw(
        `select ${ORDER_COLUMNS.join(", ")}, audit_head from orders where workspace_id = ? and id = any(?::text[]) and ${inScope.sql} order by id for update`,
        [ws, ids, ...inScope.bindings] as unknown as readonly Knex.RawBinding[],
      );
      const orders = new Map<string, Order>();
      const heads = new Map<string, string | null>();
      const startVersion = new Map<string, number>();
      for (const r of rows.rows) {
        const o = rowToOrder(r);
        orders.set(o.id, o);
        heads.set(o.id, r.audit_head ?? null);
        startVersion.set(o.id, o.version);
      }

      // An edit based on an older version conflicts only if its own cell changed since:
      // staff editing a remark must not be stopped because a carrier scan moved the status.
      const sinceBase = await fieldChanges(trx, ws, edits.filter((e) => orders.has(e.orderId) && e.baseVersion < orders.get(e.orderId)!.version));
      const changedSince = (e: CellEdit) =>
        (sinceBase.get(e.orderId) ?? []).filter((c) => c.version > e.baseVersion && (c.field === auditField(e.column) || c.field.startsWith(`${auditField(e.column)}.`)));

      const audit: AuditEntryInput[] = [];
      const changes: NewChange[] = [];
      const touched = new Set<string>();
      const inboxUpdates: { id: number; outcome: string; result: EditResult }[] = [];
      const out: EditResult[] = edits.map((e) => {
        const base = { clientEditId: e.clientEditId, orderId: e.orderId, column: e.column };
        const prior = previous.get(e.clientEditId);
        if (!inboxId.has(e.clientEditId)) {
          return prior ?? { ...base, outcome: "refused", reason: "this edit is still being processed; try again", ...coded("edit_in_progress"), currentValue: null, currentVersion: null };
        }
        const order = orders.get(e.orderId);
        let result: EditResult;
        if (!order) {
          result = { ...base, outcome: "refused", reason: `order ${e.orderId} does not exist`, ...coded("order_not_found", { orderId: e.orderId }), currentValue: null, currentVersion: null };
        } else {
          const spec = EDITABLE_COLUMNS[e.column];
          const column = e.column as FieldColumn;
          // Edits of one request build on each other: a base version equal to the version
          // before this request still holds after this request's own earlier edits.
          const sameVersion = e.baseVersion === order.version || (touched.has(order.id) && e.baseVersion === startVersion.get(order.id));
          const cellChanges = sameVersion || e.baseVersion > order.version ? [] : changedSince(e);
          const fresh = sameVersion || (e.baseVersion < order.version && cellChanges.length === 0);
          const lastChange = cellChanges[cellChanges.length - 1];
          const norm = normalise(column, e.value);
          if (!ctx.policyChecked && !(spec.roles as readonly string[]).includes(ctx.role)) {
            result = {
              ...base,
              outcome: "refused",
              reason: `role ${ctx.role} may not edit ${e.column}`,
              ...coded("column_not_editable", { role: ROLE_LABELS[ctx.role], roleCode: ctx.role, column: COLUMN_LABELS[column], columnCode: column }),
              currentValue: columnValue(order, e.column),
              currentVersion: order.version,
            };
          } else if (!fresh) {
            result = {
              ...base,
              outcome: "conflict",
              reason: lastChange ? `${lastChange.actor} changed ${e.column} after version ${e.baseVersion}` : `the order changed since version ${e.baseVersion}`,
              ...(lastChange
                ? coded("edit_conflict", { by: lastChange.actor, column: COLUMN_LABELS[column], columnCode: column, baseVersion: e.baseVersion, currentVersion: order.version })
                : coded("edit_conflict_unknown", { column: COLUMN_LABELS[column], columnCode: column, baseVersion: e.baseVersion, currentVersion: order.version })),
              currentValue: columnValue(order, e.column),
              currentVersion: order.version,
              changedBy: lastChange?.actor ?? null,
              changedAt: lastChange?.at ?? null,
            };
          } else if (!norm.ok) {
            result = { ...base, outcome: "refused", reason: norm.reason, ...coded(norm.code, norm.params), currentValue: columnValue(order, e.column), currentVersion: order.version };
          } else {
            const old = columnValue(order, e.column);
            const next: Order = { ...order, version: order.version + 1, updatedAt: nowIso };
            if (column === "remark") next.extra = { ...order.extra, remark: norm.value };
            else (next as unknown as Record<string, unknown>)[column] = norm.value;
            const leavesScope = scopeMoveProblem(ctx.scope, next);
            if (JSON.stringify(old) === JSON.stringify(norm.value)) {
              result = { ...base, outcome: "saved", version: order.version, value: old };
            } else if (leavesScope) {
              result = { ...base, outcome: "refused", reason: leavesScope.reason, ...coded(leavesScope.code, leavesScope.params), currentValue: old, currentVersion: order.version };
            } else {
              orders.set(order.id, next);
              touched.add(order.id);
              const field = auditField(column);
              audit.push({ orderId: order.id, orderVersion: next.version, at: nowIso, actor: ctx.user, source, action: "edit", field, oldValue: old, newValue: norm.value });
              changes.push({ kind: "order.updated", orderId: order.id, orderVersion: next.version, data: { status: next.status, fields: [column], by: ctx.user } });
              result = { ...base, outcome: "saved", version: next.version, value: norm.value };
            }
          }
        }
        inboxUpdates.push({ id: inboxId.get(e.clientEditId)!, outcome: result.outcome === "saved" ? "applied" : result.outcome, result });
        return result;
      });

      // A saved edit of a cell ends the earlier edit conflicts about it (before this request's own are written).
      await resolveSupersededConflicts(trx, ws, out.filter((r) => r.outcome === "saved"), ctx.user, nowIso);
      const conflicted = out.filter((r): r is Extract<EditResult, { outcome: "conflict" }> => r.outcome === "conflict");
      if (conflicted.length) {
        // Who changed the cell is known from the field's own audit entries; otherwise (a base
        // version from the future, say) the order's last change is the best answer.
        const unnamed = conflicted.filter((c) => c.changedBy === null);
        const last = unnamed.length
          ? await trx.raw(
              `select distinct on (order_id) order_id, actor, at from audit_log where workspace_id = ? and order_id = any(?::text[]) order by order_id, seq desc`,
              [ws, unnamed.map((c) => c.orderId)],
            )
          : { rows: [] };
        const who = new Map((last.rows as { order_id: string; actor: string; at: string }[]).map((r) => [r.order_id, r]));
        for (const c of unnamed) {
          const w = who.get(c.orderId);
          c.changedBy = w?.actor ?? null;
          c.changedAt = w ? new Date(w.at).toISOString() : null;
        }
        await trx("conflicts").insert(
          conflicted.map((c) => ({ workspace_id: ws, order_id: c.orderId, channel: orders.get(c.orderId)!.channel, kind: "stale_edit", field: c.column, details: JSON.stringify({ by: ctx.user, currentVersion: c.currentVersion }), at: nowIso })),
        );
      }

      const auditRows = chainEntries(ws, audit, heads);
      const changed = [...touched].map((id) => orders.get(id)!);
      await bulkInsert(
        trx,
        "orders",
        ORDER_WRITE_COLUMNS,
        changed.map((o) => orderToRow(o, heads.get(o.id) ?? null)),
        "on conflict (workspace_id, id) do update set region = excluded.region, warehouse = excluded.warehouse, carrier = excluded.carrier, waybill_no = excluded.waybill_no, tags = excluded.tags, extra = excluded.extra, version = excluded.version, updated_at = excluded.updated_at, audit_head = excluded.audit_head",
      );
      if (inboxUpdates.length) {
        await trx.raw(
          `update events_inbox e set outcome = u.outcome, result = u.result from jsonb_to_recordset(?::jsonb) as u(id bigint, outcome text, result jsonb) where e.workspace_id = ? and e.id = u.id`,
          [JSON.stringify(inboxUpdates), ws],
        );
      }
      await insertAuditRows(trx, ws, auditRows);
      await appendChanges(trx, ws, changes, now);
      if (changes.length) {
        await this.signal.inTransaction(trx, ws);
        wrote = true;
      }
      return out;
    });
    if (wrote) this.signal.afterCommit(ctx.workspaceId);
    return results;
  }
}

/** The audit field an editable column's changes are recorded under. */
function auditField(column: string): string {
  return column === "remark" ? "extra.remark" : column;
}

/**
 * Audit entries (oldest first) of each order newer than the lowest base version the edits
 * name for it: which fields changed, by whom, since the version each editor saw.
 */
async function fieldChanges(trx: Knex.Transaction, ws: string, edits: CellEdit[]): Promise<Map<string, { version: number; field: string; actor: string; at: string }[]>> {
  const out = new Map<string, { version: number; field: string; actor: string; at: string }[]>();
  if (!edits.length) return out;
  const lowest = new Map<string, number>();
  for (const e of edits) lowest.set(e.orderId, Math.min(lowest.get(e.orderId) ?? e.baseVersion, e.baseVersion));
  const rows = await trx.raw(
    `select a.order_id, a.order_version, a.field, a.actor, a.at from audit_log a
     join unnest(?::text[], ?::int[]) as b(order_id, base) on a.order_id = b.order_id
     where a.workspace_id = ? and a.order_version > b.base and a.field is not null
     order by a.order_id, a.seq`,
    [[...lowest.keys()], [...lowest.values()], ws],
  );
  for (const r of rows.rows as { order_id: string; order_version: number; field: string; actor: string; at: string | Date }[]) {
    let list = out.get(r.order_id);
    if (!list) out.set(r.order_id, (list = []));
    list.push({ version: Number(r.order_version), field: r.field, actor: r.actor, at: new Date(r.at).toISOString() });
  }
  return out;
}
