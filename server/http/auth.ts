import type { NextFunction, Request, Response } from "express";
import type { Principal } from "../db/KnexWorkspaceStore.js";
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
