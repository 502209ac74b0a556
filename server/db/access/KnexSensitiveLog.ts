import type { Knex } from "knex";
import type { LoggedOperation, SensitiveLog, SensitiveLogFilter, SensitiveOperation } from "../../domain/access/sensitiveOperation.js";

/** The sensitive-operation log in the `sensitive_operations` table (append-only). */
export class KnexSensitiveLog implements SensitiveLog {
  constructor(private readonly knex: Knex) {}

  /** Appends one operation. */
  async record(op: SensitiveOperation): Promise<void> {
    await this.knex("sensitive_operations").insert({
      workspace_id: op.workspaceId,
      at: op.at,
      actor: op.actor,
      token_id: op.tokenId,
      ip: op.ip,
      user_agent: op.userAgent?.slice(0, 500) ?? null,
      action: op.action,
      target: op.target.slice(0, 500),
      detail: JSON.stringify(op.detail),
    });
  }

  /** The workspace's entries passing `filter`, newest (highest seq) first. */
  async list(workspaceId: string, filter: SensitiveLogFilter): Promise<LoggedOperation[]> {
    const q = this.knex("sensitive_operations")
      .where("workspace_id", workspaceId)
      .select("seq", "at", "actor", "token_id", "ip", "user_agent", "action", "target", "detail")
      .orderBy("seq", "desc")
      .limit(filter.limit);
    if (filter.actions?.length) q.whereIn("action", [...filter.actions]);
    if (filter.actor !== undefined) q.andWhere("actor", filter.actor);
    if (filter.from) q.andWhere("at", ">=", filter.from.toISOString());
    if (filter.to) q.andWhere("at", "<", filter.to.toISOString());
    if (filter.before !== undefined) q.andWhere("seq", "<", filter.before);
    const rows = await q;
    return rows.map((r) => ({
      seq: String(r.seq),
      at: new Date(r.at),
      actor: r.actor,
      tokenId: r.token_id ?? null,
      ip: r.ip ?? null,
      userAgent: r.user_agent ?? null,
      action: r.action,
      target: r.target,
      detail: (typeof r.detail === "string" ? JSON.parse(r.detail) : r.detail) ?? {},
    }));
  }
}
