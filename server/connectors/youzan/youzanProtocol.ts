import crypto from "node:crypto";
import { z } from "zod";

/**
 * Youzan cloud (有赞云), research-2026-12.md §4.2: a silent token from `POST /auth/token`,
 * API calls as `POST /api/{method}/{version}?access_token=…` with a JSON body, and push
 * messages signed with `Event-Sign = md5_hex(client_id + raw_body + client_secret)`.
 */

/** The push signature. */
export function youzanPushSign(clientId: string, rawBody: Buffer | string, clientSecret: string): string {
  return crypto
    .createHash("md5")
    .update(Buffer.concat([Buffer.from(clientId, "utf8"), Buffer.isBuffer(rawBody) ? rawBody : Buffer.from(rawBody, "utf8"), Buffer.from(clientSecret, "utf8")]))
    .digest("hex");
}

/** Gateway error codes of a refused token (`gw_err_resp.err_code`). [U]: seen in clients, not in the research notes. */
export const YOUZAN_TOKEN_ERRORS = new Set([4201, 4202, 4203]);

const Str = z.string().max(4000);
const Opt = Str.nullish();
const Num = z.union([z.number(), Str.regex(/^-?\d+(\.\d+)?$/).transform(Number)]);

export const TokenAnswer = z.object({
  success: z.boolean().optional(),
  code: z.number().optional(),
  message: Opt,
  data: z.object({ access_token: Str, expires: z.number().optional() }).nullish(),
});

/** `full_order_info` of a trade (the fields the connector reads). */
export const FullOrderInfo = z.object({
  order_info: z.object({
    tid: Str,
    status: Str,
    created: Opt,
    update_time: Str,
    pay_time: Opt,
    consign_time: Opt,
    success_time: Opt,
  }),
  buyer_info: z.object({ buyer_phone: Opt, fans_nickname: Opt, yz_open_id: Opt }).nullish(),
  address_info: z.object({ receiver_name: Opt, receiver_tel: Opt, delivery_province: Opt, delivery_city: Opt, delivery_district: Opt, delivery_address: Opt }).nullish(),
  pay_info: z.object({ payment: Num.nullish(), total_fee: Num.nullish() }).nullish(),
  orders: z.array(z.object({ outer_sku_id: Opt, sku_id: z.union([Str, z.number()]).nullish(), title: Opt, num: Num.nullish(), price: Num.nullish(), payment: Num.nullish() })).nullish(),
});
export type FullOrderInfo = z.infer<typeof FullOrderInfo>;

/** `data` of `youzan.trades.sold.get`. */
export const TradesData = z.object({
  total_results: z.number().int(),
  full_order_info_list: z.array(z.object({ full_order_info: FullOrderInfo })).nullish(),
});

/** A push message body. */
export const PushBody = z.object({
  client_id: Str,
  id: z.union([Str, z.number()]).transform(String),
  kdt_id: z.union([Str, z.number()]).nullish(),
  type: Str,
  status: Opt,
  msg: Opt,
  version: z.union([Str, z.number()]).nullish(),
  msg_id: Opt,
  test: z.boolean().nullish(),
  mode: z.union([z.number(), Str]).nullish(),
  sendCount: z.number().nullish(),
});
