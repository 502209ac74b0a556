import type { Knex } from "knex";
import type { Role } from "../contracts/roles.js";
import type { EpochedPrincipal, TokenLookup } from "../domain/access/authEpochs.js";
import { UNRESTRICTED_SCOPE, type Principal } from "../domain/access/principal.js";
import type { IssuedToken, IssueOptions, TokenIssuer } from "../domain/access/tokenIssuer.js";
import { hashToken, KnexUserDirectory, newId, newToken } from "./access/KnexUserDirectory.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { IssuedToken } from "../domain/access/tokenIssuer.js";
export { hashToken, newToken };

/** How stale a token's or user's "last used" may get before an accepted request writes it again. */
const LAST_USED_PRECISION_MS = 60_000;

/** Workspaces, users and API tokens in the database. */
export class KnexWorkspaceStore implements TokenIssuer, TokenLookup {
  private readonly users: KnexUserDirectory;

  constructor(
    private readonly knex: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.users = new KnexUserDirectory(knex, now);
  }

  /** Creates a workspace and publishes its first workflow version. */
  async createWorkspace(input: { id?: string; name: string; timeZone?: string; workflow: unknown }): Promise<string> {
    const id = input.id ?? newId("ws");
    await this.knex.transaction(async (trx) => {
      await trx("workspaces").insert({ id, name: input.name, time_zone: input.timeZone ?? "Asia/Shanghai" });
      await trx("workflow_versions").insert({
        workspace_id: id,
        version: 1,
        definition: JSON.stringify(input.workflow),
        published_by: "system",
      });
    });
    return id;
  }

  /** The workspace with this id, or undefined. */
  async getWorkspace(id: string): Promise<{ id: string; name: string; timeZone: string } | undefined> {
    const row = await this.knex("workspaces").where({ id }).first("id", "name", "time_zone");
    return row ? { id: row.id, name: row.name, timeZone: row.time_zone } : undefined;
  }

  /** Whether any token exists anywhere (first-start detection). */
  async hasAnyToken(): Promise<boolean> {
    const row = await this.knex("api_tokens").first("id");
    return row !== undefined;
  }

  /**
   * Issues a new token for a user; the plain token is returned once and never stored. A new
   * user is created with `role`; an existing one must hold it (see `KnexUserDirectory`).
   */
  async issueToken(workspaceId: string, userName: string, role: Role, opts: IssueOptions = {}): Promise<IssuedToken> {
    return this.users.issueToken(workspaceId, userName, role, opts);
  }

  /** Resolves a bearer token to its principal, or undefined if unknown, revoked, expired or its user disabled. */
  async authenticate(token: string): Promise<Principal | undefined> {
    return (await this.lookup(token))?.principal;
  }

  /**
   * Resolves a token together with its workspace's auth epoch, read in one statement (one
   * snapshot), so a cache keyed on that epoch can never keep a principal from before a change
   * whose epoch it has already seen. Records the use at most once a minute.
   */
  async lookup(token: string): Promise<EpochedPrincipal | undefined> {
    const row = await this.knex("api_tokens as t")
      .join("users as u", function () {
        this.on("u.workspace_id", "t.workspace_id").andOn("u.id", "t.user_id");
      })
      .join("workspaces as w", "w.id", "t.workspace_id")
      .leftJoin("auth_epochs as e", "e.workspace_id", "t.workspace_id")
      .where("t.token_hash", hashToken(token))
      .whereNull("t.revoked_at")
      .whereNull("u.disabled_at")
      .where((q) => q.whereNull("t.expires_at").orWhere("t.expires_at", ">", this.now().toISOString()))
      .first(
        "t.workspace_id",
        "t.id as token_id",
        "t.expires_at",
        "t.last_used_at as token_used_at",
        "u.id as user_id",
        "u.name as user_name",
        "u.role",
        "u.scope",
        "w.time_zone",
        this.knex.raw("coalesce(e.epoch, 0) as epoch"),
      );
    if (!row) return undefined;
    if (!row.token_used_at || Date.now() - new Date(row.token_used_at).getTime() > LAST_USED_PRECISION_MS) {
      await this.knex("api_tokens").where({ workspace_id: row.workspace_id, id: row.token_id }).update({ last_used_at: this.knex.fn.now() });
      await this.knex("users").where({ workspace_id: row.workspace_id, id: row.user_id }).update({ last_used_at: this.knex.fn.now() });
    }
    return {
      principal: {
        workspaceId: row.workspace_id,
        timeZone: row.time_zone,
        userId: row.user_id,
        userName: row.user_name,
        role: row.role as Role,
        tokenId: row.token_id,
        scope: (typeof row.scope === "string" ? JSON.parse(row.scope) : row.scope) ?? UNRESTRICTED_SCOPE,
      },
      epoch: Number(row.epoch),
      expiresAt: row.expires_at ? new Date(row.expires_at) : null,
    };
  }
}
