import crypto from "node:crypto";
import type { TencentSmsSettings } from "../../../contracts/notify.js";
import { postJson, shortMessage } from "../../channel.js";
import type { SmsProvider } from "../smsProvider.js";

const SERVICE = "sms";
const VERSION = "2021-01-11";
const ACTION = "SendSms";
const DEFAULT_ENDPOINT = "https://sms.tencentcloudapi.com";
const CONTENT_TYPE = "application/json; charset=utf-8";

const sha256Hex = (s: string) => crypto.createHash("sha256").update(s, "utf8").digest("hex");
const hmac = (key: Buffer | string, msg: string) => crypto.createHmac("sha256", key).update(msg, "utf8").digest();

/** The inputs of a TC3-HMAC-SHA256 signature. */
export interface Tc3Input {
  secretId: string;
  secretKey: string;
  host: string;
  payload: string;
  timestampS: number;
  service?: string;
}

/**
 * Tencent Cloud API 3.0 signature (TC3-HMAC-SHA256) of a JSON POST to `/` signing the
 * `content-type` and `host` headers: canonical request → string to sign over the credential
 * scope `{date}/{service}/tc3_request` (date in UTC) → key derived as
 * HMAC(HMAC(HMAC("TC3"+key, date), service), "tc3_request") → hex HMAC. Returns the
 * `Authorization` header.
 */
export function tc3Authorization(i: Tc3Input): string {
  const service = i.service ?? SERVICE;
  const date = new Date(i.timestampS * 1000).toISOString().slice(0, 10);
  const canonicalRequest = ["POST", "/", "", `content-type:${CONTENT_TYPE}\nhost:${i.host}\n`, "content-type;host", sha256Hex(i.payload)].join("\n");
  const scope = `${date}/${service}/tc3_request`;
  const stringToSign = ["TC3-HMAC-SHA256", String(i.timestampS), scope, sha256Hex(canonicalRequest)].join("\n");
  const signing = hmac(hmac(hmac(`TC3${i.secretKey}`, date), service), "tc3_request");
  const signature = crypto.createHmac("sha256", signing).update(stringToSign, "utf8").digest("hex");
  return `TC3-HMAC-SHA256 Credential=${i.secretId}/${scope}, SignedHeaders=content-type;host, Signature=${signature}`;
}

/** Per-number frequency limits and the API's own request limit: wait and retry. */
const RATE_LIMIT_CODES = /^(RequestLimitExceeded|LimitExceeded\.)/;

/**
 * Tencent Cloud SMS `SendSms` (version 2021-01-11), signed with TC3-HMAC-SHA256. The
 * answer's `Response.Error` is a request-level failure; otherwise each number's
 * `SendStatusSet[].Code` is `Ok` or why it was not sent.
 */
export const tencentSms: SmsProvider = {
  name: "tencent",
  async send(account: TencentSmsSettings, sms, now) {
    const endpoint = new URL(account.endpoint ?? DEFAULT_ENDPOINT);
    const payload = JSON.stringify({
      PhoneNumberSet: [sms.phone],
      SmsSdkAppId: account.sdkAppId,
      SignName: account.signName,
      TemplateId: account.templateId,
      TemplateParamSet: sms.params,
    });
    const timestampS = Math.floor(now.getTime() / 1000);
    const res = await postJson(endpoint.toString(), payload, {
      authorization: tc3Authorization({ secretId: account.secretId, secretKey: account.secretKey, host: endpoint.host, payload, timestampS }),
      "content-type": CONTENT_TYPE,
      "x-tc-action": ACTION,
      "x-tc-version": VERSION,
      "x-tc-timestamp": String(timestampS),
      "x-tc-region": account.region,
    });
    if (!res.ok) return { outcome: "failed", detail: res.detail };
    const r = res.json?.Response ?? {};
    const error = r.Error;
    const status = Array.isArray(r.SendStatusSet) ? r.SendStatusSet[0] : undefined;
    const code = String(error?.Code ?? status?.Code ?? "");
    const detail = `HTTP ${res.status} ${code || "-"} ${shortMessage(error?.Message ?? status?.Message)}`.trim();
    if (!error && code === "Ok") return { outcome: "sent", detail };
    if (RATE_LIMIT_CODES.test(code)) return { outcome: "rate_limited", detail, waitMs: 60_000 };
    return { outcome: "failed", detail };
  },
};
