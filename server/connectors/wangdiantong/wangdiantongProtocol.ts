import crypto from "node:crypto";
import { z } from "zod";

/**
 * Wangdiantong (旺店通) classic open API, research-2026-12.md §4.3: form POSTs carrying
 * `sid, appkey, timestamp` (10-digit Unix seconds) and the business parameters, signed with
 * the length-prefixed algorithm.
 */

const pad = (n: number, width: number) => String(n).padStart(width, "0");

/**
 * Keys sorted; each written `{len(key):02d}-{key}:{len(value):04d}-{value}` with lengths in
 * UTF-8 bytes (a Chinese character counts 3); joined with `;`; the app secret appended; MD5
 * as lower-case hex (the vendor's sample). `sign` itself is left out.
 */
export function wangdiantongSign(params: Record<string, string>, appsecret: string): string {
  const text = Object.keys(params)
    .filter((k) => k !== "sign")
    .sort()
    .map((k) => `${pad(Buffer.byteLength(k, "utf8"), 2)}-${k}:${pad(Buffer.byteLength(params[k], "utf8"), 4)}-${params[k]}`)
    .join(";");
  return crypto.createHash("md5").update(text + appsecret, "utf8").digest("hex");
}

/**
 * Answer codes a client retries after a pause (throttling and busy-server answers). [S]: one
 * client's retry list; the vendor's meaning of each code was not found.
 */
export const WDT_RETRY_CODES = new Set([1012, 1013, 1020, 1030, 1040, 1200, 1610]);

const Str = z.string().max(4000);
const Opt = Str.nullish();
const Num = z.union([z.number(), Str.regex(/^-?\d+(\.\d+)?$/).transform(Number)]);
const Id = z.union([z.number(), Str]).transform(String);

/** A sales outbound record of `stockout_order_query_trade.php` (the fields the connector reads). */
export const WdtStockout = z.object({
  stockout_id: Id,
  order_no: Str,
  src_order_no: Opt,
  src_tid: Opt,
  shop_no: Opt,
  status: Id,
  warehouse_no: Opt,
  warehouse_name: Opt,
  consign_time: Opt,
  modified: Str,
  logistics_no: Opt,
  logistics_name: Opt,
  receiver_name: Opt,
  receiver_mobile: Opt,
  receiver_area: Opt,
  receiver_address: Opt,
  paid: Num.nullish(),
  goods_list: z.array(z.object({ spec_no: Opt, goods_name: Opt, num: Num.nullish(), sell_price: Num.nullish(), share_amount: Num.nullish() })).nullish(),
});
export type WdtStockout = z.infer<typeof WdtStockout>;

export const WdtAnswer = z.object({ code: Num, message: Opt, total_count: Num.nullish(), stockout_list: z.array(WdtStockout).nullish() });

/** A record with the sales channel its shop is set to. */
export interface WdtRecord {
  stockout: WdtStockout;
  channel: string;
}
