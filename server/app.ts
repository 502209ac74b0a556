import { ROLE_LABELS } from "./contracts/access.js";
import express, { type Express, Router } from "express";
import type { Logger } from "pino";
import { api, type RouteContract } from "./contracts/api.js";
import type { SensitiveLog } from "./domain/access/sensitiveOperation.js";
import type { TokenIssuer } from "./domain/access/tokenIssuer.js";
import type { UserDirectory } from "./domain/access/userDirectory.js";
import { accessLog } from "./http/accessLog.js";
import { writeRateLimit, type WriteRateLimit } from "./http/rateLimit.js";
import { usersRouter } from "./http/usersRouter.js";
import type { ChangeFeed } from "./domain/changes/ports.js";
import type { OrderStore } from "./domain/orders/ports.js";
import type { RejectionStore } from "./domain/rejections/ports.js";
import { NotFoundError } from "./domain/errors.js";
import { isScoped } from "./domain/access/rowScope.js";
import { addinStatic, type AddinStaticOptions } from "./http/addinStatic.js";
import { requireToken, type Authenticator } from "./http/auth.js";
import { bindRoute } from "./http/bindRoute.js";
import { errorHandler } from "./http/errorHandler.js";
import { feedRouter } from "./http/feedRouter.js";
import { jsonBody } from "./http/jsonBody.js";
import type { Metrics } from "./http/metrics.js";
import { buildOpenApi } from "./http/openapi.js";
import { ordersRouter } from "./http/ordersRouter.js";
import { engineRouter, type EngineDeps } from "./http/engineRouter.js";
import type { AccessPolicyStore } from "./domain/access/accessPolicies.js";
import { callerPolicy } from "./http/accessGate.js";
import { exportRouter } from "./http/exportRouter.js";
import { policyRouter } from "./http/policyRouter.js";
import { sensitiveLogRouter } from "./http/sensitiveLogRouter.js";
import type { Connectors } from "./domain/connectors/ports.js";
import { connectorsRouter } from "./http/connectorsRouter.js";
import type { FactStore } from "./domain/workflow/factStore.js";
import { factsRouter } from "./http/factsRouter.js";
import { hooksRouter } from "./http/hooksRouter.js";
import { filedropRouter } from "./http/filedropRouter.js";
import type { Filedrop } from "./domain/connectors/filedrop.js";
import { notifyRouter } from "./http/notifyRouter.js";
import { followupsRouter } from "./http/followupsRouter.js";
import type { FollowupStore } from "./domain/followups/ports.js";
import type { NotifyAdminStore } from "./notify/ports.js";

/**
 * Everything the HTTP app is built from; `main.ts` wires the real ones, tests their own.
 * Stores are ports (interfaces in `domain/`); their database implementations are the
 * `Knex…` classes of the same name in `db/` (`OrderStore` → `KnexOrderStore`).
 */
export interface AppDeps {
  logger: Logger;
  metrics: Metrics;
  auth: Authenticator;
  workspaces: TokenIssuer;
  /** Users and tokens: list, issue, revoke, rotate, disable, change roles. */
  users: UserDirectory;
  /** Per-token limit on write requests (default `DEFAULT_WRITE_RATE_LIMIT`). */
  writeRateLimit?: WriteRateLimit;
  orders: OrderStore;
  feed: ChangeFeed;
  rejections: RejectionStore;
  /** Append-only log of sensitive operations (exports, publishes, token and user changes …). */
  sensitiveLog: SensitiveLog;
  /** Column permissions per role (editable columns, unmasked personal data, export), per workspace. */
  policies: AccessPolicyStore;
  /** The workflow engine's stores (events, edits, workflow, audit, alerts). */
  engine: Omit<EngineDeps, "now" | "policies" | "sensitiveLog">;
  /** Connector instances, their runs and webhooks (absent: the connector routes answer 404). */
  connectors?: Connectors;
  /** Source precedence per fact and its disputes (absent: those routes answer 404). */
  facts?: FactStore;
  /** File-drop uploads (absent: their routes answer 404). */
  filedrop?: Filedrop;
  /** Notification targets, routing rules and the delivery log. */
  notify: NotifyAdminStore;
  /** Conflicts and tasks about orders, listed and ended by hand. */
  followups: FollowupStore;
  /** Checks the database answers; throws if not. */
  ping: () => Promise<void>;
  backend: string;
  bodyLimitBytes: number;
  /** Where the Excel task pane and Office.js are served from (defaults: dist/addin, node_modules). */
  addin?: AddinStaticOptions;
  now: () => Date;
  version: string;
}

/** Every contract served, for the OpenAPI document. */
export const ROUTES: RouteContract[] = Object.values(api);

/** Builds the express app from its dependencies. */
export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");
  // API answers are live data no client revalidates; hashing every body (long-poll pages
  // included) for an ETag would be wasted work.
  app.set("etag", false);
  app.use(deps.metrics.middleware());
  app.use(accessLog(deps.logger));

  app.get("/healthz", async (_req, res) => {
    try {
      await deps.ping();
      res.json({ status: "ok", database: "up", backend: deps.backend, version: deps.version });
    } catch (err) {
      deps.logger.warn({ err }, "health check: database unreachable");
      res.status(503).json({ status: "degraded", database: "down", backend: deps.backend, version: deps.version });
    }
  });

  app.get("/metrics", async (_req, res) => {
    res.setHeader("Content-Type", deps.metrics.registry.contentType);
    res.send(await deps.metrics.registry.metrics());
  });

  // The Excel task pane and Office.js, from the same origin as the API (no CORS needed).
  app.use(addinStatic(deps.addin));

  // Platform webhooks: outside /api, no bearer token (the platform's signature authenticates).
  if (deps.connectors) app.use("/hooks", hooksRouter({ connectors: deps.connectors, rejections: deps.rejections, logger: deps.logger, bodyLimitBytes: deps.bodyLimitBytes }));

  const openapi = buildOpenApi(ROUTES, { title: "Ordersheet API", version: deps.version });
  const apiRouter = Router();
  apiRouter.use(requireToken(deps.auth));
  apiRouter.use(writeRateLimit(deps.writeRateLimit));
  apiRouter.get("/openapi.json", (_req, res) => {
    res.json(openapi);
  });
  // File uploads carry the file as the body: mounted before the JSON body parser.
  if (deps.filedrop) apiRouter.use(filedropRouter({ filedrop: deps.filedrop, fileLimitBytes: Math.max(deps.bodyLimitBytes, 20 * 1024 * 1024) }));
  apiRouter.use(jsonBody(deps.bodyLimitBytes));
  const access = { policies: deps.policies, sensitiveLog: deps.sensitiveLog, now: deps.now };
  bindRoute(apiRouter, api.me, async ({ principal }) => {
    const policy = await callerPolicy(access, principal);
    return {
      workspaceId: principal.workspaceId,
      user: principal.userName,
      role: principal.role,
      timeZone: principal.timeZone,
      editableColumns: policy.editableColumns,
      piiUnmasked: policy.unmaskedPii,
      mayExport: policy.mayExport,
      roleLabel: ROLE_LABELS[principal.role],
    };
  });
  apiRouter.use(usersRouter({ users: deps.users, sensitiveLog: deps.sensitiveLog, now: deps.now, forget: () => deps.auth.clear?.() }));
  apiRouter.use(policyRouter(access));
  apiRouter.use(sensitiveLogRouter(deps.sensitiveLog));
  apiRouter.use(exportRouter({ ...access, orders: deps.orders, workflows: deps.engine.workflows }));
  apiRouter.use(ordersRouter({ orders: deps.orders, metrics: deps.metrics, now: deps.now, access, workflows: deps.engine.workflows }));
  apiRouter.use(feedRouter(deps.feed, access));
  apiRouter.use(engineRouter({ ...deps.engine, now: deps.now, policies: deps.policies, sensitiveLog: deps.sensitiveLog }));
  if (deps.connectors) apiRouter.use(connectorsRouter({ connectors: deps.connectors, sensitiveLog: deps.sensitiveLog, now: deps.now }));
  if (deps.facts) apiRouter.use(factsRouter({ facts: deps.facts, events: deps.engine.events, orders: deps.orders, sensitiveLog: deps.sensitiveLog, now: deps.now }));
  apiRouter.use(notifyRouter({ store: deps.notify, now: deps.now }));
  apiRouter.use(followupsRouter({ store: deps.followups, now: deps.now }));
  // A refused body can hold any order's data, and nothing ties it to a region, warehouse or
  // channel: a caller with a row scope sees only what they themselves sent.
  bindRoute(apiRouter, api.rejections, async ({ query, principal }) => ({
    rejections: await deps.rejections.list(principal.workspaceId, query.limit, query.before, isScoped(principal.scope) ? principal.userName : undefined),
  }));
  apiRouter.use((req, _res, next) => next(new NotFoundError(`no API route ${req.method} ${req.baseUrl}${req.path}`)));
  app.use("/api", apiRouter);

  app.use(errorHandler(deps.logger, (r) => deps.rejections.record(r)));
  return app;
}
