import type { NextFunction, Request, Response } from "express";
import type { Principal } from "../domain/access/principal.js";

/** How many writes one token may make: a bucket of `burst` refilled at `perMinute`. */
export interface WriteRateLimit {
  /** Sustained writes per minute per token; 0 turns the limit off. */
  perMinute: number;
  /** Writes a token may make at once before the sustained rate applies. */
  burst: number;
}

/** The default: far above a person in a sheet and above event ingest of 1,000 events a request. */
export const DEFAULT_WRITE_RATE_LIMIT: WriteRateLimit = { perMinute: 3000, burst: 1000 };

const WRITE_METHODS = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * In-process token buckets, one per API token: how many writes each may still make. Limits
 * hold per server instance (instances behind a load balancer each allow the full rate).
 */
export class TokenBuckets {
  private readonly buckets = new Map<string, { level: number; at: number }>();

  constructor(
    private readonly limit: WriteRateLimit,
    private readonly now: () => number = Date.now,
    private readonly maxEntries = 100_000,
  ) {}

  /** Takes one write for `key`: 0 when allowed, else the seconds until one is allowed again. */
  take(key: string): number {
    const t = this.now();
    const perMs = this.limit.perMinute / 60_000;
    const b = this.buckets.get(key) ?? { level: this.limit.burst, at: t };
    b.level = Math.min(this.limit.burst, b.level + (t - b.at) * perMs);
    b.at = t;
    if (!this.buckets.has(key)) {
      if (this.buckets.size >= this.maxEntries) this.prune(t, perMs);
      this.buckets.set(key, b);
    }
    if (b.level >= 1) {
      b.level -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.level) / perMs / 1000));
  }

  /** Drops full buckets (they hold no state), then the oldest if still too many. */
  private prune(t: number, perMs: number): void {
    for (const [k, b] of this.buckets) {
      if (b.level + (t - b.at) * perMs >= this.limit.burst) this.buckets.delete(k);
    }
    while (this.buckets.size >= this.maxEntries) this.buckets.delete(this.buckets.keys().next().value as string);
  }
}

/**
 * Limits write requests (POST, PUT, PATCH, DELETE) per token; mount after `requireToken`.
 * Over the limit: 429 in the error envelope with `Retry-After` (seconds).
 */
export function writeRateLimit(limit: WriteRateLimit = DEFAULT_WRITE_RATE_LIMIT, now: () => number = Date.now) {
  const buckets = new TokenBuckets(limit, now);
  return function limitWrites(req: Request, res: Response, next: NextFunction): void {
    if (limit.perMinute <= 0 || !WRITE_METHODS.has(req.method)) return next();
    const principal = res.locals.principal as Principal | undefined;
    if (!principal) return next();
    const wait = buckets.take(`${principal.workspaceId}/${principal.tokenId}`);
    if (wait === 0) return next();
    res.setHeader("Retry-After", String(wait));
    res.status(429).json({
      error: {
        code: "rate_limited",
        message: `too many writes with this token: at most ${limit.perMinute} a minute (bursts of ${limit.burst}); try again in ${wait} s`,
        details: { retryAfterSeconds: wait, perMinute: limit.perMinute, burst: limit.burst },
      },
    });
  };
}
