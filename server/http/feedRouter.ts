import { Router } from "express";
import { api } from "../contracts/api.js";
import type { KnexChangeFeed } from "../db/KnexChangeFeed.js";
import { bindRoute } from "./bindRoute.js";

/** `/api/changes`: the change feed, with long-polling. */
export function feedRouter(feed: KnexChangeFeed): Router {
  const router = Router();
  bindRoute(router, api.changes, async ({ query, principal, req, res }) => {
    const abort = new AbortController();
    const onClose = () => abort.abort();
    res.on("close", onClose);
    try {
      return await feed.poll(principal.workspaceId, query.since, query.limit, query.wait * 1000, abort.signal);
    } finally {
      res.off("close", onClose);
      void req;
    }
  });
  return router;
}
