import type { RunErrorCode } from "../../domain/connectors/runErrors.js";

/** A request a connector failed to complete, with the run-error code it means. */
export class ConnectorHttpError extends Error {
  constructor(
    readonly code: RunErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = "ConnectorHttpError";
  }
}

/** How patient the client is. */
export interface HttpClientOptions {
  /** Attempts per request, the first included (default 4). */
  maxAttempts?: number;
  /** First backoff; doubled per attempt, with jitter (default 500 ms). */
  baseDelayMs?: number;
  /** The longest `Retry-After` honoured per wait (default 120 s); longer ones fail the run and it backs off. */
  maxRetryAfterMs?: number;
  /** Waits (injectable: tests advance their protocol server's clock instead of sleeping). */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

/** An answer with a parsed JSON body. */
export interface JsonResponse {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * The connectors' HTTP client: a timeout per request, retries with exponential backoff on
 * network errors, timeouts and 5xx, `429` waited out as `Retry-After` says, and no retry
 * on a refusal of the credentials (401/403) or of the request (other 4xx).
 */
export class HttpClient {
  readonly sleep: (ms: number) => Promise<void>;
  private readonly maxAttempts: number;
  private readonly baseDelayMs: number;
  private readonly maxRetryAfterMs: number;
  private readonly random: () => number;

  constructor(opts: HttpClientOptions = {}) {
    this.sleep = opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
    this.maxAttempts = opts.maxAttempts ?? 4;
    this.baseDelayMs = opts.baseDelayMs ?? 500;
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 120_000;
    this.random = opts.random ?? Math.random;
  }

  /** Sends a JSON request and parses the JSON answer, retrying what is worth retrying. */
  async json(url: string, init: { method: string; headers: Record<string, string>; body?: string; timeoutMs: number }): Promise<JsonResponse> {
    let last: ConnectorHttpError | undefined;
    for (let attempt = 1; attempt <= this.maxAttempts; attempt++) {
      let res: Response;
      try {
        res = await fetch(url, { method: init.method, headers: init.headers, body: init.body, signal: AbortSignal.timeout(init.timeoutMs), redirect: "error" });
      } catch (err) {
        const timedOut = (err as Error)?.name === "TimeoutError" || (err as Error)?.name === "AbortError";
        last = new ConnectorHttpError(timedOut ? "timeout" : "network", timedOut ? `no answer within ${init.timeoutMs} ms` : `connection failed: ${causeOf(err)}`);
        if (attempt < this.maxAttempts) await this.sleep(this.backoff(attempt));
        continue;
      }
      if (res.status === 429) {
        await res.arrayBuffer().catch(() => undefined);
        const wait = retryAfterMs(res.headers.get("retry-after")) ?? this.backoff(attempt);
        last = new ConnectorHttpError("rate_limited", `HTTP 429 (Retry-After: ${res.headers.get("retry-after") ?? "none"})`, 429);
        if (wait > this.maxRetryAfterMs) throw last;
        if (attempt < this.maxAttempts) await this.sleep(wait);
        continue;
      }
      if (res.status >= 500) {
        await res.arrayBuffer().catch(() => undefined);
        last = new ConnectorHttpError("upstream", `HTTP ${res.status}`, res.status);
        if (attempt < this.maxAttempts) await this.sleep(this.backoff(attempt));
        continue;
      }
      if (res.status === 401 || res.status === 403) {
        await res.arrayBuffer().catch(() => undefined);
        throw new ConnectorHttpError("unauthorized", `HTTP ${res.status}`, res.status);
      }
      let text: string;
      try {
        text = await res.text();
      } catch (err) {
        // The connection dropped while the body was being read.
        last = new ConnectorHttpError("network", `answer cut off: ${causeOf(err)}`);
        if (attempt < this.maxAttempts) await this.sleep(this.backoff(attempt));
        continue;
      }
      if (res.status >= 400) throw new ConnectorHttpError("upstream", `HTTP ${res.status}: ${text.slice(0, 200)}`, res.status);
      try {
        return { status: res.status, headers: res.headers, body: JSON.parse(text) };
      } catch {
        throw new ConnectorHttpError("bad_response", `the answer is not JSON (HTTP ${res.status})`, res.status);
      }
    }
    throw last ?? new ConnectorHttpError("network", "no attempt was made");
  }

  private backoff(attempt: number): number {
    return Math.round(this.baseDelayMs * 2 ** (attempt - 1) * (0.5 + this.random() / 2));
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | null, now = Date.now()): number | null {
  if (!value) return null;
  if (/^\d+(\.\d+)?$/.test(value.trim())) return Math.round(Number(value) * 1000);
  const at = Date.parse(value);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

function causeOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } })?.cause;
  return cause?.code ?? cause?.message ?? (err as Error)?.message ?? String(err);
}
