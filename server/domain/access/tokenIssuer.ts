import type { Role } from "../../contracts/roles.js";

/** A token as shown once at creation; only its hash is stored. */
export interface IssuedToken {
  token: string;
  tokenId: string;
  userId: string;
}

/** Issues API tokens: what `POST /api/tokens` needs (implemented by `KnexWorkspaceStore`). */
export interface TokenIssuer {
  /** Issues a new token for a user; the plain token is returned once and never stored. */
  issueToken(workspaceId: string, userName: string, role: Role, opts?: { token?: string; label?: string }): Promise<IssuedToken>;
}
