import crypto from "node:crypto";
import type { Knex } from "knex";
import type { Role } from "../../contracts/roles.js";
import type { TokenView, UserView } from "../../contracts/users.js";
import type { IssuedToken, IssueOptions } from "../../domain/access/tokenIssuer.js";
import { isUnrestricted, type RowScope } from "../../domain/access/principal.js";
import { CodedConflictError, leavesNoActiveAdmin, type UserDirectory } from "../../domain/access/userDirectory.js";
import { ConflictError, InputError, NotFoundError } from "../../domain/errors.js";
import { bumpAuthEpoch } from "./KnexAuthEpochs.js";

/** SHA-256 of a token; tokens are 256-bit random so a fast hash is the right tool. */
export function hashToken(token: string): string {
  return crypto.createHash("sha256").update(token, "utf8").digest("hex");
}

/** A fresh, unguessable API token. */
export function newToken(): string {
  return `ost_${crypto.randomBytes(32).toString("base64url")}`;
}

/** A fresh row id with a readable prefix (`usr_…`, `tok_…`). */
export function newId(prefix: string): string {
  return `${prefix}_${crypto.randomBytes(9).toString("base64url")}`;
}

const USER_NAME = /^[\p{L}\p{N}._@-]{1,64}$/u;
const DAY_MS = 86_400_000;

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string | Date).toISOString());

/** Tokens neither revoked nor expired, as SQL over the alias `t`. */
/** A token neither revoked nor expired by the server's clock (bound as the one `?`). */
const ACTIVE_TOKEN = "t.revoked_at is null and (t.expires_at is null or t.expires_at > ?::timestamptz)";

/** Users and API tokens of a workspace in the `users` and `api_tokens` tables. */
export class KnexUserDirectory implements UserDirectory {
  constructor(
    private readonly knex: Knex,
    private readonly now: () => Date = () => new Date(),
  ) {}

  /**
   * Issues a token. The user row is created with `insert … on conflict do nothing`, so
   * parallel first tokens for one new user all succeed; an existing user must hold `role`.
   */
  async issueToken(workspaceId: string, userName: string, role: Role, opts: IssueOptions = {}): Promise<IssuedToken> {
    if (!USER_NAME.test(userName)) {
      throw new InputError(`user name "${userName}" may only contain letters, digits and . _ @ - (max 64)`);
    }
    const token = opts.token ?? newToken();
    const hash = hashToken(token);
    if (opts.token) {
      // A token chosen by the operator (ORDERSHEET_ADMIN_TOKEN) is issued once; later starts find it.
      const known = await this.knex("api_tokens").where({ token_hash: hash }).first("id", "user_id", "expires_at");
      if (known) return { token, tokenId: known.id, userId: known.user_id, expiresAt: known.expires_at ? new Date(known.expires_at) : null };
    }
    const expiresAt = opts.expiresInDays ? new Date(this.now().getTime() + opts.expiresInDays * DAY_MS) : null;
    return this.knex.transaction(async (trx) => {
      await trx("users").insert({ workspace_id: workspaceId, id: newId("usr"), name: userName, role }).onConflict(["workspace_id", "name"]).ignore();
      const user = await trx("users").where({ workspace_id: workspaceId, name: userName }).first("id", "role", "disabled_at");
      if (user.role !== role) {
        throw new CodedConflictError(
          "role_mismatch",
          `user ${userName} already holds the role ${user.role}, and a user has one role shared by all their tokens; ` +
            `to issue a ${role} token, first change the role explicitly with PUT /api/users/${userName}/role {"role":"${role}"} (every token of theirs follows)`,
          { user: userName, role: user.role, requestedRole: role },
        );
      }
      if (user.disabled_at) {
        throw new CodedConflictError("user_disabled", `user ${userName} is disabled; enable them first with POST /api/users/${userName}/enable`, { user: userName });
      }
      const tokenId = newId("tok");
      await trx("api_tokens")
        .insert({ workspace_id: workspaceId, id: tokenId, user_id: user.id, token_hash: hash, label: opts.label ?? "", expires_at: expiresAt })
        .onConflict("token_hash")
        .ignore();
      return { token, tokenId, userId: user.id as string, expiresAt };
    });
  }

  /** Users with role, state, last use and how many working tokens they hold. */
  async listUsers(workspaceId: string): Promise<UserView[]> {
    const rows = await this.knex("users as u")
      .leftJoin("api_tokens as t", function () {
        this.on("t.workspace_id", "u.workspace_id").andOn("t.user_id", "u.id");
      })
      .where("u.workspace_id", workspaceId)
      .groupBy("u.workspace_id", "u.id")
      .orderBy("u.name")
      .select(
        "u.name",
        "u.role",
        "u.disabled_at",
        "u.created_at",
        "u.last_used_at",
        "u.scope",
        this.knex.raw(`count(t.id) filter (where ${ACTIVE_TOKEN}) as active_tokens`, [this.now().toISOString()]),
      );
    return rows.map(toUserView);
  }

  /** Tokens, newest first, optionally of one user or only the working ones. */
  async listTokens(workspaceId: string, filter: { user?: string; active?: boolean } = {}): Promise<TokenView[]> {
    const q = this.tokenQuery(this.knex, workspaceId).orderBy([{ column: "t.created_at", order: "desc" }, { column: "t.id" }]);
    if (filter.user !== undefined) q.where("u.name", filter.user);
    if (filter.active === true) q.whereRaw(ACTIVE_TOKEN, [this.now().toISOString()]);
    if (filter.active === false) q.whereRaw(`not (${ACTIVE_TOKEN})`, [this.now().toISOString()]);
    return (await q).map(toTokenView);
  }

  /** Changes a user's role and moves the auth epoch, so every instance's token cache follows. */
  async changeRole(workspaceId: string, userName: string, role: Role): Promise<UserView> {
    await this.knex.transaction(async (trx) => {
      const target = await this.lockedUserChange(trx, workspaceId, userName);
      if (target.role === role) return;
      if (leavesNoActiveAdmin(target.admins, userName, { role, disabled: target.disabled })) {
        throw lastAdmin(userName, `give ${userName} the role ${role}`);
      }
      await trx("users").where({ workspace_id: workspaceId, name: userName }).update({ role });
      await bumpAuthEpoch(trx, workspaceId);
    });
    return this.user(workspaceId, userName);
  }

  /**
   * Sets a user's row scope and moves the auth epoch in the same transaction, so every
   * instance's token cache loads the new scope within a second. Stored as JSON naming only
   * the restricted dimensions (null when nothing is restricted).
   */
  async changeScope(workspaceId: string, userName: string, scope: RowScope): Promise<UserView> {
    const stored: RowScope = {};
    if (scope.regions !== undefined) stored.regions = scope.regions;
    if (scope.warehouses !== undefined) stored.warehouses = scope.warehouses;
    if (scope.channels !== undefined) stored.channels = scope.channels;
    await this.knex.transaction(async (trx) => {
      const n = await trx("users")
        .where({ workspace_id: workspaceId, name: userName })
        .update({ scope: isUnrestricted(stored) ? null : JSON.stringify(stored) });
      if (n === 0) throw new NotFoundError(`no user ${userName} in this workspace (GET /api/users lists them)`);
      await bumpAuthEpoch(trx, workspaceId);
    });
    return this.user(workspaceId, userName);
  }

  /** Disables or enables a user and moves the auth epoch. */
  async setDisabled(workspaceId: string, userName: string, disabled: boolean): Promise<UserView> {
    await this.knex.transaction(async (trx) => {
      const target = await this.lockedUserChange(trx, workspaceId, userName);
      if (target.disabled === disabled) return;
      if (disabled && leavesNoActiveAdmin(target.admins, userName, { role: target.role, disabled: true })) {
        throw lastAdmin(userName, `disable ${userName}`);
      }
      await trx("users").where({ workspace_id: workspaceId, name: userName }).update({ disabled_at: disabled ? this.now() : null });
      await bumpAuthEpoch(trx, workspaceId);
    });
    return this.user(workspaceId, userName);
  }

  /** Revokes one token and moves the auth epoch; revoking it again changes nothing. */
  async revokeToken(workspaceId: string, tokenId: string): Promise<TokenView> {
    await this.knex.transaction(async (trx) => {
      const n = await trx("api_tokens").where({ workspace_id: workspaceId, id: tokenId }).whereNull("revoked_at").update({ revoked_at: this.now() });
      if (n > 0) await bumpAuthEpoch(trx, workspaceId);
    });
    const row = await this.tokenQuery(this.knex, workspaceId).where("t.id", tokenId).first();
    if (!row) throw new NotFoundError(`no token ${tokenId} in this workspace (GET /api/tokens lists them)`);
    return toTokenView(row);
  }

  /** A new token for the owner of `tokenId`, with `tokenId` revoked in the same transaction. */
  async rotateToken(workspaceId: string, tokenId: string, opts: { label?: string; expiresInDays?: number }): Promise<IssuedToken & { userName: string; role: Role }> {
    return this.knex.transaction(async (trx) => {
      const old = await trx("api_tokens as t")
        .join("users as u", function () {
          this.on("u.workspace_id", "t.workspace_id").andOn("u.id", "t.user_id");
        })
        .where({ "t.workspace_id": workspaceId, "t.id": tokenId })
        .whereNull("t.revoked_at")
        .forUpdate()
        .first("t.user_id", "t.label", "u.name", "u.role");
      if (!old) throw new ConflictError(`token ${tokenId} was revoked meanwhile; nothing was rotated`);
      const token = newToken();
      const newTokenId = newId("tok");
      const expiresAt = opts.expiresInDays ? new Date(this.now().getTime() + opts.expiresInDays * DAY_MS) : null;
      await trx("api_tokens").insert({
        workspace_id: workspaceId,
        id: newTokenId,
        user_id: old.user_id,
        token_hash: hashToken(token),
        label: opts.label ?? old.label,
        expires_at: expiresAt,
      });
      await trx("api_tokens").where({ workspace_id: workspaceId, id: tokenId }).update({ revoked_at: this.now() });
      await bumpAuthEpoch(trx, workspaceId);
      return { token, tokenId: newTokenId, userId: old.user_id as string, expiresAt, userName: old.name as string, role: old.role as Role };
    });
  }

  /** One user as admins see them. */
  private async user(workspaceId: string, userName: string): Promise<UserView> {
    const found = (await this.listUsers(workspaceId)).find((u) => u.name === userName);
    if (!found) throw new NotFoundError(`no user ${userName} in this workspace`);
    return found;
  }

  /**
   * Locks the workspace's user changes (one at a time per workspace, so two admins demoting
   * each other cannot both pass the last-admin rule) and reads the target and the admins.
   */
  private async lockedUserChange(trx: Knex.Transaction, workspaceId: string, userName: string) {
    await trx("workspaces").where({ id: workspaceId }).forUpdate().first("id");
    const rows: { name: string; role: Role; disabled_at: unknown }[] = await trx("users")
      .where({ workspace_id: workspaceId })
      .andWhere((w) => w.where({ role: "admin" }).orWhere({ name: userName }))
      .select("name", "role", "disabled_at");
    const target = rows.find((r) => r.name === userName);
    if (!target) throw new NotFoundError(`no user ${userName} in this workspace (GET /api/users lists them)`);
    return {
      role: target.role,
      disabled: target.disabled_at !== null,
      admins: rows.map((r) => ({ name: r.name, role: r.role, disabled: r.disabled_at !== null })),
    };
  }

  private tokenQuery(db: Knex, workspaceId: string) {
    return db("api_tokens as t")
      .join("users as u", function () {
        this.on("u.workspace_id", "t.workspace_id").andOn("u.id", "t.user_id");
      })
      .where("t.workspace_id", workspaceId)
      .select("t.id", "t.label", "u.name as user", "t.created_at", "t.expires_at", "t.revoked_at", "t.last_used_at", this.knex.raw(`(${ACTIVE_TOKEN}) as active`, [this.now().toISOString()]));
  }
}

function lastAdmin(userName: string, what: string): CodedConflictError {
  return new CodedConflictError(
    "last_admin",
    `cannot ${what}: ${userName} is the last active admin of this workspace; make another user admin first (PUT /api/users/NAME/role {"role":"admin"})`,
    { user: userName },
  );
}

function toUserView(r: Record<string, unknown>): UserView {
  return {
    name: r.name as string,
    role: r.role as Role,
    disabled: r.disabled_at !== null && r.disabled_at !== undefined,
    disabledAt: iso(r.disabled_at),
    createdAt: iso(r.created_at)!,
    lastUsedAt: iso(r.last_used_at),
    activeTokens: Number(r.active_tokens ?? 0),
    scope: scopeView(r.scope),
  };
}

/** A stored scope (JSON, or null) as admins see it: every dimension named, null where unrestricted. */
function scopeView(raw: unknown): UserView["scope"] {
  const s = ((typeof raw === "string" ? JSON.parse(raw) : raw) ?? {}) as RowScope;
  return { regions: s.regions ?? null, warehouses: s.warehouses ?? null, channels: s.channels ?? null };
}

function toTokenView(r: Record<string, unknown>): TokenView {
  return {
    id: r.id as string,
    label: r.label as string,
    user: r.user as string,
    createdAt: iso(r.created_at)!,
    expiresAt: iso(r.expires_at),
    revokedAt: iso(r.revoked_at),
    lastUsedAt: iso(r.last_used_at),
    active: r.active === true,
  };
}
