import type { Knex } from "knex";
import type { ConflictResolution, ConflictView, FollowupsQuery, TaskDoneReason, TaskView } from "../contracts/followups.js";
import type { RowScope } from "../domain/access/principal.js";
import type { EndOutcome, FollowupActor, FollowupStore } from "../domain/followups/ports.js";
import { enterScope, isScoped, scopeCondition, whereInScope, withScope } from "./access/rowScope.js";

const CONFLICT_COLUMNS = ["id", "order_id", "channel", "kind", "field", "details", "at", "resolved_at", "resolved_by", "resolution", "resolve_note"];
const TASK_COLUMNS = ["id", "order_id", "key", "source_id", "assignee", "message", "created_at", "done_at", "done_by", "done_reason", "done_note"];

const iso = (v: unknown) => (v ? new Date(v as string).toISOString() : null);

function rowToConflict(r: Record<string, any>): ConflictView {
  return {
    id: String(r.id),
    orderId: r.order_id,
    channel: r.channel,
    kind: r.kind,
    field: r.field ?? null,
    details: typeof r.details === "string" ? JSON.parse(r.details) : (r.details ?? {}),
    at: iso(r.at)!,
    resolvedAt: iso(r.resolved_at),
    resolvedBy: r.resolved_by ?? null,
    resolution: (r.resolution ?? null) as ConflictResolution | null,
    note: r.resolve_note ?? null,
  };
}

function rowToTask(r: Record<string, any>): TaskView {
  return {
    id: String(r.id),
    orderId: r.order_id,
    key: r.key,
    sourceId: r.source_id,
    assignee: r.assignee,
    message: r.message,
    createdAt: iso(r.created_at)!,
    doneAt: iso(r.done_at),
    doneBy: r.done_by ?? null,
    doneReason: (r.done_reason ?? null) as TaskDoneReason | null,
    note: r.done_note ?? null,
  };
}

/** One kind of follow-up item: its table, its columns and how "ended" is written. */
interface Kind<T> {
  table: "conflicts" | "tasks";
  columns: string[];
  /** Column holding when it ended (null while open). */
  endedAt: string;
  toView: (r: Record<string, any>) => T;
}

const CONFLICTS: Kind<ConflictView> = { table: "conflicts", columns: CONFLICT_COLUMNS, endedAt: "resolved_at", toView: rowToConflict };
const TASKS: Kind<TaskView> = { table: "tasks", columns: TASK_COLUMNS, endedAt: "done_at", toView: rowToTask };

/** Lists conflicts and tasks and ends them on a person's behalf; row scope confines both. */
export class KnexFollowupStore implements FollowupStore {
  constructor(private readonly knex: Knex) {}

  listConflicts(workspaceId: string, q: FollowupsQuery, scope?: RowScope): Promise<ConflictView[]> {
    return this.list(CONFLICTS, workspaceId, q, scope);
  }

  listTasks(workspaceId: string, q: FollowupsQuery, scope?: RowScope): Promise<TaskView[]> {
    return this.list(TASKS, workspaceId, q, scope);
  }

  resolveConflict(workspaceId: string, id: string, resolution: "kept_mine" | "took_server" | "closed", by: FollowupActor, now: Date): Promise<EndOutcome<ConflictView>> {
    return this.end(CONFLICTS, workspaceId, id, by, { resolved_at: now.toISOString(), resolved_by: by.actor, resolution, resolve_note: by.note });
  }

  finishTask(workspaceId: string, id: string, by: FollowupActor, now: Date): Promise<EndOutcome<TaskView>> {
    return this.end(TASKS, workspaceId, id, by, { done_at: now.toISOString(), done_by: by.actor, done_reason: "done", done_note: by.note });
  }

  private async list<T>(kind: Kind<T>, workspaceId: string, q: FollowupsQuery, scope?: RowScope): Promise<T[]> {
    const t = kind.table;
    const rows = await withScope(this.knex, scope, (db) => {
      const query = db(t)
        .where(`${t}.workspace_id`, workspaceId)
        .orderBy(`${t}.id`, "desc")
        .limit(q.limit)
        .select(...kind.columns.map((c) => `${t}.${c}`));
      if (q.open === "true") query.whereNull(`${t}.${kind.endedAt}`);
      if (q.orderId) query.andWhere(`${t}.order_id`, q.orderId);
      if (isScoped(scope)) {
        const c = scopeCondition(scope, "o");
        query.whereExists((e) =>
          e.select(db.raw("1")).from("orders as o").whereRaw(`o.workspace_id = ${t}.workspace_id and o.id = ${t}.order_id`).andWhereRaw(c.sql, c.bindings as unknown as readonly Knex.RawBinding[]),
        );
      }
      return query;
    });
    return rows.map(kind.toView);
  }

  private async end<T>(kind: Kind<T>, workspaceId: string, id: string, by: FollowupActor, set: Record<string, unknown>): Promise<EndOutcome<T>> {
    if (!/^\d{1,18}$/.test(id)) return { outcome: "not_found" };
    return this.knex.transaction(async (trx) => {
      await enterScope(trx, by.scope);
      const found = await trx(`${kind.table} as x`)
        .join("orders", function () {
          this.on("orders.workspace_id", "x.workspace_id").andOn("orders.id", "x.order_id");
        })
        .where({ "x.workspace_id": workspaceId, "x.id": id })
        .modify((q) => whereInScope(q, by.scope))
        .forUpdate("x")
        .first(...kind.columns.map((c) => `x.${c}`));
      if (!found) return { outcome: "not_found" as const };
      if (found[kind.endedAt]) return { outcome: "already_ended" as const, item: kind.toView(found) };
      const [row] = await trx(kind.table).where({ workspace_id: workspaceId, id }).update(set).returning(kind.columns);
      return { outcome: "ended" as const, item: kind.toView(row) };
    });
  }
}
