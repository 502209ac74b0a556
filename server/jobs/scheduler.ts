import cron from "node-cron";
import type { Logger } from "pino";

/** A job the scheduler runs: `slotMs` is the slot length for cross-instance claims (the run's `slot` is `now` rounded down to it). */
export interface ScheduledJob {
  name: string;
  /** A node-cron expression, e.g. "* * * * *" (every minute). */
  cron: string;
  slotMs: number;
  run(now: Date, slot: Date): Promise<unknown>;
}

/** Starts a recurring callback and stops it; node-cron in production, a fake in tests. */
export interface CronDriver {
  validate(expression: string): boolean;
  schedule(expression: string, fn: () => void, name: string): { stop(): void };
}

/** How a tick ended. */
export type TickResult = "ran" | "skipped" | "failed";

/** node-cron behind `CronDriver`. */
export const nodeCronDriver: CronDriver = {
  validate: (expression) => cron.validate(expression),
  schedule(expression, fn, name) {
    const task = cron.schedule(expression, fn, { name });
    return {
      stop: () => {
        void task.destroy();
      },
    };
  },
};

/** How the scheduler is put together. */
export interface SchedulerOptions {
  jobs: ScheduledJob[];
  logger: Logger;
  /** The clock jobs run at (injectable for tests). */
  now?: () => Date;
  cron?: CronDriver;
}

/**
 * The one owner of node-cron: runs each job on its schedule with the injected clock,
 * skips a tick while the previous run of the same job is still going, logs failures
 * instead of throwing them, and on `stop()` cancels the schedules and waits for runs in
 * flight.
 */
export class Scheduler {
  private readonly running = new Map<string, Promise<TickResult>>();
  private handles: { stop(): void }[] = [];
  private readonly now: () => Date;
  private readonly cron: CronDriver;
  private stopped = false;

  constructor(private readonly opts: SchedulerOptions) {
    this.now = opts.now ?? (() => new Date());
    this.cron = opts.cron ?? nodeCronDriver;
    for (const job of opts.jobs) {
      if (!this.cron.validate(job.cron)) throw new Error(`job ${job.name}: "${job.cron}" is not a valid cron expression`);
    }
  }

  /** Schedules every job. */
  start(): void {
    if (this.handles.length) return;
    this.stopped = false;
    this.handles = this.opts.jobs.map((job) => this.cron.schedule(job.cron, () => void this.tick(job.name), job.name));
  }

  /** Runs `name` now unless a run of it is still going; never throws. */
  tick(name: string): Promise<TickResult> {
    const job = this.opts.jobs.find((j) => j.name === name);
    if (!job) return Promise.resolve("failed");
    if (this.stopped) return Promise.resolve("skipped");
    if (this.running.has(name)) {
      this.opts.logger.warn({ job: name }, "previous run still going; tick skipped");
      return Promise.resolve("skipped");
    }
    const run = this.runOnce(job).finally(() => this.running.delete(name));
    this.running.set(name, run);
    return run;
  }

  private async runOnce(job: ScheduledJob): Promise<TickResult> {
    const now = this.now();
    const slot = new Date(Math.floor(now.getTime() / job.slotMs) * job.slotMs);
    const started = Date.now();
    try {
      const result = await job.run(now, slot);
      this.opts.logger.debug({ job: job.name, slot: slot.toISOString(), ms: Date.now() - started, result }, "job run finished");
      return "ran";
    } catch (err) {
      this.opts.logger.error({ err, job: job.name, slot: slot.toISOString() }, "job run failed");
      return "failed";
    }
  }

  /** Cancels the schedules and waits for runs in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const h of this.handles) h.stop();
    this.handles = [];
    await Promise.all([...this.running.values()]);
  }
}

/** The server's standard schedule: SLA timers every minute, the audit digest hourly, notifications every 15 s, connector pulls checked every minute, retention and partition upkeep daily. */
export const SCHEDULES = {
  slaTimers: { cron: "* * * * *", slotMs: 60_000 },
  notify: { cron: "*/15 * * * * *", slotMs: 15_000 },
  auditDigest: { cron: "7 * * * *", slotMs: 3_600_000 },
  retention: { cron: "23 3 * * *", slotMs: 86_400_000 },
  /** Every minute the connectors whose own cron fires in that minute run (each claimed per instance and slot). */
  connectors: { cron: "* * * * *", slotMs: 60_000 },
} as const;

/**
 * Questions about cron expressions at minute resolution (connector schedules), evaluated
 * in a time zone (the workspace's: "0 9 * * *" in Asia/Shanghai fires at 01:00 UTC); UTC
 * when none is given or the zone is unknown.
 */
export interface CronCalendar {
  validate(expression: string): boolean;
  /** Whether the minute holding `at` is one the expression fires in. */
  matches(expression: string, at: Date, timeZone?: string): boolean;
  /** The next minute after `from` the expression fires in (within 31 days), or null. */
  next(expression: string, from: Date, timeZone?: string): Date | null;
}

const matchers = new Map<string, { match(d: Date): boolean; destroy(): unknown }>();

function knownZone(timeZone: string | undefined): string {
  if (!timeZone) return "UTC";
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return timeZone;
  } catch {
    return "UTC";
  }
}

function matcherOf(expression: string, timeZone?: string): { match(d: Date): boolean } {
  const zone = knownZone(timeZone);
  const key = `${zone}\u0000${expression}`;
  let m = matchers.get(key);
  if (!m) {
    if (matchers.size >= 1000) {
      const [oldest, task] = matchers.entries().next().value!;
      matchers.delete(oldest);
      void task.destroy();
    }
    m = cron.createTask(expression, () => {}, { timezone: zone });
    matchers.set(key, m);
  }
  return m;
}

/** node-cron behind `CronCalendar`. */
export const cronCalendar: CronCalendar = {
  validate: (expression) => cron.validate(expression) && expression.trim().split(/\s+/).length === 5,
  matches(expression, at, timeZone) {
    return matcherOf(expression, timeZone).match(new Date(Math.floor(at.getTime() / 60_000) * 60_000));
  },
  next(expression, from, timeZone) {
    const m = matcherOf(expression, timeZone);
    let t = Math.floor(from.getTime() / 60_000) * 60_000 + 60_000;
    for (let i = 0; i < 31 * 1440; i++, t += 60_000) if (m.match(new Date(t))) return new Date(t);
    return null;
  },
};
