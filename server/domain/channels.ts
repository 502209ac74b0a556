/**
 * Sales channels Ordersheet knows, with the short code that prefixes their order IDs
 * (`TM20260115-00892` is a Tmall order). Codes are upper-case letters only.
 */
export const CHANNEL_CODES = {
  tmall: "TM",
  taobao: "TB",
  jd: "JD",
  douyin: "DY",
  kuaishou: "KS",
  pinduoduo: "PDD",
  youzan: "YZ",
  xiaohongshu: "XHS",
  wechat: "WX",
  shopify: "SF",
  shopee: "SP",
  b2b: "BB",
  offline: "OF",
  manual: "MN",
} as const;

/** A channel name accepted by the API (`tmall`, `douyin`, …). */
export type Channel = keyof typeof CHANNEL_CODES;

/** All channel names, for schemas and dropdowns. */
export const CHANNELS = Object.keys(CHANNEL_CODES) as Channel[];

/** The order-ID prefix of a channel. */
export function channelCode(channel: Channel): string {
  return CHANNEL_CODES[channel];
}
