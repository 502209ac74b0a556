import type { Knex } from "knex";
import { WorkflowDefinition } from "../contracts/workflow.js";
import { InputError, NotFoundError } from "../domain/errors.js";
import { mapStatus } from "../domain/workflow/mapStatus.js";
import { summariseProblems, validateDefinition } from "../domain/workflow/validateDefinition.js";
import { appendAudit, type AuditEntryInput } from "./auditWriter.js";
import type { ChangeSignal } from "./ChangeSignal.js";
import { appendChanges, type NewChange } from "./KnexChangeFeed.js";
import { writeAuditHeads } from "./auditHeads.js";
import type { WorkflowStore, WorkflowVersion } from "../domain/workflow/ports.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { WorkflowVersion } from "../domain/workflow/ports.js";

/** Workflow definitions, versioned per workspace; parsed definitions are cached (versions never change). */
export class KnexWorkflowStore implements WorkflowStore {
  private readonly cache = new Map<string, WorkflowDefinition>();

  constructor(
    private readonly knex: Knex,
    private readonly signal: ChangeSignal,
  ) {}

  private parse(raw: unknown): WorkflowDefinition {
    return WorkflowDefinition.parse(typeof raw === "string" ? JSON.parse(raw) : raw);
  }

  /** The newest version of a workspace's workflow. */
  async current(workspaceId: string, db: Knex = this.knex): Promise<WorkflowVersion> {
    const row = await db("workflow_versions")
      .where("workspace_id", workspaceId)
      .orderBy("version", "desc")
      .first("version", "definition", "published_by", "published_at");
    if (!row) throw new NotFoundError(`workspace ${workspaceId} has no workflow`);
    return this.toVersion(workspaceId, row);
  }

  /** One version's definition (cached). */
  async definition(workspaceId: string, version: number, db: Knex = this.knex): Promise<WorkflowDefinition> {
    const key = `${workspaceId}\u0000${version}`;
    const hit = this.cache.get(key);
    if (hit) return hit;
    const row = await db("workflow_versions").where({ workspace_id: workspaceId, version }).first("definition");
    if (!row) throw new NotFoundError(`workflow version ${version} does not exist`);
    const def = this.parse(row.definition);
    this.cache.set(key, def);
    return def;
  }

  /** Every version, newest first, without the definitions. */
  async versions(workspaceId: string): Promise<{ version: number; name: string; publishedBy: string; publishedAt: string }[]> {
    const rows = await this.knex("workflow_versions")
      .where("workspace_id", workspaceId)
      .orderBy("version", "desc")
      .select("version", this.knex.raw("definition->>'name' as name"), "published_by", "published_at");
    return rows.map((r) => ({
      version: Number(r.version),
      name: r.name as string,
      publishedBy: r.published_by as string,
      publishedAt: new Date(r.published_at).toISOString(),
    }));
  }

  private toVersion(workspaceId: string, row: Record<string, any>): WorkflowVersion {
    const version = Number(row.version);
    const definition = this.parse(row.definition);
    this.cache.set(`${workspaceId}\u0000${version}`, definition);
    return { version, definition, publishedBy: row.published_by, publishedAt: new Date(row.published_at).toISOString() };
  }

  /**
   * Publishes a new version after validating it against the current one and the states
   * live orders sit in. Live (non-terminal) orders move onto the new version in the same
   * transaction, their status mapped through `stateMap`, each with an audit entry and a
   * feed row. Refused with every problem listed when invalid.
   */
  async publish(
    workspaceId: string,
    definition: WorkflowDefinition,
    actor: { name: string; source: string },
    now: Date,
  ): Promise<{ version: number; migratedOrders: number }> {
    const nowIso = now.toISOString();
    let migrated = 0;
    const result = await this.knex.transaction(async (trx) => {
      // One publisher at a time per workspace.
      await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`ordersheet.workflow:${workspaceId}`]);
      const previous = await this.current(workspaceId, trx);
      const live = (
        await trx.raw("select status, count(*)::int as n from orders where workspace_id = ? group by status", [workspaceId])
      ).rows as { status: string; n: number }[];
      const prevTerminal = new Set(previous.definition.states.filter((s) => s.terminal).map((s) => s.code));
      const liveStates: Record<string, number> = {};
      for (const r of live) {
        if (prevTerminal.has(r.status as string)) continue;
        liveStates[r.status as string] = (liveStates[r.status as string] ?? 0) + Number(r.n);
      }
      const problems = validateDefinition(definition, { liveStates, previous: previous.definition });
      if (problems.length) {
        throw new InputError(summariseProblems("workflow not published", problems), { problems });
      }
      const version = previous.version + 1;
      await trx("workflow_versions").insert({
        workspace_id: workspaceId,
        version,
        definition: JSON.stringify(definition),
        published_by: actor.name,
      });

      // Move live orders onto the new version.
      const rows = await trx("orders")
        .where("workspace_id", workspaceId)
        .whereNotIn("status", [...prevTerminal])
        .andWhere("workflow_version", "<", version)
        .orderBy("id")
        .forUpdate()
        .select("id", "status", "version", "workflow_version", "audit_head");
      const audit: AuditEntryInput[] = [];
      const changes: NewChange[] = [];
      const updates: { id: string; status: string; version: number; statusChanged: boolean }[] = [];
      for (const r of rows) {
        const to = mapStatus(definition, r.status as string);
        const nextVersion = Number(r.version) + 1;
        const statusChanged = to !== r.status;
        updates.push({ id: r.id, status: to, version: nextVersion, statusChanged });
        audit.push({
          orderId: r.id, orderVersion: nextVersion, at: nowIso, actor: actor.name, source: actor.source,
          action: "workflow.migrated", field: "workflowVersion", oldValue: Number(r.workflow_version), newValue: version,
        });
        if (statusChanged) {
          audit.push({
            orderId: r.id, orderVersion: nextVersion, at: nowIso, actor: actor.name, source: actor.source,
            action: "workflow.migrated", field: "status", oldValue: r.status, newValue: to,
          });
        }
        changes.push({ kind: "order.updated", orderId: r.id, orderVersion: nextVersion, data: { status: to, workflowVersion: version, fields: statusChanged ? ["status", "workflowVersion"] : ["workflowVersion"] } });
      }
      const heads = new Map<string, string | null>(rows.map((r) => [r.id as string, (r.audit_head as string | null) ?? null]));
      for (let i = 0; i < updates.length; i += 5000) {
        const slice = updates.slice(i, i + 5000);
        await trx.raw(
          `update orders o set status = u.status, version = u.version, workflow_version = ?, updated_at = ?,
             status_since = case when u.changed then ?::timestamptz else o.status_since end
           from unnest(?::text[], ?::text[], ?::int[], ?::bool[]) as u(id, status, version, changed)
           where o.workspace_id = ? and o.id = u.id`,
          [version, nowIso, nowIso, slice.map((u) => u.id), slice.map((u) => u.status), slice.map((u) => u.version), slice.map((u) => u.statusChanged), workspaceId],
        );
      }
      await appendAudit(trx, workspaceId, audit, heads);
      await writeAuditHeads(trx, workspaceId, heads);
      changes.push({ kind: "workflow.published", orderId: null, orderVersion: null, data: { version, name: definition.name, migratedOrders: updates.length } });
      await appendChanges(trx, workspaceId, changes, now);
      await this.signal.inTransaction(trx, workspaceId);
      migrated = updates.length;
      return version;
    });
    this.signal.afterCommit(workspaceId);
    return { version: result, migratedOrders: migrated };
  }
}
