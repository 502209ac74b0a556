import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** An order as the protocol server keeps it. */
export interface ShopOrder {
  id: number;
  name: string;
  createdAt: string;
  updatedAt: string;
  processedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  financial: string;
  fulfillment: string;
  total: string;
  currency: string;
  customer: { id: number; firstName: string; lastName: string; phone: string | null };
  lineItems: { sku: string; title: string; quantity: number; price: string }[];
  fulfillments: { createdAt: string; company: string; number: string }[];
}

/** One GraphQL request as the server saw it. */
export interface SeenRequest {
  after: string | null;
  first: number;
  query: string;
  answer: "page" | "throttled" | "429" | "dropped" | "401";
}

const REST_FULFILLMENT: Record<string, string | null> = { UNFULFILLED: null, PARTIALLY_FULFILLED: "partial", FULFILLED: "fulfilled", RESTOCKED: "restocked" };

/**
 * A local server speaking the parts of Shopify's Admin API the connector uses, as
 * documented: `POST /admin/api/{version}/graphql.json` with `X-Shopify-Access-Token`;
 * `orders(first, after, query: "updated_at:>='…' AND updated_at:<='…'", sortKey: UPDATED_AT)`
 * paged by opaque cursors with `pageInfo { hasNextPage endCursor }` (`first` ≤ 250); a
 * leaky-bucket query-cost budget reported in `extensions.cost.throttleStatus` and answered
 * `THROTTLED` when a query costs more than the bucket holds; `429` with `Retry-After`; and
 * webhooks signed with HMAC-SHA256 of the raw body (base64). Its clock only moves when the
 * test advances it, so the bucket refills exactly as long as the client waited.
 */
export class ShopifyProtocolServer {
  orders: ShopOrder[] = [];
  readonly requests: SeenRequest[] = [];
  accessToken = "shpat_test_0123456789";
  /** Bucket size and refill per second (Standard plan: 100 points/s; tests shrink it). */
  bucket = { maximumAvailable: 1000, restoreRate: 100 };
  private available = 1000;
  private clockMs = 0;
  private lastRefill = 0;
  /** Answer the next N GraphQL requests with 429 and this Retry-After. */
  rateLimit = { remaining: 0, retryAfter: "2" };
  /** Drop the connection (no answer) for requests asking for a page after one of these cursors. */
  readonly dropAfter = new Set<string>();
  private server?: http.Server;
  url = "";

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Moves the server's clock (the bucket refills by restoreRate per second). */
  advance(ms: number): void {
    this.clockMs += ms;
  }

  setBucket(maximumAvailable: number, restoreRate: number): void {
    this.bucket = { maximumAvailable, restoreRate };
    this.available = maximumAvailable;
    this.lastRefill = this.clockMs;
  }

  /** The cursor that follows `order` in update-time order. */
  cursorOf(o: ShopOrder): string {
    return Buffer.from(JSON.stringify([o.updatedAt, o.id])).toString("base64url");
  }

  private refill(): void {
    const elapsed = this.clockMs - this.lastRefill;
    this.lastRefill = this.clockMs;
    this.available = Math.min(this.bucket.maximumAvailable, this.available + (elapsed / 1000) * this.bucket.restoreRate);
  }

  private costStatus(requested: number, actual: number | null) {
    return {
      requestedQueryCost: requested,
      actualQueryCost: actual,
      throttleStatus: { maximumAvailable: this.bucket.maximumAvailable, currentlyAvailable: Math.floor(this.available), restoreRate: this.bucket.restoreRate },
    };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json", ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || !/^\/admin\/api\/\d{4}-\d{2}\/graphql\.json$/.test(req.url ?? "")) return send(404, { errors: "Not Found" });
    let body: { query?: string; variables?: { first?: number; after?: string | null; query?: string } };
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return send(400, { errors: "invalid JSON" });
    }
    const v = body.variables ?? {};
    const seen: SeenRequest = { after: v.after ?? null, first: v.first ?? 0, query: v.query ?? "", answer: "page" };
    this.requests.push(seen);
    if (req.headers["x-shopify-access-token"] !== this.accessToken) {
      seen.answer = "401";
      return send(401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    }
    if (v.after && this.dropAfter.has(v.after)) {
      seen.answer = "dropped";
      req.socket.destroy();
      return;
    }
    if (this.rateLimit.remaining > 0) {
      this.rateLimit.remaining -= 1;
      seen.answer = "429";
      return send(429, { errors: "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service." }, { "retry-after": this.rateLimit.retryAfter });
    }
    if (!body.query?.includes("orders(")) return send(200, { errors: [{ message: "only the orders query is served here" }] });
    const first = v.first ?? 0;
    if (!Number.isInteger(first) || first < 1 || first > 250) {
      return send(200, { errors: [{ message: "The page size requested (first) must be between 1 and 250", extensions: { code: "BAD_USER_INPUT" } }] });
    }
    // Cost: 2 for the connection plus one per requested node; refunded to what was returned.
    const requested = 2 + first;
    this.refill();
    if (requested > this.available) {
      seen.answer = "throttled";
      return send(200, { errors: [{ message: "Throttled", extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/rate-limits" } }], extensions: { cost: this.costStatus(requested, null) } });
    }
    const from = /updated_at:>='([^']+)'/.exec(v.query ?? "")?.[1];
    const to = /updated_at:<='([^']+)'/.exec(v.query ?? "")?.[1];
    const sorted = this.orders
      .filter((o) => (!from || Date.parse(o.updatedAt) >= Date.parse(from)) && (!to || Date.parse(o.updatedAt) <= Date.parse(to)))
      .sort((a, b) => (a.updatedAt === b.updatedAt ? a.id - b.id : a.updatedAt < b.updatedAt ? -1 : 1));
    let start = 0;
    if (v.after) {
      let key: [string, number];
      try {
        key = JSON.parse(Buffer.from(v.after, "base64url").toString("utf8"));
      } catch {
        return send(200, { errors: [{ message: "Invalid cursor for current pagination", extensions: { code: "BAD_USER_INPUT" } }] });
      }
      start = sorted.findIndex((o) => o.updatedAt > key[0] || (o.updatedAt === key[0] && o.id > key[1]));
      if (start < 0) start = sorted.length;
    }
    const nodes = sorted.slice(start, start + first);
    const actual = 2 + nodes.length;
    this.available -= actual;
    const last = nodes[nodes.length - 1];
    send(200, {
      data: {
        orders: {
          pageInfo: { hasNextPage: start + first < sorted.length, endCursor: last ? this.cursorOf(last) : null },
          nodes: nodes.map((o) => this.toGraphql(o)),
        },
      },
      extensions: { cost: this.costStatus(requested, actual) },
    });
  }

  private toGraphql(o: ShopOrder) {
    const money = (amount: string) => ({ shopMoney: { amount, currencyCode: o.currency } });
    return {
      id: `gid://shopify/Order/${o.id}`,
      legacyResourceId: String(o.id),
      name: o.name,
      createdAt: o.createdAt,
      updatedAt: o.updatedAt,
      processedAt: o.processedAt,
      cancelledAt: o.cancelledAt,
      cancelReason: o.cancelReason,
      displayFinancialStatus: o.financial,
      displayFulfillmentStatus: o.fulfillment,
      totalPriceSet: money(o.total),
      customer: { id: `gid://shopify/Customer/${o.customer.id}`, displayName: `${o.customer.firstName} ${o.customer.lastName}`, phone: o.customer.phone },
      shippingAddress: { address1: "1 Main St", city: "Ottawa", province: "Ontario", country: "Canada" },
      lineItems: { nodes: o.lineItems.map((l) => ({ sku: l.sku, title: l.title, quantity: l.quantity, originalUnitPriceSet: money(l.price) })) },
      fulfillments: o.fulfillments.map((f) => ({ createdAt: f.createdAt, trackingInfo: [{ company: f.company, number: f.number }] })),
    };
  }

  /** The REST shape of an order, as `orders/*` webhooks carry it (money as decimal strings). */
  toRest(o: ShopOrder): Record<string, unknown> {
    return {
      id: o.id,
      admin_graphql_api_id: `gid://shopify/Order/${o.id}`,
      name: o.name,
      created_at: o.createdAt,
      updated_at: o.updatedAt,
      processed_at: o.processedAt,
      cancelled_at: o.cancelledAt,
      cancel_reason: o.cancelReason,
      financial_status: o.financial.toLowerCase(),
      fulfillment_status: REST_FULFILLMENT[o.fulfillment] ?? o.fulfillment.toLowerCase(),
      total_price: o.total,
      currency: o.currency,
      customer: { id: o.customer.id, first_name: o.customer.firstName, last_name: o.customer.lastName, phone: o.customer.phone },
      line_items: o.lineItems.map((l) => ({ sku: l.sku, title: l.title, quantity: l.quantity, price: l.price })),
      fulfillments: o.fulfillments.map((f) => ({ created_at: f.createdAt, tracking_company: f.company, tracking_number: f.number, tracking_numbers: [f.number] })),
    };
  }

  /** Delivers a webhook as Shopify does: the raw JSON body signed with the app secret. */
  async sendWebhook(url: string, opts: { topic: string; order: ShopOrder; secret: string | null; eventId: string; webhookId?: string; tamper?: boolean }): Promise<{ status: number; body: any }> {
    const raw = JSON.stringify(this.toRest(opts.order));
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-shopify-topic": opts.topic,
      "x-shopify-shop-domain": "test-shop.myshopify.com",
      "x-shopify-api-version": "2025-01",
      "x-shopify-webhook-id": opts.webhookId ?? crypto.randomUUID(),
      "x-shopify-event-id": opts.eventId,
      "x-shopify-triggered-at": new Date().toISOString(),
    };
    if (opts.secret !== null) headers["x-shopify-hmac-sha256"] = crypto.createHmac("sha256", opts.secret).update(raw).digest("base64");
    const res = await fetch(url, { method: "POST", headers, body: opts.tamper ? raw.replace(`"total_price":"${opts.order.total}"`, '"total_price":"0.01"') : raw });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body };
  }
}

/** A made-up order: `n` picks its id, name and times. */
export function shopOrder(n: number, over: Partial<ShopOrder> = {}): ShopOrder {
  const at = new Date(Date.UTC(2026, 11, 1, 0, n)).toISOString();
  return {
    id: 5_000_000 + n,
    name: `#${1000 + n}`,
    createdAt: at,
    updatedAt: at,
    processedAt: at,
    cancelledAt: null,
    cancelReason: null,
    financial: "PAID",
    fulfillment: "UNFULFILLED",
    total: "59.90",
    currency: "USD",
    customer: { id: 700 + n, firstName: "Ada", lastName: `Buyer${n}`, phone: null },
    lineItems: [{ sku: `SKU-${n}`, title: "Mug", quantity: 2, price: "29.95" }],
    fulfillments: [],
    ...over,
  };
}
