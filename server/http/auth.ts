import type { NextFunction, Request, Response } from "express";
import type { AuthEpochs, TokenLookup } from "../domain/access/authEpochs.js";
import type { Principal } from "../domain/access/principal.js";
import { UnauthorizedError } from "../domain/errors.js";

/** Resolves a token to a principal; a small interface so tests can swap it. */
export interface Authenticator {
  authenticate(token: string): Promise<Principal | undefined>;
  /** Forgets what it remembers, after a change to users or tokens made through this server. */
  clear?(): void;
}

/** Requires `Authorization: Bearer <token>` and puts the principal in `res.locals`. */
export function requireToken(auth: Authenticator) {
  return async function checkToken(req: Request, res: Response, next: NextFunction): Promise<void> {
    const header = req.headers.authorization ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match) return next(new UnauthorizedError("send your API token as: Authorization: Bearer <token>"));
    try {
      const principal = await auth.authenticate(match[1]);
      if (!principal) return next(new UnauthorizedError("this token is not valid (unknown or revoked); ask your admin for a new one"));
      res.locals.principal = principal;
      next();
    } catch (err) {
      next(err);
    }
  };
}

/** The principal of an authenticated request. */
export function principalOf(res: Response): Principal {
  const p = res.locals.principal as Principal | undefined;
  if (!p) throw new UnauthorizedError("not authenticated");
  return p;
}

/** How a `CachingAuthenticator` learns that cached principals went stale. */
export interface CacheInvalidation {
  /** The shared auth epochs (bumped by disable, revoke, role and scope changes). */
  epochs: AuthEpochs;
  /** How often, at most, the epochs are read again (default 250 ms). */
  checkEveryMs?: number;
}

/**
 * Remembers resolved tokens for a few seconds, so a long-polling client (one request per
 * change it is woken for) does not cost a database lookup each time. Unknown tokens are
 * not remembered. With `invalidation`, it re-reads the workspaces' auth epochs at most every
 * `checkEveryMs` and forgets every principal of a workspace whose epoch moved, so a user
 * disabled or a token revoked on any server instance is refused here within a fraction of a
 * second; without it, such a token stops working within `ttlMs`. A token that expires is
 * never answered from memory past its expiry.
 */
export class CachingAuthenticator implements Authenticator {
  private readonly hits = new Map<string, { principal: Principal; until: number; epoch: number; expiresAt: number | null }>();
  private readonly epochs = new Map<string, number>();
  private lastCheck = -Infinity;
  private checking: Promise<void> | undefined;

  constructor(
    private readonly inner: Authenticator | TokenLookup,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
    private readonly invalidation?: CacheInvalidation,
    /** The server's clock, which token expiry is judged by (tests move it); `now` by default. */
    private readonly expiryClock: () => number = now,
  ) {}

  async authenticate(token: string): Promise<Principal | undefined> {
    await this.checkEpochs();
    const cached = this.hits.get(token);
    const t = this.now();
    if (cached && cached.until > t && (cached.expiresAt === null || cached.expiresAt > this.expiryClock())) return cached.principal;
    if (cached) this.hits.delete(token);
    const found = await this.resolve(token);
    if (!found) return undefined;
    const known = this.epochs.get(found.principal.workspaceId);
    // Cache only what is as new as the epochs this instance already acts on.
    if (known === undefined || found.epoch >= known) {
      if (known === undefined) this.epochs.set(found.principal.workspaceId, found.epoch);
      if (this.hits.size >= this.maxEntries) this.hits.delete(this.hits.keys().next().value as string);
      this.hits.set(token, { principal: found.principal, until: t + this.ttlMs, epoch: found.epoch, expiresAt: found.expiresAt ? found.expiresAt.getTime() : null });
    }
    return found.principal;
  }

  /** Forgets every cached principal (e.g. after a change made through this instance). */
  clear(): void {
    this.hits.clear();
  }

  private async resolve(token: string): Promise<{ principal: Principal; epoch: number; expiresAt: Date | null } | undefined> {
    if ("lookup" in this.inner) return this.inner.lookup(token);
    const principal = await this.inner.authenticate(token);
    return principal ? { principal, epoch: 0, expiresAt: null } : undefined;
  }

  /** Reads the epochs of the cached workspaces when due, and drops the entries of those that moved. */
  private async checkEpochs(): Promise<void> {
    if (!this.invalidation) return;
    if (this.checking) return this.checking;
    if (this.now() - this.lastCheck < (this.invalidation.checkEveryMs ?? 250)) return;
    const workspaces = [...this.epochs.keys()];
    if (workspaces.length === 0) return;
    // Assigned before the check can finish: clearing `checking` inside a check that ends
    // without awaiting would run before this assignment and leave a settled promise behind,
    // which would silently stop every later check.
    this.checking = (async () => {
      try {
        const current = await this.invalidation!.epochs.read(workspaces);
        const moved = new Set<string>();
        for (const [ws, epoch] of current) {
          if (epoch !== this.epochs.get(ws)) moved.add(ws);
          this.epochs.set(ws, epoch);
        }
        if (moved.size === 0) return;
        for (const [token, hit] of this.hits) {
          if (moved.has(hit.principal.workspaceId) && hit.epoch !== current.get(hit.principal.workspaceId)) this.hits.delete(token);
        }
      } finally {
        this.lastCheck = this.now();
        this.checking = undefined;
      }
    })();
    return this.checking;
  }
}
