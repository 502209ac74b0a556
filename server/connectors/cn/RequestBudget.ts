/**
 * A client-side request budget: at most `limit` requests in any `windowMs`, for each of
 * several windows (JuShuiTan: 5 per second and 100 per minute, per app). Before each
 * request, `take` waits (through the HTTP client's `sleep`) until every window has room.
 *
 * The clock is "virtual": the later of the wall clock and the budget's own time, which a
 * wait moves forward. In production a wait really passes, so the two agree; in tests the
 * protocol server's clock moves by the waits instead, and the budget still holds.
 */
const MARGIN_MS = 50;

export class RequestBudget {
  private readonly sent: number[] = [];
  private clock = 0;

  constructor(private readonly windows: readonly { limit: number; windowMs: number }[]) {}

  private now(): number {
    this.clock = Math.max(this.clock, Date.now());
    return this.clock;
  }

  /** How long to wait before the next request fits every window. */
  waitMs(): number {
    const now = this.now();
    let wait = 0;
    for (const w of this.windows) {
      const inWindow = this.sent.filter((t) => t > now - w.windowMs);
      // A little margin: the platform's clock reads the request a moment after it left.
      if (inWindow.length >= w.limit) wait = Math.max(wait, inWindow[inWindow.length - w.limit] + w.windowMs - now + MARGIN_MS);
    }
    return wait;
  }

  /** Waits for room, then counts one request. */
  async take(sleep: (ms: number) => Promise<void>): Promise<void> {
    for (let wait = this.waitMs(); wait > 0; wait = this.waitMs()) {
      await sleep(wait);
      this.clock += wait;
    }
    this.sent.push(this.now());
    const longest = Math.max(...this.windows.map((w) => w.windowMs));
    while (this.sent.length && this.sent[0] <= this.clock - longest) this.sent.shift();
  }

  /** After the platform said "too many": nothing more for `ms`. */
  async pause(ms: number, sleep: (ms: number) => Promise<void>): Promise<void> {
    const start = this.now();
    await sleep(ms);
    this.clock = Math.max(this.now(), start + ms);
  }
}

const budgets = new Map<string, RequestBudget>();

/** The budget shared by every run in this process for one key (e.g. `jushuitan:<app_key>`). */
export function budgetFor(key: string, windows: readonly { limit: number; windowMs: number }[]): RequestBudget {
  let b = budgets.get(key);
  if (!b) {
    b = new RequestBudget(windows);
    budgets.set(key, b);
  }
  return b;
}
