import crypto from "node:crypto";
import { postJson, shortMessage, type NotifyChannel } from "../channel.js";
import { batchTitle, noticeText, packWithin } from "../templates.js";

/** The request body limit of a Feishu bot (bytes), with room kept for the JSON around the text. */
export const FEISHU_TEXT_MAX_BYTES = 18 * 1024;
/** Feishu's answer when a bot is over its request frequency. */
export const FEISHU_RATE_LIMITED = 11232;

/**
 * Feishu's `sign`: base64(HMAC-SHA256(key = "{timestamp_s}\n{secret}", message = "")) — the
 * reverse of DingTalk's key and message; the timestamp is in seconds.
 */
export function feishuSign(timestampS: number, secret: string): string {
  return crypto.createHmac("sha256", `${timestampS}\n${secret}`).update("").digest("base64");
}

/**
 * Feishu / Lark custom bot: `POST <webhook>` with a text message; in signed mode
 * `timestamp` (seconds) and `sign` go in the JSON body. `code` 0 is success.
 */
export const feishuBot: NotifyChannel = {
  kind: "feishu",
  perMinute: 100,
  maxBatch: 30,
  async send(target, notices, ctx, now) {
    const { text, used } = packWithin(
      notices,
      (ns) => (ns.length === 1 ? noticeText(ns[0], ctx) : [batchTitle(ns.length, ctx), ...ns.map((n) => noticeText(n, ctx))].join("\n\n")),
      FEISHU_TEXT_MAX_BYTES,
    );
    const body: Record<string, unknown> = { msg_type: "text", content: { text } };
    if (target.secret) {
      const ts = Math.floor(now.getTime() / 1000);
      body.timestamp = String(ts);
      body.sign = feishuSign(ts, target.secret);
    }
    const res = await postJson(target.webhookUrl!, body);
    if (!res.ok) return { outcome: "failed", detail: res.detail, used };
    const code = Number(res.json?.code ?? res.json?.StatusCode);
    const detail = `HTTP ${res.status} code ${res.json?.code ?? res.json?.StatusCode ?? "-"} ${shortMessage(res.json?.msg ?? res.json?.StatusMessage)}`.trim();
    if (res.status === 200 && code === 0) return { outcome: "sent", detail, used };
    if (code === FEISHU_RATE_LIMITED || res.status === 429) return { outcome: "rate_limited", detail, waitMs: 60_000, used };
    return { outcome: "failed", detail, used };
  },
};
