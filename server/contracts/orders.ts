import { z } from "zod";
import { CHANNELS } from "../domain/channels.js";
import { Currency, DecimalAmount, freeFormObject, IsoDateTime } from "./common.js";

/** Channel names (`tmall`, `douyin`, …). */
export const ChannelName = z.enum(CHANNELS as [string, ...string[]]);

/** The most orders one import request may carry. */
export const MAX_IMPORT_BATCH = 5000;

/** One order line as a client sends it. Prices are decimals in major units. */
export const OrderLineInput = z
  .object({
    sku: z.string().min(1).max(100),
    name: z.string().max(300).default(""),
    quantity: z.number().int().positive().max(1_000_000),
    unitPrice: DecimalAmount,
    amount: DecimalAmount.optional().describe("Defaults to unitPrice × quantity"),
    flags: z.record(z.string(), z.boolean()).default({}).describe('Rule flags, e.g. {"special": true}'),
  })
  .strict();
export type OrderLineInput = z.infer<typeof OrderLineInput>;

/** One order in an import batch; the server assigns the ID. */
export const OrderInput = z
  .object({
    channel: ChannelName,
    externalOrderId: z.string().min(1).max(100),
    customer: z
      .object({
        id: z.string().max(100).nullable().default(null),
        name: z.string().max(200).nullable().default(null),
        phone: z.string().max(50).nullable().default(null),
        address: z.string().max(500).nullable().default(null).describe("Delivery address; masked to province and city for roles without the personal-data permission"),
      })
      .strict()
      .default({ id: null, name: null, phone: null, address: null }),
    totalAmount: DecimalAmount.describe("Order total in major units (yuan), e.g. 19.99"),
    currency: Currency.default("CNY"),
    region: z.string().max(100).nullable().default(null),
    warehouse: z.string().max(100).nullable().default(null),
    carrier: z.string().max(100).nullable().default(null),
    waybillNo: z.string().max(100).nullable().default(null),
    tags: z.array(z.string().min(1).max(50)).max(50).default([]),
    extra: freeFormObject().default({}),
    placedAt: IsoDateTime.nullable().default(null),
    promisedAt: IsoDateTime.nullable().default(null),
    lines: z.array(OrderLineInput).max(500).default([]),
  })
  .strict();
export type OrderInput = z.infer<typeof OrderInput>;

/** `POST /api/orders` body. */
export const ImportOrdersRequest = z
  .object({ orders: z.array(OrderInput).min(1).max(MAX_IMPORT_BATCH) })
  .strict()
  .meta({ id: "ImportOrdersRequest" });
export type ImportOrdersRequest = z.infer<typeof ImportOrdersRequest>;

/** Per-row outcome of an import. */
export const ImportRowResult = z.object({
  index: z.number().int(),
  externalOrderId: z.string(),
  channel: z.string(),
  outcome: z.enum(["created", "unchanged"]),
  id: z.string(),
  message: z.string(),
});
export type ImportRowResult = z.infer<typeof ImportRowResult>;

/** `POST /api/orders` response. */
export const ImportOrdersResponse = z
  .object({
    created: z.number().int(),
    unchanged: z.number().int(),
    results: z.array(ImportRowResult),
  })
  .meta({ id: "ImportOrdersResponse" });
export type ImportOrdersResponse = z.infer<typeof ImportOrdersResponse>;

/** An order line as the API returns it. */
export const OrderLineView = z.object({
  lineNo: z.number().int(),
  sku: z.string(),
  name: z.string(),
  quantity: z.number().int(),
  unitPrice: z.string(),
  unitPriceMinor: z.number().int(),
  amount: z.string(),
  amountMinor: z.number().int(),
  flags: z.record(z.string(), z.boolean()),
});

/**
 * An order as the API returns it; amounts both as exact decimal strings (`totalAmount`, yuan)
 * and integer minor units (`totalAmountMinor`, fen) — numbers a client can sum; times are
 * ISO-8601 instants in UTC (`…Z`). `customer` is the receiver (name, phone, address), masked
 * for roles without the unmasked-PII permission.
 */
export const OrderView = z
  .object({
    id: z.string(),
    channel: z.string(),
    externalOrderId: z.string(),
    status: z.string(),
    workflowVersion: z.number().int(),
    version: z.number().int(),
    customer: z.object({ id: z.string().nullable(), name: z.string().nullable(), phone: z.string().nullable(), address: z.string().nullable() }),
    totalAmount: z.string(),
    totalAmountMinor: z.number().int(),
    currency: z.string(),
    region: z.string().nullable(),
    warehouse: z.string().nullable(),
    carrier: z.string().nullable(),
    waybillNo: z.string().nullable(),
    tags: z.array(z.string()),
    extra: z.record(z.string(), z.unknown()),
    placedAt: z.string().nullable(),
    paidAt: z.string().nullable(),
    outboundAt: z.string().nullable(),
    collectedAt: z.string().nullable().optional().describe("When the carrier collected the parcel (always sent by this server)"),
    signedAt: z.string().nullable().optional().describe("When the customer signed (always sent by this server)"),
    promisedAt: z.string().nullable(),
    statusSince: z.string().describe("When the order entered its status: from the platform's facts (placed, paid, outbound …) when known, else when the server saw the move"),
    sla: z.enum(["red", "orange", "green"]).nullable().optional().describe("SLA colour now (always sent by this server; null: nothing to flag)"),
    createdAt: z.string(),
    updatedAt: z.string(),
    lines: z.array(OrderLineView).optional(),
  })
  .meta({ id: "Order" });
export type OrderView = z.infer<typeof OrderView>;

/** A calendar day, YYYY-MM-DD, that exists. */
const CalendarDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a day like 2026-01-15")
  .refine((d) => {
    const t = Date.parse(`${d}T00:00:00Z`);
    return Number.isFinite(t) && new Date(t).toISOString().slice(0, 10) === d && d >= "1900-01-01";
  }, "must be a day that exists, like 2026-01-15");

/** `GET /api/orders` query string. */
export const ListOrdersQuery = z
  .object({
    status: z.string().max(64).optional(),
    channel: ChannelName.optional(),
    region: z.string().max(100).optional(),
    updatedSince: IsoDateTime.optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
    cursor: z.string().max(200).optional(),
    placedFrom: CalendarDay.optional().describe("Placed (or, when unknown, imported) on or after this day in the workspace time zone"),
    placedTo: CalendarDay.optional().describe("Placed (or imported) on or before this day in the workspace time zone"),
    q: z
      .string()
      .trim()
      .min(1, "must not be empty")
      .max(100)
      .optional()
      .describe("Find orders by platform order ID, order ID, waybill number or receiver phone (exact; whitespace around it ignored)"),
    overdue: z
      .enum(["1", "0", "true", "false"], { error: "must be 1 or 0" })
      .optional()
      .describe("1: only orders whose SLA colour is red or orange, or with an alert timer (red, orange, yellow) come due"),
    mine: z
      .enum(["1", "0", "true", "false"], { error: "must be 1 or 0" })
      .optional()
      .describe("1: only orders the caller changed in the last 7 days, or with an open task for the caller's role"),
    window: z
      .enum(["recent", "all"], { error: "must be recent or all" })
      .optional()
      .describe("recent (the default of the list and count without ids, q or updatedSince): open orders plus those updated in the last 7 days; all: every order"),
    lines: z.enum(["1", "0", "true", "false"], { error: "must be 1 or 0" }).optional().describe("1: include each order's lines (SKU, name, quantity, prices)"),
    ids: z
      .string()
      .regex(/^[A-Za-z0-9-]{1,40}(,[A-Za-z0-9-]{1,40}){0,199}$/, "must be up to 200 order IDs separated by commas")
      .optional()
      .describe("Only these orders (comma-separated IDs, at most 200): how a client refreshes the orders the change feed named"),
  })
  .strict();
export type ListOrdersQuery = z.infer<typeof ListOrdersQuery>;

/** `GET /api/orders/count` query: the list's filters, without paging. */
export const CountOrdersQuery = ListOrdersQuery.omit({ limit: true, cursor: true, lines: true }).strict();
export type CountOrdersQuery = z.infer<typeof CountOrdersQuery>;

/** `GET /api/orders/count` response: how many orders the filters select (what a load would bring). */
export const CountOrdersResponse = z
  .object({ total: z.number().int(), window: z.enum(["recent", "all"]).describe("The window applied") })
  .meta({ id: "OrderCount" });
export type CountOrdersResponse = z.infer<typeof CountOrdersResponse>;

/** `GET /api/orders` response: a page plus the cursor of the next one (null at the end). */
export const ListOrdersResponse = z
  .object({ orders: z.array(OrderView), nextCursor: z.string().nullable() })
  .meta({ id: "OrderPage" });
export type ListOrdersResponse = z.infer<typeof ListOrdersResponse>;
