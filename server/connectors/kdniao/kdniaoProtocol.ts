import crypto from "node:crypto";
import { z } from "zod";

/** Kdniao's RequestType codes (research-2026-12 §3). */
export const REQUEST_TYPES = { query: "1002", subscribe: "1008", push: "101", pushValueAdded: "102" } as const;

/**
 * `DataSign` over a request's (or push's) raw JSON: base64 of the lower-case hex MD5 of
 * `RequestData + ApiKey` — base64 of the 32-character hex string, not of the raw digest.
 * It is URL-encoded exactly once, as a form value (URLSearchParams does it).
 */
export function kdniaoSign(requestData: string, apiKey: string): string {
  const hex = crypto.createHash("md5").update(requestData + apiKey, "utf8").digest("hex");
  return Buffer.from(hex, "utf8").toString("base64");
}

/** The form body of a request to Kdniao. */
export function requestForm(requestType: string, eBusinessId: string, apiKey: string, data: unknown): string {
  const requestData = JSON.stringify(data);
  return new URLSearchParams({ RequestData: requestData, EBusinessID: eBusinessId, RequestType: requestType, DataSign: kdniaoSign(requestData, apiKey), DataType: "2" }).toString();
}

/** A time as Kdniao writes it: `yyyy-MM-dd HH:mm:ss` in Beijing time. */
export function beijingTime(at: Date): string {
  const b = new Date(at.getTime() + 8 * 3_600_000).toISOString();
  return `${b.slice(0, 10)} ${b.slice(11, 19)}`;
}

/** A Kdniao `yyyy-MM-dd HH:mm:ss` (Beijing time; `/` and a `T` are tolerated) as an ISO instant, or null. */
export function fromBeijingTime(s: string | null | undefined): string | null {
  if (!s) return null;
  const m = /^(\d{4})[-/](\d{1,2})[-/](\d{1,2})[ T](\d{1,2}):(\d{2})(?::(\d{2}))?/.exec(s.trim());
  if (!m) return null;
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4] - 8, +m[5], +(m[6] ?? 0));
  return Number.isFinite(ms) ? new Date(ms).toISOString() : null;
}

const Str = z.string().max(2000);
/** State and StateEx come as strings in pushes and as numbers in some answers: both read as text. */
const Code = z.union([Str, z.number()]).transform(String).nullish();

/** One trace line. */
export const KdniaoTrace = z.object({
  AcceptTime: Str,
  AcceptStation: Str.nullish(),
  Location: Str.nullish(),
  Action: Code,
  Remark: Str.nullish(),
});

/** A waybill's tracking snapshot (a push `Data` item or a 1002 answer). */
export const KdniaoSnapshot = z.object({
  EBusinessID: z.union([Str, z.number()]).transform(String).nullish(),
  OrderCode: Str.nullish(),
  ShipperCode: Str.min(1),
  LogisticCode: Str.min(1),
  Success: z.boolean().nullish(),
  Reason: Str.nullish(),
  State: Code,
  StateEx: Code,
  Location: Str.nullish(),
  Traces: z.array(KdniaoTrace).nullish(),
});
export type KdniaoSnapshot = z.infer<typeof KdniaoSnapshot>;

/** A push's RequestData (RequestType 101/102). */
export const KdniaoPush = z.object({
  EBusinessID: z.union([Str, z.number()]).transform(String),
  PushTime: Str.nullish(),
  Count: z.union([z.number(), Str]).nullish(),
  Data: z.array(KdniaoSnapshot),
});

/** The answer to a subscription (1008). */
export const KdniaoSubscribeAnswer = z.object({
  EBusinessID: z.union([Str, z.number()]).transform(String).nullish(),
  Success: z.boolean(),
  Reason: Str.nullish(),
  UpdateTime: Str.nullish(),
  EstimatedDeliveryTime: Str.nullish(),
});
