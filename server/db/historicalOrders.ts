import type { Knex } from "knex";
import type { EventInput } from "../contracts/events.js";
import { Role } from "../contracts/roles.js";
import type { Order } from "../domain/order.js";
import type { SyntheticOrder, SyntheticStep } from "../domain/sandbox/script.js";
import type { Actor } from "../domain/workflow/decision.js";
import { LINE_COLUMNS, ORDER_COLUMNS, rowToLine, rowToOrder } from "./orderRows.js";

const PAGE = 500;

/** Undoes one audited change on a copy of the order: `field` is an Order path (`status`, `extra.signedAt`, `extra.milestones.x`). */
function undo(order: Order, field: string, old: unknown): void {
  const path = field.split(".");
  let target: Record<string, unknown> = order as unknown as Record<string, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = target[key];
    if (next === null || typeof next !== "object") return;
    target = next as Record<string, unknown>;
  }
  const last = path[path.length - 1];
  if ((old === null || old === undefined) && path.length > 1) delete target[last];
  else target[last] = old ?? null;
}

/**
 * The workspace's orders as they were imported, each with the events the engine received
 * for it, in arrival order — a replayable history for the rule sandbox. Orders are rebuilt
 * by undoing their audited changes; timer events are left out (the sandbox runs timers
 * itself); a manual command that was a conflict replays as a stale edit. Everything is read
 * in one READ ONLY transaction that is rolled back: no side effects.
 */
export async function* historicalOrders(knex: Knex, workspaceId: string, opts: { limit?: number } = {}): AsyncGenerator<SyntheticOrder> {
  const trx = await knex.transaction();
  try {
    await trx.raw("set transaction read only");
    const roles = new Map<string, Role>();
    for (const u of await trx("users").where("workspace_id", workspaceId).select("name", "role")) {
      const role = Role.safeParse(u.role);
      if (role.success) roles.set(u.name as string, role.data);
    }
    const actorOf = (name: string): Actor => ({ name, role: roles.get(name) ?? "admin" });
    let after = "";
    let left = opts.limit ?? Number.POSITIVE_INFINITY;
    while (left > 0) {
      const rows = await trx("orders").where("workspace_id", workspaceId).andWhere("id", ">", after).orderBy("id").limit(Math.min(PAGE, left)).select(...ORDER_COLUMNS);
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      left -= rows.length;
      const ids = rows.map((r) => r.id as string);
      const lines = await trx("order_lines").where("workspace_id", workspaceId).whereIn("order_id", ids).orderBy(["order_id", "line_no"]).select(...LINE_COLUMNS);
      const audit = await trx("audit_log").where("workspace_id", workspaceId).whereIn("order_id", ids).orderBy("seq", "desc").select("order_id", "action", "field", "old_value");
      const inbox = await trx("events_inbox")
        .where("workspace_id", workspaceId)
        .whereIn("order_id", ids)
        .whereNot("type", "timer.fired")
        .orderBy("id")
        .select("order_id", "payload", "actor", "outcome", "received_at");
      for (const row of rows) {
        const order = rowToOrder(row);
        order.lines = lines.filter((l) => l.order_id === order.id).map(rowToLine);
        for (const a of audit) {
          if (a.order_id !== order.id || a.action === "created" || !a.field) continue;
          undo(order, a.field as string, a.old_value);
        }
        order.version = 1;
        order.statusSince = order.createdAt;
        order.updatedAt = order.createdAt;
        const steps: SyntheticStep[] = [];
        for (const e of inbox) {
          if (e.order_id !== order.id) continue;
          const event = (typeof e.payload === "string" ? JSON.parse(e.payload) : e.payload) as EventInput;
          const at = new Date(e.received_at).getTime();
          const actor = actorOf(e.actor as string);
          if (event.type === "manual.command") steps.push({ at, actor, kind: "manual", to: event.data.to, stale: e.outcome === "conflict" });
          else steps.push({ at, actor, kind: "event", event });
        }
        yield { scenario: "historical", order, steps };
      }
    }
  } finally {
    await trx.rollback().catch(() => {});
  }
}
