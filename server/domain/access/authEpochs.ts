import type { Principal } from "./principal.js";

/**
 * A per-workspace counter that moves whenever who-may-do-what changes (a user disabled or
 * enabled, a token revoked or rotated, a role or row scope changed). Every server instance
 * caching resolved tokens re-reads it a few times a second and drops its cache for a
 * workspace whose epoch moved, so such a change reaches every instance sharing the database
 * within a second.
 */
export interface AuthEpochs {
  /** Moves the workspace's epoch; call it after (or in the transaction of) the change. */
  bump(workspaceId: string): Promise<void>;
  /** The current epoch of each workspace asked for (0 for one that never moved). */
  read(workspaceIds: readonly string[]): Promise<Map<string, number>>;
}

/** A resolved token together with the workspace's auth epoch seen in the same snapshot. */
export interface EpochedPrincipal {
  principal: Principal;
  epoch: number;
  /** When the token stops working by itself, if it expires. */
  expiresAt: Date | null;
}

/** Resolves a token and says at which auth epoch it was read (implemented by `KnexWorkspaceStore`). */
export interface TokenLookup {
  lookup(token: string): Promise<EpochedPrincipal | undefined>;
}
