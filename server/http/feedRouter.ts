import { Router } from "express";
import { api } from "../contracts/api.js";
import type { Change } from "../contracts/changes.js";
import { maskCustomer } from "../domain/access/masking.js";
import { isScoped } from "../domain/access/rowScope.js";
import type { ChangeFeed, ChangePage } from "../domain/changes/ports.js";
import type { Customer } from "../domain/order.js";
import { callerPolicy, logUnmaskedRead, type AccessGate } from "./accessGate.js";
import { bindRoute } from "./bindRoute.js";

/** The customer a feed entry carries, if any (order rows never put one there today; a future writer might). */
function customerOf(c: Change): Customer | undefined {
  const cu = c.data.customer;
  return cu && typeof cu === "object" ? (cu as Customer) : undefined;
}

/** A page with every customer in it masked; the same page when none carries one. */
export function maskChangePage(page: ChangePage): ChangePage {
  if (!page.changes.some(customerOf)) return page;
  return {
    ...page,
    changes: page.changes.map((c) => {
      const cu = customerOf(c);
      return cu ? { ...c, data: { ...c.data, customer: maskCustomer(cu) } } : c;
    }),
  };
}

/**
 * `/api/changes`: the change feed, with long-polling, confined to the caller's row scope
 * (changes about orders outside it are left out; the cursor moves past them). Personal data in feed entries is
 * masked for roles without the unmasked-PII permission of the access policy (absent
 * `access`: always), and an unmasked page that carries any is logged.
 */
export function feedRouter(feed: ChangeFeed, access?: AccessGate): Router {
  const router = Router();
  // Waiters woken by one commit receive the same page object (one shared read); it is
  // serialised and encoded once for all of them instead of once per client (once per
  // masked and unmasked form).
  const bodies = new WeakMap<object, { plain?: Buffer; masked?: Buffer }>();
  bindRoute(router, api.changes, async ({ query, principal, req, res }) => {
    const abort = new AbortController();
    const onClose = () => abort.abort();
    res.on("close", onClose);
    try {
      const scope = isScoped(principal.scope) ? principal.scope : undefined;
      const page = await feed.poll(principal.workspaceId, query.since, query.limit, query.wait * 1000, abort.signal, scope);
      const unmasked = access ? (await callerPolicy(access, principal)).unmaskedPii : false;
      let cached = bodies.get(page);
      if (cached === undefined) bodies.set(page, (cached = {}));
      const form = unmasked ? "plain" : "masked";
      let body = cached[form];
      const shown = unmasked ? page : maskChangePage(page);
      if (body === undefined) {
        body = Buffer.from(JSON.stringify(shown));
        cached[form] = body;
      }
      if (unmasked && access) {
        const carrying = page.changes.filter((c) => customerOf(c) && c.orderId).map((c) => ({ id: c.orderId!, customer: customerOf(c)! }));
        await logUnmaskedRead(access, req, principal, carrying, "GET /api/changes");
      }
      if (!res.headersSent && !abort.signal.aborted) res.type("application/json").send(body);
      return shown;
    } finally {
      res.off("close", onClose);
    }
  });
  bindRoute(router, api.changesHead, async ({ principal }) => ({ cursor: await feed.head(principal.workspaceId) }));
  return router;
}
