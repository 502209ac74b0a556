import crypto from "node:crypto";
import type { Knex } from "knex";
import type { Role } from "../contracts/roles.js";
import { UNRESTRICTED_SCOPE, type Principal } from "../domain/access/principal.js";
import { InputError } from "../domain/errors.js";
import type { IssuedToken, TokenIssuer } from "../domain/access/tokenIssuer.js";


/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { IssuedToken } from "../domain/access/tokenIssuer.js";

/** SHA-256 of a token; tokens are 256-bit random so a fast hash is the right tool. */
export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token, "utf8").digest("hex");
}

/** A fresh, unguessable API token. */
export function newToken(): string {
  return `ost_${crypto.randomBytes(32).toString("base64url")}`;
}

function newId(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(9).toString("base64url")}`;
}

/** Workspaces, users and API tokens in the database. */
export class KnexWorkspaceStore implements TokenIssuer {
  constructor(private readonly knex: Knex) {}

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

  /** Finds or creates the user `name` with `role`; an existing user's role is updated. */
  async ensureUser(workspaceId: string, name: string, role: Role): Promise<string> {
    if (!/^[\p{L}\p{N}._@-]{1,64}$/u.test(name)) {
      throw new InputError(`user name "${name}" may only contain letters, digits and . _ @ - (max 64)`);
    }
    const existing = await this.knex("users").where({ workspace_id: workspaceId, name }).first("id", "role");
    if (existing) {
      if (existing.role !== role) await this.knex("users").where({ workspace_id: workspaceId, id: existing.id }).update({ role });
      return existing.id as string;
    }
    const id = newId("usr");
    await this.knex("users").insert({ workspace_id: workspaceId, id, name, role });
    return id;
  }

  /** Issues a new token for a user; the plain token is returned once and never stored. */
  async issueToken(workspaceId: string, userName: string, role: Role, opts: { token?: string; label?: string } = {}): Promise<IssuedToken> {
    const userId = await this.ensureUser(workspaceId, userName, role);
    const token = opts.token ?? newToken();
    const tokenId = newId("tok");
    await this.knex("api_tokens")
      .insert({ workspace_id: workspaceId, id: tokenId, user_id: userId, token_hash: hashToken(token), label: opts.label ?? "" })
      .onConflict("token_hash")
      .ignore();
    return { token, tokenId, userId };
  }

  /** Resolves a bearer token to its principal, or undefined if unknown or revoked. */
  async authenticate(token: string): Promise<Principal | undefined> {
    const row = await this.knex("api_tokens as t")
      .join("users as u", function () {
        this.on("u.workspace_id", "t.workspace_id").andOn("u.id", "t.user_id");
      })
      .join("workspaces as w", "w.id", "t.workspace_id")
      .where("t.token_hash", hashToken(token))
      .whereNull("t.revoked_at")
      .first("t.workspace_id", "t.id as token_id", "u.id as user_id", "u.name as user_name", "u.role", "u.scope", "w.time_zone");
    if (!row) return undefined;
    return {
      workspaceId: row.workspace_id,
      timeZone: row.time_zone,
      userId: row.user_id,
      userName: row.user_name,
      role: row.role as Role,
      tokenId: row.token_id,
      scope: (typeof row.scope === "string" ? JSON.parse(row.scope) : row.scope) ?? UNRESTRICTED_SCOPE,
    };
  }
}
