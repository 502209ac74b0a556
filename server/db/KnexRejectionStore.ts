import type { Knex } from "knex";
import type { RejectionRecord, RejectionStore } from "../domain/rejections/ports.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { RejectionRecord } from "../domain/rejections/ports.js";

/** Keeps every refused input (first 64 KiB) where an admin can look at it. */
export class KnexRejectionStore implements RejectionStore {
  constructor(private readonly knex: Knex) {}

  /** Stores one refused input. */
  async record(r: RejectionRecord): Promise<void> {
    await this.knex("rejected_inputs").insert({
      workspace_id: r.workspaceId,
      actor: r.actor,
      route: r.route,
      status: r.status,
      reason: r.reason.slice(0, 4000),
      body: r.body.slice(0, 65536),
      body_bytes: r.bodyBytes,
    });
  }

  /** Newest first, optionally before an id (pagination). */
  async list(workspaceId: string, limit: number, before?: string, actor?: string) {
    const q = this.knex("rejected_inputs").where("workspace_id", workspaceId);
    if (actor !== undefined) q.andWhere("actor", actor);
    if (before) q.andWhere("id", "<", before);
    const rows = await q.orderBy("id", "desc").limit(limit).select("id", "at", "actor", "route", "status", "reason", "body", "body_bytes");
    return rows.map((r) => ({
      id: String(r.id),
      at: new Date(r.at).toISOString(),
      actor: r.actor as string | null,
      route: r.route as string,
      status: Number(r.status),
      reason: r.reason as string,
      bodyBytes: Number(r.body_bytes),
      body: r.body as string,
    }));
  }
}
