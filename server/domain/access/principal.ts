import type { Role } from "../../contracts/roles.js";

/**
 * The rows a user may see and change. Each list names the values allowed for that
 * dimension of an order; an absent list means every value (no restriction there).
 */
export interface RowScope {
  regions?: string[];
  warehouses?: string[];
  channels?: string[];
}

/** A scope with no restriction (admins, and users no admin has narrowed). */
export const UNRESTRICTED_SCOPE: RowScope = Object.freeze({});

/** Whether a scope restricts nothing. */
export function isUnrestricted(scope: RowScope): boolean {
  return scope.regions === undefined && scope.warehouses === undefined && scope.channels === undefined;
}

/** Who is calling: resolved from a bearer token. */
export interface Principal {
  workspaceId: string;
  timeZone: string;
  userId: string;
  userName: string;
  role: Role;
  tokenId: string;
  /** The orders this user may see and change (row scope). */
  scope: RowScope;
}
