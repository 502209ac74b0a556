import type { Role } from "../../contracts/roles.js";
import type { TokenView, UserView } from "../../contracts/users.js";
import { ConflictError } from "../errors.js";
import type { RowScope } from "./principal.js";
import type { IssuedToken, TokenIssuer } from "./tokenIssuer.js";

/** A refusal with a machine-readable code of its own (the error envelope's `code`). */
export class CodedConflictError extends ConflictError {
  constructor(
    readonly code: "role_mismatch" | "user_disabled" | "last_admin",
    message: string,
    details?: unknown,
  ) {
    super(message, details);
  }
}

/** The users and tokens of a workspace, for admins (implemented by `KnexUserDirectory`). */
export interface UserDirectory extends TokenIssuer {
  listUsers(workspaceId: string): Promise<UserView[]>;
  listTokens(workspaceId: string, filter?: { user?: string; active?: boolean }): Promise<TokenView[]>;
  /** Changes a user's role; refuses to leave the workspace without an active admin. */
  changeRole(workspaceId: string, userName: string, role: Role): Promise<UserView>;
  /** Sets a user's row scope (a dimension left out is unrestricted); their tokens follow within a second. */
  changeScope(workspaceId: string, userName: string, scope: RowScope): Promise<UserView>;
  /** Disables or enables a user; refuses to disable the last active admin. */
  setDisabled(workspaceId: string, userName: string, disabled: boolean): Promise<UserView>;
  /** Revokes one token (idempotent: an already revoked token stays as it was). */
  revokeToken(workspaceId: string, tokenId: string): Promise<TokenView>;
  /** Issues a new token for the owner of `tokenId` and revokes `tokenId`, in one step. */
  rotateToken(workspaceId: string, tokenId: string, opts: { label?: string; expiresInDays?: number }): Promise<IssuedToken & { userName: string; role: Role }>;
}

/** Who holds which role and whether they are disabled: what the last-admin rule looks at. */
export interface UserRoleState {
  name: string;
  role: Role;
  disabled: boolean;
}

/**
 * Whether a change to `target` would leave the workspace without an active admin: the rule
 * that keeps a way in. `change` is the target's state after the change.
 */
export function leavesNoActiveAdmin(users: readonly UserRoleState[], target: string, change: { role: Role; disabled: boolean }): boolean {
  const after = users.map((u) => (u.name === target ? { ...u, ...change } : u));
  const before = users.some((u) => u.role === "admin" && !u.disabled);
  return before && !after.some((u) => u.role === "admin" && !u.disabled);
}
