import type { IncomingMessage, ServerResponse } from "node:http";
import type { RequestHandler } from "express";
import type { Logger } from "pino";
import { pinoHttp } from "pino-http";
import { api } from "../contracts/api.js";
import type { Principal } from "../domain/access/principal.js";

/** Route patterns of the API contracts, most specific (longest literal part) first. */
const ROUTES = Object.values(api)
  .map((c) => ({
    method: c.method.toUpperCase(),
    path: c.path,
    re: new RegExp(`^${c.path.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/:[A-Za-z]+/g, "[^/]+")}/?$`),
    literal: c.path.replace(/:[A-Za-z]+/g, "").length,
  }))
  .sort((a, b) => b.literal - a.literal);

/**
 * What the access log names as a request's path: the route pattern (`/api/orders/:id`),
 * never the values in the path or the query string, which can be personal. Paths outside
 * the API contracts keep only their first segment (`/addin/*`).
 */
export function routeOf(method: string, url: string): string {
  const path = url.split("?")[0];
  const hit = ROUTES.find((r) => r.method === method && r.re.test(path)) ?? ROUTES.find((r) => r.re.test(path));
  if (hit) return hit.path;
  if (path === "/healthz" || path === "/metrics" || path === "/api/openapi.json") return path;
  const parts = path.split("/").filter(Boolean);
  if (parts[0] === "api") return parts.length > 1 ? `/api/${encodeURIComponent(parts[1]).slice(0, 40)}/*` : "/api";
  return parts.length ? `/${encodeURIComponent(parts[0]).slice(0, 40)}/*` : "/";
}

/**
 * One structured line per request: method, route pattern, status, duration, and the user
 * and token id when the request was authenticated. Never the token, the Authorization
 * header, bodies, query values or any other header.
 */
export function accessLog(logger: Logger): RequestHandler {
  const line = (req: IncomingMessage, res: ServerResponse, ms: number) => {
    const principal = (res as ServerResponse & { locals?: { principal?: Principal } }).locals?.principal;
    return {
      method: req.method,
      route: routeOf(req.method ?? "GET", (req as IncomingMessage & { originalUrl?: string }).originalUrl ?? req.url ?? "/"),
      status: res.statusCode,
      ms,
      user: principal?.userName ?? null,
      tokenId: principal?.tokenId ?? null,
    };
  };
  const middleware = pinoHttp({
    logger,
    quietReqLogger: true,
    quietResLogger: true,
    customAttributeKeys: { reqId: "reqId" },
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? "error" : "info"),
    customSuccessObject: (req, res, val: { responseTime: number }) => line(req, res, val.responseTime),
    customErrorObject: (req, res, _err, val: { responseTime: number }) => line(req, res, val.responseTime),
    customSuccessMessage: () => "request",
    customErrorMessage: () => "request failed",
  });
  return middleware as unknown as RequestHandler;
}
