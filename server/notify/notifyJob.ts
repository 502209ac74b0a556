import type { Logger } from "pino";
import type { NotifyChannel } from "./channel.js";
import type { RenderContext } from "./notice.js";
import type { NotifyOutbox } from "./ports.js";
import { planNotices } from "./routing.js";

/** How far back a new server (or a new rule) looks for alerts and tasks to send. */
export const NOTIFY_HORIZON_MS = 24 * 3_600_000;
/** How long a claimed send may take before another instance may claim its items again. */
const LEASE_MS = 2 * 60_000;
/** First retry after 30 s, doubling, at most every 30 min (retries never stop: nothing is dropped). */
export function retryDelayMs(attempts: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempts - 1), 30 * 60_000);
}
/** Marks outlive the horizon by a day, so nothing they cover is queued again; sent rows and the log are kept 30 and 90 days. */
const KEEP_SEEN_MS = NOTIFY_HORIZON_MS + 24 * 3_600_000;
const KEEP_SENT_MS = 30 * 86_400_000;
const KEEP_LOG_MS = 90 * 86_400_000;
/** Sends per workspace per run at most, so one run stays short. */
const MAX_SENDS_PER_RUN = 200;

/** What one run did. */
export interface NotifyRunSummary {
  queued: number;
  sent: number;
  failed: number;
  rateLimited: number;
  errors: number;
}

/** How the notifier is put together. */
export interface NotifyJobOptions {
  outbox: NotifyOutbox;
  channels: NotifyChannel[];
  logger: Logger;
  /** This server instance (who holds a lease). */
  instance: string;
  /** The link back to an order. */
  link(orderId: string): string;
}

/**
 * The notifier: queues new alerts and tasks by the routing rules, then sends what is due,
 * target by target — several notices batched into one message within the platform's size
 * and per-minute limits, failures retried with exponential backoff, rate-limit answers
 * waited out — and logs every attempt. Safe to run on every server instance at once.
 */
export class NotifyJob {
  private readonly channels: Map<string, NotifyChannel>;
  private lastPrune = Number.NEGATIVE_INFINITY;

  constructor(private readonly opts: NotifyJobOptions) {
    this.channels = new Map(opts.channels.map((c) => [c.kind, c]));
  }

  /** One run at `now`. */
  async run(now: Date): Promise<NotifyRunSummary> {
    const sum: NotifyRunSummary = { queued: 0, sent: 0, failed: 0, rateLimited: 0, errors: 0 };
    const prune = now.getTime() - this.lastPrune >= 3_600_000;
    if (prune) this.lastPrune = now.getTime();
    for (const ws of await this.opts.outbox.workspaces()) {
      try {
        if (prune) {
          const t = now.getTime();
          await this.opts.outbox.prune(ws.id, { seenBefore: new Date(t - KEEP_SEEN_MS), sentBefore: new Date(t - KEEP_SENT_MS), loggedBefore: new Date(t - KEEP_LOG_MS) });
        }
        const q = await this.opts.outbox.enqueue(ws.id, { now, horizon: new Date(now.getTime() - NOTIFY_HORIZON_MS), limit: 500 }, planNotices);
        sum.queued += q.queued;
        await this.sendDue(ws, now, sum);
      } catch (err) {
        sum.errors += 1;
        this.opts.logger.error({ err, job: "notify", workspaceId: ws.id }, "notification run failed for a workspace");
      }
    }
    return sum;
  }

  private async sendDue(ws: { id: string; timeZone: string }, now: Date, sum: NotifyRunSummary): Promise<void> {
    const skip = new Set<string>();
    const limits = (kind: string) => {
      const c = this.channels.get(kind);
      return { perMinute: c?.perMinute ?? null, maxBatch: c?.maxBatch ?? 1 };
    };
    for (let i = 0; i < MAX_SENDS_PER_RUN; i++) {
      const claim = await this.opts.outbox.claim(ws.id, { now, leaseUntil: new Date(now.getTime() + LEASE_MS), instance: this.opts.instance, skip, limits });
      if (!claim) return;
      const channel = this.channels.get(claim.target.kind);
      const ctx: RenderContext = { locale: claim.target.locale, timeZone: ws.timeZone, link: this.opts.link };
      const notices = claim.items.map((x) => x.notice);
      let result: Awaited<ReturnType<NotifyChannel["send"]>>;
      try {
        result = channel ? await channel.send(claim.target, notices, ctx, now) : { outcome: "failed", detail: `no channel for ${claim.target.kind}`, used: notices.length };
      } catch (err) {
        result = { outcome: "failed", detail: `send failed: ${(err as Error).name}`, used: notices.length };
      }
      const usedIds = claim.items.slice(0, Math.max(1, result.used)).map((x) => x.id);
      const attempts = Math.max(...claim.items.slice(0, usedIds.length).map((x) => x.attempts)) + 1;
      if (result.outcome === "sent") {
        sum.sent += 1;
        await this.opts.outbox.finish(ws.id, claim, { outcome: "sent", detail: result.detail, usedIds }, now);
      } else if (result.outcome === "rate_limited") {
        sum.rateLimited += 1;
        skip.add(claim.target.id);
        const until = new Date(now.getTime() + result.waitMs);
        await this.opts.outbox.finish(ws.id, claim, { outcome: "rate_limited", detail: result.detail, usedIds, retryAt: until, holdUntil: until }, now);
      } else {
        sum.failed += 1;
        skip.add(claim.target.id);
        await this.opts.outbox.finish(ws.id, claim, { outcome: "failed", detail: result.detail, usedIds, retryAt: new Date(now.getTime() + retryDelayMs(attempts)) }, now);
      }
      // Logged without the message, the webhook or any number.
      this.opts.logger.info({ job: "notify", workspaceId: ws.id, target: claim.target.id, kind: claim.target.kind, outcome: result.outcome, items: usedIds.length, detail: result.detail }, "notification delivery");
    }
  }
}
