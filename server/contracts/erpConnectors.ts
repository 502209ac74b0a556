import { z } from "zod";
import { CHANNELS } from "../domain/channels.js";
import { IsoDateTime } from "./common.js";

const Channel = z.enum(CHANNELS as [string, ...string[]], { error: `must be one of: ${CHANNELS.join(", ")}` });
/** Which sales channel an ERP's orders belong to: one for all, or per shop id (so the ERP's facts land on the order the shop's own connector imported). */
const ChannelOf = {
  channel: Channel.default("taobao"),
  shopChannels: z.record(z.string().regex(/^\d{1,20}$|^[\w-]{1,64}$/, "must be a shop id"), Channel).optional(),
};

/**
 * Settings and secrets of the Chinese ERP / shop connectors (research-2026-12.md §4):
 * JuShuiTan (聚水潭), Youzan (有赞云) and Wangdiantong (旺店通). Settings are shown by the
 * API; credentials are sealed and never shown.
 */

const Secret = z.string().min(1, "must not be empty").max(1000, "must be at most 1000 characters");
const BaseUrl = z
  .string()
  .max(300)
  .regex(/^https?:\/\/[^\s?#]+$/, "must be an http(s) base URL without a query, e.g. https://openapi.jushuitan.com");
const TimeoutMs = z.int().min(100).max(120_000).default(15_000);

/** JuShuiTan open platform (openweb.jushuitan.com): orders and sales outbound (shipments) by modified window. */
export const JushuitanConfig = z.strictObject({
  baseUrl: BaseUrl.default("https://openapi.jushuitan.com"),
  /** Only this shop's orders (absent: every shop of the company). */
  shopId: z.int().positive().optional(),
  pageSize: z.int().min(1).max(100, "must be at most 100 (JuShuiTan's page limit)").default(100),
  /** Width of one modified window; JuShuiTan refuses windows wider than 7 days. */
  windowDays: z.number().positive().max(7, "must be at most 7 (JuShuiTan's modified window limit)").default(7),
  /** Also pull sales outbound records (waybill numbers and outbound times). */
  shipments: z.boolean().default(true),
  ...ChannelOf,
  initialSince: IsoDateTime.optional(),
  timeoutMs: TimeoutMs,
});
export type JushuitanConfig = z.infer<typeof JushuitanConfig>;

export const JushuitanCredentials = z.strictObject({ appKey: Secret, appSecret: Secret, accessToken: Secret });
export type JushuitanCredentials = z.infer<typeof JushuitanCredentials>;

/** Youzan cloud (有赞云) self-use app: trades by update window, and push messages. */
export const YouzanConfig = z.strictObject({
  baseUrl: BaseUrl.default("https://open.youzanyun.com"),
  /** The shop (kdt_id), the `grant_id` of a silent token. */
  kdtId: z.string().regex(/^\d{1,20}$/, "must be the shop's numeric kdt_id"),
  apiVersion: z.string().regex(/^\d+\.\d+\.\d+$/, 'must be an API version like "4.0.4"').default("4.0.4"),
  pageSize: z.int().min(1).max(100, "must be at most 100").default(50),
  windowHours: z.number().positive().max(24 * 7, "must be at most 168").default(24),
  initialSince: IsoDateTime.optional(),
  timeoutMs: TimeoutMs,
});
export type YouzanConfig = z.infer<typeof YouzanConfig>;

export const YouzanCredentials = z.strictObject({ clientId: Secret, clientSecret: Secret });
export type YouzanCredentials = z.infer<typeof YouzanCredentials>;

/** Wangdiantong (旺店通) classic open API: sales outbound (stockout) records by time window. */
export const WangdiantongConfig = z.strictObject({
  baseUrl: BaseUrl.default("https://api.wangdian.cn/openapi2"),
  /** The seller account (卖家账号). */
  sid: z.string().trim().min(1, "must not be empty").max(100),
  pageSize: z.int().min(1).max(100, "must be at most 100").default(100),
  /** Width of one time window (the vendor's limit is believed to be 60 minutes). */
  windowMinutes: z.int().min(1).max(60, "must be at most 60").default(60),
  ...ChannelOf,
  initialSince: IsoDateTime.optional(),
  timeoutMs: TimeoutMs,
});
export type WangdiantongConfig = z.infer<typeof WangdiantongConfig>;

export const WangdiantongCredentials = z.strictObject({ appkey: Secret, appsecret: Secret });
export type WangdiantongCredentials = z.infer<typeof WangdiantongCredentials>;
