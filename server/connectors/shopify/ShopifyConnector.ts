import crypto from "node:crypto";
import { ShopifyConfig, ShopifyCredentials } from "../../contracts/connectors.js";
import type { EventInput } from "../../contracts/events.js";
import type { UnmappedSighting } from "../../domain/connectors/ports.js";
import { lookupStatus, type StatusMapEntry, type StatusTarget } from "../../domain/connectors/statusMaps.js";
import { InputError } from "../../domain/errors.js";
import { toMinorUnits } from "../../domain/money.js";
import type { Connector, MappedRecord, ParsedWebhook, PullContext, PulledPage } from "../sdk/Connector.js";
import { ConnectorHttpError } from "../sdk/HttpClient.js";
import { fromGraphql, fromRest, GraphqlCost, GraphqlOrdersPage, RestOrder, type ShopifyOrderRecord } from "./shopifyRecords.js";

/** The pull query: orders by update time in a fixed window, paged by cursor. */
export const ORDERS_QUERY = `query Orders($first: Int!, $after: String, $query: String) {
  orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id legacyResourceId name createdAt updatedAt processedAt cancelledAt cancelReason
      displayFinancialStatus displayFulfillmentStatus
      totalPriceSet { shopMoney { amount currencyCode } }
      customer { id displayName phone }
      shippingAddress { address1 city province country }
      lineItems(first: 50) { nodes { sku title quantity originalUnitPriceSet { shopMoney { amount currencyCode } } } }
      fulfillments(first: 10) { createdAt trackingInfo(first: 5) { company number } }
    }
  }
}`;

/** How often a THROTTLED answer is waited out within one page before the run gives up (and backs off). */
const MAX_THROTTLED = 6;

/** The cursor: a window of update times being paged through, and the page cursor inside it. */
interface ShopifyState {
  since?: string;
  until?: string;
  after?: string | null;
}

type Cost = ReturnType<typeof GraphqlCost.parse>;

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/** Milliseconds until the leaky bucket holds `needed` points again. */
function refillMs(cost: Cost, needed: number): number {
  const deficit = needed - cost.throttleStatus.currentlyAvailable;
  return deficit <= 0 ? 0 : Math.ceil((deficit / cost.throttleStatus.restoreRate) * 1000);
}

/**
 * Shopify: orders pulled through the GraphQL Admin API by update-time window (the window
 * is fixed when a pull starts, so paging is stable; the next pull starts where it ended),
 * paged with `pageInfo.endCursor`, spending the query-cost budget as
 * `extensions.cost.throttleStatus` reports it; and `orders/*` webhooks signed with
 * HMAC-SHA256 over the raw body.
 */
export class ShopifyConnector implements Connector<ShopifyOrderRecord, ShopifyConfig, ShopifyCredentials> {
  readonly kind = "shopify" as const;
  readonly platform = "shopify" as const;
  readonly configSchema = ShopifyConfig;
  readonly credentialsSchema = ShopifyCredentials;

  async pullPage(ctx: PullContext<ShopifyConfig, ShopifyCredentials>): Promise<PulledPage<ShopifyOrderRecord>> {
    const state = ctx.state as ShopifyState;
    const since = state.since ?? ctx.config.initialSince ?? new Date(ctx.now.getTime() - 7 * 86_400_000).toISOString();
    const until = state.until ?? ctx.now.toISOString();
    const variables = { first: ctx.config.pageSize, after: state.after ?? null, query: `updated_at:>='${since}' AND updated_at:<='${until}'` };
    const url = `${ctx.config.shopUrl.replace(/\/$/, "")}/admin/api/${ctx.config.apiVersion}/graphql.json`;

    for (let throttled = 0; ; throttled++) {
      // Spend only what the bucket holds: wait for it to refill to what the last page cost.
      const last = ctx.session.cost as Cost | undefined;
      if (last) {
        const wait = refillMs(last, last.requestedQueryCost);
        ctx.session.cost = undefined;
        if (wait > 0) await ctx.http.sleep(wait);
      }
      const res = await ctx.http.json(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json", "x-shopify-access-token": ctx.credentials.accessToken },
        body: JSON.stringify({ query: ORDERS_QUERY, variables }),
        timeoutMs: ctx.config.timeoutMs,
      });
      const body = (res.body ?? {}) as { data?: unknown; errors?: { message?: string; extensions?: { code?: string } }[]; extensions?: { cost?: unknown } };
      const cost = GraphqlCost.safeParse(body.extensions?.cost);
      const errors = Array.isArray(body.errors) ? body.errors : [];
      if (errors.some((e) => e?.extensions?.code === "THROTTLED")) {
        if (throttled >= MAX_THROTTLED) throw new ConnectorHttpError("throttled", `still THROTTLED after ${MAX_THROTTLED} waits`);
        await ctx.http.sleep(cost.success ? Math.max(1000, refillMs(cost.data, cost.data.requestedQueryCost)) : 1000);
        continue;
      }
      if (errors.length) {
        const code = errors.some((e) => e?.extensions?.code === "ACCESS_DENIED") ? "unauthorized" : "upstream";
        throw new ConnectorHttpError(code, `GraphQL error: ${errors.map((e) => String(e?.message ?? "?")).join("; ").slice(0, 300)}`);
      }
      const page = GraphqlOrdersPage.safeParse(body.data);
      if (!page.success) {
        const i = page.error.issues[0];
        throw new ConnectorHttpError("bad_response", `data.${i.path.join(".")}: ${i.message}`);
      }
      if (cost.success) ctx.session.cost = cost.data;
      const records = page.data.orders.nodes.map(fromGraphql);
      const highWaterAt = records.reduce<string | null>((m, r) => (m === null || r.updatedAt > m ? r.updatedAt : m), null);
      const more = page.data.orders.pageInfo.hasNextPage && page.data.orders.pageInfo.endCursor !== null;
      const nextState: ShopifyState = more ? { since, until, after: page.data.orders.pageInfo.endCursor } : { since: until, after: null };
      return { records, nextState: nextState as Record<string, unknown>, done: !more, highWaterAt };
    }
  }

  updatedAt(record: ShopifyOrderRecord): string | null {
    return record.updatedAt;
  }

  cursorTime(state: Record<string, unknown>): string | null {
    return typeof state.since === "string" ? state.since : null;
  }

  verifyWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>, credentials: ShopifyCredentials): { ok: true } | { ok: false; reason: string } {
    const sent = header(headers, "x-shopify-hmac-sha256");
    if (!sent) return { ok: false, reason: "no X-Shopify-Hmac-Sha256 header: the delivery is not signed" };
    const given = Buffer.from(sent, "base64");
    for (const secret of [credentials.webhookSecret, credentials.previousWebhookSecret]) {
      if (!secret) continue;
      const expected = crypto.createHmac("sha256", secret).update(rawBody).digest();
      if (given.length === expected.length && crypto.timingSafeEqual(given, expected)) return { ok: true };
    }
    return { ok: false, reason: "X-Shopify-Hmac-Sha256 does not match the body signed with the webhook secret" };
  }

  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ParsedWebhook<ShopifyOrderRecord> {
    const topic = header(headers, "x-shopify-topic");
    const eventId = header(headers, "x-shopify-event-id") ?? header(headers, "x-shopify-webhook-id");
    if (!topic) throw new InputError("no X-Shopify-Topic header");
    if (!eventId) throw new InputError("no X-Shopify-Event-Id header");
    if (!topic.startsWith("orders/")) return { ignored: `topic ${topic} carries no orders`, eventId, topic };
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString("utf8"));
    } catch {
      throw new InputError("the webhook body is not JSON");
    }
    const parsed = RestOrder.safeParse(json);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new InputError(`invalid webhook body: ${i.path.join(".")}: ${i.message}`);
    }
    return { eventId, topic, records: [fromRest(parsed.data)] };
  }

  map(r: ShopifyOrderRecord, table: readonly StatusMapEntry[], source: string): MappedRecord {
    const ext = { channel: "shopify" as const, externalOrderId: r.legacyId };
    const sample = { legacyId: r.legacyId, name: r.name, updatedAt: r.updatedAt, financial: r.financial, fulfillment: r.fulfillment, cancelledAt: r.cancelledAt, total: r.total, currency: r.currency };
    const unmapped: UnmappedSighting[] = [];
    const statusEvents: { field: string; value: string; target: Exclude<StatusTarget, "none"> }[] = [];
    for (const [field, value] of [["financial", r.financial], ["fulfillment", r.fulfillment]] as const) {
      if (!value) continue;
      const target = lookupStatus(table, field, value);
      if (target === undefined) unmapped.push({ ...ext, field, value, sample });
      else if (target !== "none") statusEvents.push({ field, value, target });
    }
    const event = (id: string, type: string, data: Record<string, unknown>): EventInput =>
      ({ source, sourceEventId: `shopify:${r.legacyId}:${id}`, ...ext, type, data, occurredAt: r.updatedAt }) as EventInput;
    const firstFulfilled = r.fulfillments.map((f) => f.createdAt).filter((x): x is string => !!x).sort()[0];
    const dataFor = (target: Exclude<StatusTarget, "none">): Record<string, unknown> => {
      switch (target) {
        case "payment.confirmed":
          return r.processedAt ? { paidAt: r.processedAt } : {};
        case "wms.outbound":
          return { outboundAt: firstFulfilled ?? r.updatedAt };
        case "order.cancelled":
          return r.cancelReason ? { reason: r.cancelReason } : {};
        default:
          return {};
      }
    };
    const events: EventInput[] = [];
    // Payment first, then waybills, then the other status facts, then a cancellation.
    for (const s of statusEvents.filter((s) => s.target === "payment.confirmed")) events.push(event(`${s.field}:${s.value}`, s.target, dataFor(s.target)));
    for (const f of r.fulfillments) {
      for (const t of f.tracking) events.push(event(`waybill:${t.number}`, "waybill.assigned", { carrier: t.company ?? "unknown", waybillNo: t.number }));
    }
    for (const s of statusEvents.filter((s) => s.target !== "payment.confirmed")) events.push(event(`${s.field}:${s.value}`, s.target, dataFor(s.target)));
    if (r.cancelledAt) events.push(event("cancelled", "order.cancelled", r.cancelReason ? { reason: r.cancelReason } : {}));

    const currency = r.currency;
    const lines = r.lines.map((l, i) => {
      const unitPrice = toMinorUnits(l.unitPrice, currency);
      return { lineNo: i + 1, sku: l.sku.slice(0, 100), name: l.name.slice(0, 300), quantity: l.quantity, unitPrice, amount: unitPrice * l.quantity, flags: {} };
    });
    return {
      order: {
        ...ext,
        customer: { id: r.customer.id, name: r.customer.name, phone: r.customer.phone, address: r.address },
        totalAmount: toMinorUnits(r.total, currency),
        currency,
        region: null,
        warehouse: null,
        carrier: null,
        waybillNo: null,
        tags: [],
        extra: r.name ? { shopifyName: r.name } : {},
        placedAt: r.createdAt,
        promisedAt: null,
        lines,
      },
      events,
      unmapped,
    };
  }
}
