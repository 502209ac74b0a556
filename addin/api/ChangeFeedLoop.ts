import type { Change, ChangesResponse } from "../../server/contracts/changes.js";
import { ApiError } from "./ApiError.js";

/** What the loop needs: a way to poll, and what to do with what it gets. */
export interface ChangeFeedOptions {
  poll: (since: string, signal: AbortSignal) => Promise<ChangesResponse>;
  /** Handles one page; the cursor advances only once this resolves. */
  onChanges: (changes: Change[], cursor: string) => Promise<void>;
  /** Told when the server goes away or comes back, and when the loop gives up (token refused). */
  onStatus?: (status: { online: boolean; error?: unknown; stopped?: boolean }) => void;
  /** Waits between retries; tests pass fake timers through the default. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
  /** Retry delays after failures, the last one repeating. */
  backoffMs?: readonly number[];
  /**
   * Called once the loop has stopped because the server no longer holds the changes after
   * the cursor (410 feed_reload): the caller loads its view again and follows from the head.
   * Without it, that answer stops the loop like any other refusal.
   */
  onReload?: () => void;
}

function defaultSleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

/**
 * Long-polls the change feed: each answer is handled before the next poll, the cursor
 * only moves past what was handled, a lost server is retried with backoff, and a refused
 * token stops the loop (retrying cannot fix it).
 */
export class ChangeFeedLoop {
  private controller: AbortController | undefined;
  private running: Promise<void> | undefined;
  private online = true;
  private cursorValue = "0";

  constructor(private readonly opts: ChangeFeedOptions) {}

  /** The last cursor handled. */
  get cursor(): string {
    return this.cursorValue;
  }

  /** Whether the loop is running. */
  get active(): boolean {
    return this.running !== undefined;
  }

  /** Starts polling after `since` (no-op when already running). */
  start(since: string): void {
    if (this.running) return;
    this.cursorValue = since;
    const controller = new AbortController();
    this.controller = controller;
    let reload = false;
    this.running = this.loop(controller.signal)
      .then((r) => void (reload = r))
      .finally(() => {
        if (this.controller === controller) {
          this.running = undefined;
          this.controller = undefined;
        }
        // After the loop is marked stopped, so the reload may stop and start following again.
        if (reload) void Promise.resolve().then(() => this.opts.onReload?.());
      });
  }

  /** Stops polling and waits for the loop to end. */
  async stop(): Promise<void> {
    this.controller?.abort();
    await this.running;
  }

  private setOnline(online: boolean, error?: unknown): void {
    if (online === this.online) return;
    this.online = online;
    this.opts.onStatus?.({ online, error });
  }

  /** Polls until stopped; answers true when it stopped because the view must be reloaded. */
  private async loop(signal: AbortSignal): Promise<boolean> {
    const sleep = this.opts.sleep ?? defaultSleep;
    const backoff = this.opts.backoffMs ?? [1000, 2000, 5000, 10_000, 30_000];
    let failures = 0;
    while (!signal.aborted) {
      try {
        const page = await this.opts.poll(this.cursorValue, signal);
        if (signal.aborted) return false;
        this.setOnline(true);
        failures = 0;
        if (page.changes.length) await this.opts.onChanges(page.changes, page.cursor);
        this.cursorValue = page.cursor;
      } catch (error) {
        if (signal.aborted) return false;
        if (error instanceof ApiError && error.kind === "reload" && this.opts.onReload) {
          this.setOnline(true);
          return true;
        }
        if (error instanceof ApiError && !error.transient && error.kind !== "bad_response") {
          this.online = false;
          this.opts.onStatus?.({ online: false, error, stopped: true });
          return false;
        }
        this.setOnline(false, error);
        await sleep(backoff[Math.min(failures, backoff.length - 1)], signal);
        failures++;
      }
    }
    return false;
  }
}
