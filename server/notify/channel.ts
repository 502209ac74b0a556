import type { NotifyKind, TencentSmsSettings } from "../contracts/notify.js";
import type { Notice, RenderContext } from "./notice.js";

/** A target with its secrets opened, as a channel needs it to send. */
export interface OpenTarget {
  id: string;
  kind: NotifyKind;
  webhookUrl?: string;
  secret?: string;
  sms?: TencentSmsSettings;
}

/** How one send ended, in the platform's own words (never a key or phone number). */
export type SendResult =
  | { outcome: "sent"; detail: string }
  | { outcome: "rate_limited"; detail: string; /** How long the platform wants us to wait. */ waitMs: number }
  | { outcome: "failed"; detail: string };

/** One outbound channel: how many messages a minute it takes, how many notices fit one message, and the send. */
export interface NotifyChannel {
  kind: NotifyKind;
  /** Messages a minute per target, or null when the platform names no such cap. */
  perMinute: number | null;
  /** Notices one message may carry at most. */
  maxBatch: number;
  /** Sends the first notices that fit one message; `used` says how many went. */
  send(target: OpenTarget, notices: readonly Notice[], ctx: RenderContext, now: Date): Promise<SendResult & { used: number }>;
}

/** How long a send may take before it counts as failed. */
export const SEND_TIMEOUT_MS = 10_000;

/** POSTs JSON and reads the JSON answer; network errors and non-JSON answers become a failed result. */
export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<{ ok: true; status: number; json: any } | { ok: false; detail: string }> {
  let res: Response;
  try {
    res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", ...headers },
      body: typeof body === "string" ? body : JSON.stringify(body),
      signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
      redirect: "error",
    });
  } catch (err) {
    const e = err as Error;
    return { ok: false, detail: e.name === "TimeoutError" ? "timed out" : `no answer (${e.name})` };
  }
  const text = await res.text().catch(() => "");
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, detail: `HTTP ${res.status}, not JSON` };
  }
  return { ok: true, status: res.status, json };
}

/** A short, safe summary of a platform's error message (no URLs, bounded length). */
export function shortMessage(s: unknown): string {
  return String(s ?? "").replace(/https?:\/\/\S+/g, "<url>").slice(0, 200);
}
