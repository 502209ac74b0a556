import type { Request, Response, Router } from "express";
import type { z } from "zod";
import type { RouteContract } from "../contracts/api.js";
import type { Principal } from "../domain/access/principal.js";
import { ForbiddenError, InputError } from "../domain/errors.js";
import { principalOf } from "./auth.js";
import { describeZodError } from "./errorHandler.js";
import { firstUnstorable } from "./jsonBody.js";

/** What a handler receives: validated input and the caller. */
export interface HandlerInput<C extends RouteContract> {
  query: z.infer<NonNullable<C["query"]>>;
  body: z.infer<NonNullable<C["body"]>>;
  params: z.infer<NonNullable<C["params"]>>;
  principal: Principal;
  req: Request;
  res: Response;
}

/**
 * Mounts a contract on a router: checks the role, validates params, query and body with
 * the contract's zod schemas, and sends the handler's result as JSON.
 */
export function bindRoute<C extends RouteContract>(
  router: Router,
  contract: C,
  handler: (input: HandlerInput<C>) => Promise<z.infer<C["response"]>>,
): void {
  router[contract.method](contract.path.replace(/^\/api(?=\/)/, ""), async (req: Request, res: Response, next) => {
    try {
      const principal = principalOf(res);
      if (contract.roles && !contract.roles.includes(principal.role)) {
        throw new ForbiddenError(`role ${principal.role} may not ${contract.summary.toLowerCase()}; allowed: ${contract.roles.join(", ")}`);
      }
      const parse = (schema: z.ZodType | undefined, value: unknown, where: string) => {
        if (!schema) return undefined;
        const r = schema.safeParse(value ?? (where === "body" ? undefined : {}));
        if (!r.success) throw describeZodError(r.error, where, value);
        return r.data;
      };
      for (const [where, value] of [["path", req.params], ["query", req.query]] as const) {
        const bad = firstUnstorable(value, "");
        if (bad) throw new InputError(`invalid ${where}: ${bad.path || "(the whole)"}: ${bad.reason}`, { problems: [{ path: bad.path, message: bad.reason }] });
      }
      const params = parse(contract.params, req.params, "path");
      const query = parse(contract.query, req.query, "query");
      if (contract.body && req.body === undefined) throw describeZodError(contract.body.safeParse(undefined).error!, "body");
      const body = parse(contract.body, req.body, "body");
      const result = await handler({ query, body, params, principal, req, res } as HandlerInput<C>);
      if (!res.headersSent) res.json(result);
    } catch (err) {
      next(err);
    }
  });
}
