import crypto from "node:crypto";
import { z } from "zod";

/**
 * JuShuiTan open platform (openapi.jushuitan.com), research-2026-12.md §4.1: form POSTs
 * carrying `app_key, access_token, timestamp` (Unix seconds), `charset=utf-8`,
 * `version=2`, `biz` (the business JSON as a string) and `sign`.
 */

/** `md5_hex_lower(app_secret + concat over keys sorted ascending of key + value)`; `sign` itself is left out. */
export function jushuitanSign(params: Record<string, string>, appSecret: string): string {
  const text = Object.keys(params)
    .filter((k) => k !== "sign")
    .sort()
    .map((k) => `${k}${params[k]}`)
    .join("");
  return crypto.createHash("md5").update(appSecret + text, "utf8").digest("hex");
}

/** The answer codes JuShuiTan documents (ieu/jst-java `JstErrorCode`). */
export const JST_CODES = {
  ok: 0,
  badSign: 10,
  token: 100,
  ipWhitelist: 110,
  clockSkew: 140,
  noRefresh: 150,
  perSecond: 199,
  perMinute: 200,
} as const;

/** 5 requests a second and 100 a minute, per app. */
export const JST_LIMITS = [
  { limit: 5, windowMs: 1000 },
  { limit: 100, windowMs: 60_000 },
] as const;

const Str = z.string().max(2000);
const Num = z.union([z.number(), Str.regex(/^-?\d+(\.\d+)?$/).transform(Number)]);
const Opt = Str.nullish();

const Item = z.object({ sku_id: Opt, name: Opt, qty: Num.nullish(), price: Num.nullish(), amount: Num.nullish() });

/** An order of `/open/orders/single/query` (the fields the connector reads). */
export const JstOrder = z.object({
  o_id: z.union([z.number().int(), Str]).transform(String),
  so_id: Opt,
  shop_id: z.union([z.number().int(), Str]).nullish().transform((v) => (v === null || v === undefined ? null : String(v))),
  status: Str,
  modified: Str,
  order_date: Opt,
  pay_date: Opt,
  send_date: Opt,
  pay_amount: Num.nullish(),
  paid_amount: Num.nullish(),
  l_id: Opt,
  logistics_company: Opt,
  receiver_name: Opt,
  receiver_mobile: Opt,
  receiver_state: Opt,
  receiver_city: Opt,
  receiver_district: Opt,
  receiver_address: Opt,
  wms_co_name: Opt,
  ts: Num.nullish(),
  items: z.array(Item).nullish(),
});
export type JstOrder = z.infer<typeof JstOrder>;

/** A sales outbound record of `/open/orders/out/simple/query`. */
export const JstOutbound = z.object({
  io_id: z.union([z.number().int(), Str]).transform(String),
  o_id: z.union([z.number().int(), Str]).transform(String),
  so_id: Opt,
  shop_id: z.union([z.number().int(), Str]).nullish().transform((v) => (v === null || v === undefined ? null : String(v))),
  status: Str,
  io_date: Opt,
  modified: Str,
  l_id: Opt,
  logistics_company: Opt,
  wms_co_name: Opt,
  pay_amount: Num.nullish(),
  items: z.array(Item).nullish(),
});
export type JstOutbound = z.infer<typeof JstOutbound>;

/** The envelope of every answer. */
export const JstAnswer = z.object({ code: z.number().int(), msg: Str.nullish(), data: z.unknown().optional() });

export const JstOrdersData = z.object({ page_index: Num.optional(), has_next: z.boolean(), orders: z.array(JstOrder).nullish() });
export const JstOutData = z.object({ page_index: Num.optional(), has_next: z.boolean(), datas: z.array(JstOutbound).nullish() });

/** A record as the connector maps it: an order, or one of its outbound records, with the sales channel its shop is set to. */
export type JstRecord = { kind: "order"; order: JstOrder; channel: string } | { kind: "outbound"; out: JstOutbound; channel: string };
