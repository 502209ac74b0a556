import { postJson, shortMessage, type NotifyChannel } from "../channel.js";
import { batchTitle, noticeMarkdown, packWithin } from "../templates.js";

/** WeCom's markdown content limit, in UTF-8 bytes. */
export const WECOM_MARKDOWN_MAX_BYTES = 4096;
/** WeCom's answer when a robot sent more than 20 messages in a minute. */
export const WECOM_RATE_LIMITED = 45009;

/**
 * WeCom (企业微信) group robot: `POST <webhook>?key=…` with a markdown message (≤ 4096
 * bytes, `<font color>` supported), 20 messages a minute per robot; `errcode` 0 is success,
 * 45009 the rate limit.
 */
export const wecomRobot: NotifyChannel = {
  kind: "wecom",
  perMinute: 20,
  maxBatch: 30,
  async send(target, notices, ctx) {
    const { text, used } = packWithin(
      notices,
      (ns) => (ns.length === 1 ? noticeMarkdown(ns[0], ctx, true) : [`## ${batchTitle(ns.length, ctx)}`, ...ns.map((n) => noticeMarkdown(n, ctx, true))].join("\n\n")),
      WECOM_MARKDOWN_MAX_BYTES,
    );
    const res = await postJson(target.webhookUrl!, { msgtype: "markdown", markdown: { content: text } });
    if (!res.ok) return { outcome: "failed", detail: res.detail, used };
    const code = Number(res.json?.errcode);
    const detail = `HTTP ${res.status} errcode ${res.json?.errcode ?? "-"} ${shortMessage(res.json?.errmsg)}`.trim();
    if (res.status === 200 && code === 0) return { outcome: "sent", detail, used };
    if (code === WECOM_RATE_LIMITED) return { outcome: "rate_limited", detail, waitMs: 60_000, used };
    return { outcome: "failed", detail, used };
  },
};
