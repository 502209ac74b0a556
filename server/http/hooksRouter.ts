import express, { Router, type Request, type Response, type NextFunction } from "express";
import type { Logger } from "pino";
import type { Connectors } from "../domain/connectors/ports.js";
import type { RejectionStore } from "../domain/rejections/ports.js";
import { InputError } from "../domain/errors.js";

/** What the webhook route needs. */
export interface HooksRouterDeps {
  connectors: Connectors;
  rejections: RejectionStore;
  logger: Logger;
  bodyLimitBytes: number;
}

/**
 * `POST /hooks/:connectorId`: platform webhooks. No bearer token — the platform's own
 * signature over the raw body authenticates the call. An unsigned or wrongly signed call is
 * answered 401 and kept with the refused inputs, where admins look.
 */
export function hooksRouter(deps: HooksRouterDeps): Router {
  const router = Router();
  router.post("/:connectorId", express.raw({ type: () => true, limit: deps.bodyLimitBytes }), async (req: Request, res: Response, next: NextFunction) => {
    try {
      const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      req.rawBody = raw.subarray(0, 65536).toString("utf8");
      req.rawBodyBytes = raw.length;
      const answer = await deps.connectors.webhook(String(req.params.connectorId), raw, req.headers);
      switch (answer.outcome) {
        case "not_found":
          res.status(404).json({ error: { code: "not_found", message: "no connector with this id" } });
          return;
        case "unauthorized":
          await deps.rejections
            .record({
              workspaceId: answer.workspaceId,
              actor: null,
              route: `POST /hooks/${req.params.connectorId}`,
              status: 401,
              reason: answer.reason,
              body: req.rawBody.replace(/\u0000/g, "\uFFFD"),
              bodyBytes: raw.length,
            })
            .catch((err: unknown) => deps.logger.warn({ err }, "could not store a refused webhook"));
          res.status(401).json(answer.reply ?? { error: { code: "unauthorized", message: answer.reason } });
          return;
        default:
          res.json(answer.reply ?? { outcome: answer.outcome, ...("detail" in answer && answer.detail ? { detail: answer.detail } : {}) });
      }
    } catch (err) {
      next(err instanceof SyntaxError ? new InputError("the webhook body cannot be read") : err);
    }
  });
  return router;
}
