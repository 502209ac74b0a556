import type { Role } from "../../contracts/roles.js";

/** A token as shown once at creation; only its hash is stored. */
export interface IssuedToken {
  token: string;
  tokenId: string;
  userId: string;
  /** When it stops working by itself; null: until revoked. */
  expiresAt: Date | null;
}

/** How to issue a token. */
export interface IssueOptions {
  /** The token itself (ORDERSHEET_ADMIN_TOKEN); absent: a fresh random one. */
  token?: string;
  label?: string;
  /** The token expires this many days after issue. */
  expiresInDays?: number;
}

/**
 * Issues API tokens: what `POST /api/tokens` needs (implemented by `KnexWorkspaceStore`).
 * A user has one role: a new user is created with `role`; for an existing user `role` must
 * be the one they hold (else `RoleMismatchError`) — roles change only on purpose, through
 * `UserDirectory.changeRole`.
 */
export interface TokenIssuer {
  /** Issues a new token for a user; the plain token is returned once and never stored. */
  issueToken(workspaceId: string, userName: string, role: Role, opts?: IssueOptions): Promise<IssuedToken>;
}
