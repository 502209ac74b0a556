import { Router } from "express";
import { api } from "../contracts/api.js";
import type { ChangeFeed } from "../domain/changes/ports.js";
import { bindRoute } from "./bindRoute.js";

/** `/api/changes`: the change feed, with long-polling. */
export function feedRouter(feed: ChangeFeed): Router {
  const router = Router();
  // Waiters woken by one commit receive the same page object (one shared read); it is
  // serialised and encoded once for all of them instead of once per client.
  const bodies = new WeakMap<object, Buffer>();
  bindRoute(router, api.changes, async ({ query, principal, res }) => {
    const abort = new AbortController();
    const onClose = () => abort.abort();
    res.on("close", onClose);
    try {
      const page = await feed.poll(principal.workspaceId, query.since, query.limit, query.wait * 1000, abort.signal);
      let body = bodies.get(page);
      if (body === undefined) {
        body = Buffer.from(JSON.stringify(page));
        bodies.set(page, body);
      }
      if (!res.headersSent && !abort.signal.aborted) res.type("application/json").send(body);
      return page;
    } finally {
      res.off("close", onClose);
    }
  });
  bindRoute(router, api.changesHead, async ({ principal }) => ({ cursor: await feed.head(principal.workspaceId) }));
  return router;
}
