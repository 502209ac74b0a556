import type { Knex } from "knex";
import type { SensitiveLog, SensitiveOperation } from "../../domain/access/sensitiveOperation.js";

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
}
