import type { Knex } from "knex";
import { AccessPolicy, DEFAULT_ACCESS_POLICY, RolePolicy } from "../../contracts/access.js";
import { Role } from "../../contracts/roles.js";
import type { AccessPolicyStore, StoredAccessPolicy } from "../../domain/access/accessPolicies.js";

/**
 * Per-workspace access policies in the `access_policies` table (defaults when no row).
 * Every order read and feed poll asks for the policy, so it is remembered for `ttlMs`
 * (a change made through this instance applies at once; one made through another server
 * instance sharing the database within `ttlMs`).
 */
export class KnexAccessPolicies implements AccessPolicyStore {
  private readonly cache = new Map<string, { until: number; value: Promise<StoredAccessPolicy> }>();

  constructor(
    private readonly knex: Knex,
    private readonly ttlMs = 2000,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The workspace's policy, or the defaults. */
  async get(workspaceId: string): Promise<StoredAccessPolicy> {
    const t = this.clock();
    const hit = this.cache.get(workspaceId);
    if (hit && hit.until > t) return hit.value;
    const value = this.load(workspaceId);
    this.cache.set(workspaceId, { until: t + this.ttlMs, value });
    value.catch(() => this.cache.delete(workspaceId));
    return value;
  }

  /** Reads the stored policy; one saved before a role existed gets the default entry for it. */
  private async load(workspaceId: string): Promise<StoredAccessPolicy> {
    const row = await this.knex("access_policies").where({ workspace_id: workspaceId }).first("policy", "updated_by", "updated_at");
    if (!row) return { policy: DEFAULT_ACCESS_POLICY, updatedAt: null, updatedBy: null };
    const raw = typeof row.policy === "string" ? JSON.parse(row.policy) : row.policy;
    const parsed = AccessPolicy.safeParse(raw);
    // A policy saved before a role was added lacks it: that role takes the default entry.
    const policy = parsed.success ? parsed.data : {
      roles: Object.fromEntries(
        Role.options.map((r) => {
          const entry = RolePolicy.safeParse(raw?.roles?.[r]);
          return [r, entry.success ? entry.data : DEFAULT_ACCESS_POLICY.roles[r]];
        }),
      ) as AccessPolicy["roles"],
    };
    return { policy, updatedAt: new Date(row.updated_at).toISOString(), updatedBy: row.updated_by };
  }

  /** Replaces the workspace's policy (insert or update). */
  async put(workspaceId: string, policy: AccessPolicy, actor: string, at: Date): Promise<StoredAccessPolicy> {
    await this.knex("access_policies")
      .insert({ workspace_id: workspaceId, policy: JSON.stringify(policy), updated_by: actor, updated_at: at })
      .onConflict("workspace_id")
      .merge(["policy", "updated_by", "updated_at"]);
    const stored = { policy, updatedAt: at.toISOString(), updatedBy: actor };
    this.cache.delete(workspaceId);
    return stored;
  }
}
