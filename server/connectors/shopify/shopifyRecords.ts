import { z } from "zod";

/**
 * A Shopify order as the connector works with it, the same whether it came from the
 * GraphQL Admin API (pull) or a REST-shaped webhook payload. Status values use the GraphQL
 * enum spelling (`PAID`, `FULFILLED` …); REST values are converted to it.
 */
export interface ShopifyOrderRecord {
  /** The numeric order id (REST `id`, GraphQL `legacyResourceId`). */
  legacyId: string;
  name: string | null;
  createdAt: string | null;
  updatedAt: string;
  processedAt: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  financial: string | null;
  fulfillment: string | null;
  total: string;
  currency: string;
  customer: { id: string | null; name: string | null; phone: string | null };
  address: string | null;
  lines: { sku: string; name: string; quantity: number; unitPrice: string }[];
  fulfillments: { createdAt: string | null; tracking: { company: string | null; number: string }[] }[];
}

const Str = z.string().max(2000);
const Money = z.object({ amount: z.string().regex(/^-?\d+(\.\d+)?$/, "must be a decimal string"), currencyCode: z.string().regex(/^[A-Z]{3}$/) });

/** An order node of the GraphQL `orders` connection, as the pull query asks for it. */
export const GraphqlOrderNode = z.object({
  id: Str,
  legacyResourceId: z.union([Str, z.number()]).transform(String),
  name: Str.nullish(),
  createdAt: Str.nullish(),
  updatedAt: Str,
  processedAt: Str.nullish(),
  cancelledAt: Str.nullish(),
  cancelReason: Str.nullish(),
  displayFinancialStatus: Str.nullish(),
  displayFulfillmentStatus: Str.nullish(),
  totalPriceSet: z.object({ shopMoney: Money }),
  customer: z.object({ id: Str.nullish(), displayName: Str.nullish(), phone: Str.nullish() }).nullish(),
  shippingAddress: z.object({ address1: Str.nullish(), city: Str.nullish(), province: Str.nullish(), country: Str.nullish() }).nullish(),
  lineItems: z
    .object({
      nodes: z.array(z.object({ sku: Str.nullish(), title: Str.nullish(), quantity: z.int().min(0), originalUnitPriceSet: z.object({ shopMoney: Money }).nullish() })),
    })
    .nullish(),
  fulfillments: z.array(z.object({ createdAt: Str.nullish(), trackingInfo: z.array(z.object({ company: Str.nullish(), number: Str.nullish() })).nullish() })).nullish(),
});

/** The `data.orders` of a pull answer. */
export const GraphqlOrdersPage = z.object({
  orders: z.object({ pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: Str.nullable() }), nodes: z.array(GraphqlOrderNode) }),
});

/** `extensions.cost` of a GraphQL answer. */
export const GraphqlCost = z.object({
  requestedQueryCost: z.number(),
  actualQueryCost: z.number().nullish(),
  throttleStatus: z.object({ maximumAvailable: z.number(), currentlyAvailable: z.number(), restoreRate: z.number().positive() }),
});

const joinAddress = (parts: (string | null | undefined)[]) => parts.filter((p) => p && p.trim()).join(" ") || null;

/** A GraphQL order node as a record. */
export function fromGraphql(n: z.infer<typeof GraphqlOrderNode>): ShopifyOrderRecord {
  const a = n.shippingAddress;
  return {
    legacyId: n.legacyResourceId,
    name: n.name ?? null,
    createdAt: n.createdAt ?? null,
    updatedAt: n.updatedAt,
    processedAt: n.processedAt ?? null,
    cancelledAt: n.cancelledAt ?? null,
    cancelReason: n.cancelReason ?? null,
    financial: n.displayFinancialStatus ?? null,
    fulfillment: n.displayFulfillmentStatus ?? null,
    total: n.totalPriceSet.shopMoney.amount,
    currency: n.totalPriceSet.shopMoney.currencyCode,
    customer: { id: n.customer?.id ?? null, name: n.customer?.displayName ?? null, phone: n.customer?.phone ?? null },
    address: a ? joinAddress([a.country, a.province, a.city, a.address1]) : null,
    lines: (n.lineItems?.nodes ?? []).map((l) => ({ sku: l.sku || "(no sku)", name: l.title ?? "", quantity: l.quantity, unitPrice: l.originalUnitPriceSet?.shopMoney.amount ?? "0" })),
    fulfillments: (n.fulfillments ?? []).map((f) => ({
      createdAt: f.createdAt ?? null,
      tracking: (f.trackingInfo ?? []).filter((t) => t.number).map((t) => ({ company: t.company ?? null, number: t.number! })),
    })),
  };
}

/** The REST-shaped order of an `orders/*` webhook (the fields the connector reads). */
export const RestOrder = z.object({
  id: z.union([z.number().int(), Str.regex(/^\d+$/)]).transform(String),
  name: Str.nullish(),
  created_at: Str.nullish(),
  updated_at: Str,
  processed_at: Str.nullish(),
  cancelled_at: Str.nullish(),
  cancel_reason: Str.nullish(),
  financial_status: Str.nullish(),
  fulfillment_status: Str.nullish(),
  total_price: Str.regex(/^-?\d+(\.\d+)?$/, "must be a decimal string"),
  currency: Str.regex(/^[A-Z]{3}$/),
  customer: z.object({ id: z.union([z.number(), Str]).nullish(), first_name: Str.nullish(), last_name: Str.nullish(), phone: Str.nullish() }).nullish(),
  shipping_address: z.object({ address1: Str.nullish(), city: Str.nullish(), province: Str.nullish(), country: Str.nullish() }).nullish(),
  line_items: z.array(z.object({ sku: Str.nullish(), title: Str.nullish(), quantity: z.int().min(0), price: Str.nullish() })).default([]),
  fulfillments: z
    .array(z.object({ created_at: Str.nullish(), tracking_company: Str.nullish(), tracking_number: Str.nullish(), tracking_numbers: z.array(Str).nullish() }))
    .default([]),
});

const REST_FULFILLMENT: Record<string, string> = { partial: "PARTIALLY_FULFILLED", fulfilled: "FULFILLED", restocked: "RESTOCKED" };

/** A REST webhook order as a record (REST statuses in GraphQL spelling; no fulfillment status is UNFULFILLED). */
export function fromRest(o: z.infer<typeof RestOrder>): ShopifyOrderRecord {
  const a = o.shipping_address;
  const c = o.customer;
  const name = c ? [c.last_name, c.first_name].filter(Boolean).join("") || null : null;
  return {
    legacyId: o.id,
    name: o.name ?? null,
    createdAt: o.created_at ?? null,
    updatedAt: o.updated_at,
    processedAt: o.processed_at ?? null,
    cancelledAt: o.cancelled_at ?? null,
    cancelReason: o.cancel_reason ?? null,
    financial: o.financial_status ? o.financial_status.toUpperCase() : null,
    fulfillment: o.fulfillment_status ? (REST_FULFILLMENT[o.fulfillment_status] ?? o.fulfillment_status.toUpperCase()) : "UNFULFILLED",
    total: o.total_price,
    currency: o.currency,
    customer: { id: c?.id === undefined || c?.id === null ? null : String(c.id), name, phone: c?.phone ?? null },
    address: a ? joinAddress([a.country, a.province, a.city, a.address1]) : null,
    lines: o.line_items.map((l) => ({ sku: l.sku || "(no sku)", name: l.title ?? "", quantity: l.quantity, unitPrice: l.price ?? "0" })),
    fulfillments: o.fulfillments.map((f) => {
      const numbers = f.tracking_numbers?.length ? f.tracking_numbers : f.tracking_number ? [f.tracking_number] : [];
      return { createdAt: f.created_at ?? null, tracking: numbers.map((number) => ({ company: f.tracking_company ?? null, number })) };
    }),
  };
}
