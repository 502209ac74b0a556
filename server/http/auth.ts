import type { NextFunction, Request, Response } from "express";
import type { Principal } from "../domain/access/principal.js";
import { UnauthorizedError } from "../domain/errors.js";

/** Resolves a token to a principal; a small interface so tests can swap it. */
export interface Authenticator {
  authenticate(token: string): Promise<Principal | undefined>;
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

/**
 * Remembers resolved tokens for a few seconds, so a long-polling client (one request per
 * change it is woken for) does not cost a database lookup each time. Unknown tokens are
 * not remembered; a token revoked in the database stops working within `ttlMs`.
 */
export class CachingAuthenticator implements Authenticator {
  private readonly hits = new Map<string, { principal: Principal; until: number }>();

  constructor(
    private readonly inner: Authenticator,
    private readonly ttlMs = 10_000,
    private readonly maxEntries = 10_000,
    private readonly now: () => number = Date.now,
  ) {}

  async authenticate(token: string): Promise<Principal | undefined> {
    const cached = this.hits.get(token);
    const t = this.now();
    if (cached && cached.until > t) return cached.principal;
    if (cached) this.hits.delete(token);
    const principal = await this.inner.authenticate(token);
    if (principal) {
      if (this.hits.size >= this.maxEntries) this.hits.delete(this.hits.keys().next().value as string);
      this.hits.set(token, { principal, until: t + this.ttlMs });
    }
    return principal;
  }
}
