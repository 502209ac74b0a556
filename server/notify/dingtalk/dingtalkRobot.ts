import crypto from "node:crypto";
import { postJson, shortMessage, type NotifyChannel } from "../channel.js";
import { batchTitle, noticeMarkdown, packWithin } from "../templates.js";

/** The markdown size kept to per message (bytes; the platform's own cap is larger). */
export const DINGTALK_MARKDOWN_MAX_BYTES = 4096;
/** DingTalk's answer when a robot sent too fast (over 20 messages a minute). */
export const DINGTALK_RATE_LIMITED = 130101;
/** After the rate limit DingTalk throttles the robot for about ten minutes. */
const THROTTLE_MS = 10 * 60_000;

/** DingTalk's signed-mode `sign`: base64(HMAC-SHA256(key = secret, message = "{timestamp_ms}\n{secret}")), before URL-encoding. */
export function dingtalkSign(timestampMs: number, secret: string): string {
  return crypto.createHmac("sha256", secret).update(`${timestampMs}\n${secret}`, "utf8").digest("base64");
}

/** The webhook URL with `timestamp` and the URL-encoded `sign` appended (signed mode). */
export function dingtalkSignedUrl(webhookUrl: string, secret: string, timestampMs: number): string {
  const sep = webhookUrl.includes("?") ? "&" : "?";
  return `${webhookUrl}${sep}timestamp=${timestampMs}&sign=${encodeURIComponent(dingtalkSign(timestampMs, secret))}`;
}

/**
 * DingTalk (钉钉) custom robot: `POST <webhook>?access_token=…[&timestamp&sign]` with a
 * markdown message (`title` and `text`), 20 messages a minute; `errcode` 0 is success,
 * 130101 "send too fast".
 */
export const dingtalkRobot: NotifyChannel = {
  kind: "dingtalk",
  perMinute: 20,
  maxBatch: 30,
  async send(target, notices, ctx, now) {
    const { text, used } = packWithin(
      notices,
      (ns) => (ns.length === 1 ? noticeMarkdown(ns[0], ctx, false) : [`## ${batchTitle(ns.length, ctx)}`, ...ns.map((n) => noticeMarkdown(n, ctx, false))].join("\n\n")),
      DINGTALK_MARKDOWN_MAX_BYTES,
    );
    const title = used === 1 ? `${notices[0].orderId}` : batchTitle(used, ctx);
    const url = target.secret ? dingtalkSignedUrl(target.webhookUrl!, target.secret, now.getTime()) : target.webhookUrl!;
    const res = await postJson(url, { msgtype: "markdown", markdown: { title, text } });
    if (!res.ok) return { outcome: "failed", detail: res.detail, used };
    const code = Number(res.json?.errcode);
    const detail = `HTTP ${res.status} errcode ${res.json?.errcode ?? "-"} ${shortMessage(res.json?.errmsg)}`.trim();
    if (res.status === 200 && code === 0) return { outcome: "sent", detail, used };
    if (code === DINGTALK_RATE_LIMITED) return { outcome: "rate_limited", detail, waitMs: THROTTLE_MS, used };
    return { outcome: "failed", detail, used };
  },
};
