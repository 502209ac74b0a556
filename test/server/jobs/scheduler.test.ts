import assert from "node:assert/strict";
import pino from "pino";
import sinon from "sinon";
import { nodeCronDriver, SCHEDULES, Scheduler, type CronDriver, type ScheduledJob } from "../../../server/jobs/scheduler.js";

/** A cron driver whose ticks the test fires by hand. */
function fakeCron() {
  const scheduled: { expression: string; name: string; fn: () => void; stopped: boolean }[] = [];
  const driver: CronDriver = {
    validate: (e) => nodeCronDriver.validate(e),
    schedule(expression, fn, name) {
      const entry = { expression, name, fn, stopped: false };
      scheduled.push(entry);
      return { stop: () => void (entry.stopped = true) };
    },
  };
  return { driver, scheduled };
}

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("Scheduler", function () {
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  it("runs each job on its cron expression with the injected clock and the slot rounded down", async function () {
    const { driver, scheduled } = fakeCron();
    const run = sandbox.stub().resolves({ alerts: 1 });
    const now = new Date("2026-01-15T02:03:41.500Z");
    const s = new Scheduler({ jobs: [{ name: "sla-timers", ...SCHEDULES.slaTimers, run }], logger: pino({ level: "silent" }), now: () => now, cron: driver });
    s.start();
    assert.deepEqual(scheduled.map((e) => [e.name, e.expression]), [["sla-timers", "* * * * *"]]);
    assert.equal(await s.tick("sla-timers"), "ran");
    sinon.assert.calledOnceWithExactly(run, now, new Date("2026-01-15T02:03:00.000Z"));
    await s.stop();
  });

  it("skips a tick while the previous run of the same job is still going", async function () {
    const { driver } = fakeCron();
    const gate = deferred();
    const run = sandbox.stub().returns(gate.promise);
    const s = new Scheduler({ jobs: [{ name: "slow", cron: "* * * * *", slotMs: 60_000, run }], logger: pino({ level: "silent" }), cron: driver });
    const first = s.tick("slow");
    assert.equal(await s.tick("slow"), "skipped");
    gate.resolve();
    assert.equal(await first, "ran");
    assert.equal(await s.tick("slow"), "ran");
    sinon.assert.calledTwice(run);
  });

  it("logs a failing run instead of throwing, and runs again next tick", async function () {
    const { driver } = fakeCron();
    const logger = pino({ level: "silent" });
    const error = sandbox.spy(logger, "error");
    const run = sandbox.stub();
    run.onFirstCall().rejects(new Error("database went away"));
    run.onSecondCall().resolves();
    const s = new Scheduler({ jobs: [{ name: "flaky", cron: "* * * * *", slotMs: 60_000, run }], logger, cron: driver });
    assert.equal(await s.tick("flaky"), "failed");
    sinon.assert.calledOnce(error);
    assert.equal((error.firstCall.args[0] as { job: string }).job, "flaky");
    assert.equal(await s.tick("flaky"), "ran");
  });

  it("stops its schedules on stop() and waits for a run in flight", async function () {
    const { driver, scheduled } = fakeCron();
    const gate = deferred();
    let finished = false;
    const job: ScheduledJob = { name: "digest", ...SCHEDULES.auditDigest, run: async () => { await gate.promise; finished = true; } };
    const s = new Scheduler({ jobs: [job], logger: pino({ level: "silent" }), cron: driver });
    s.start();
    scheduled[0].fn();
    const stopping = s.stop();
    assert.equal(scheduled[0].stopped, true);
    assert.equal(finished, false);
    gate.resolve();
    await stopping;
    assert.equal(finished, true);
    assert.equal(await s.tick("digest"), "skipped");
  });

  it("refuses an invalid cron expression at construction", function () {
    assert.throws(
      () => new Scheduler({ jobs: [{ name: "bad", cron: "every minute", slotMs: 60_000, run: async () => {} }], logger: pino({ level: "silent" }) }),
      /bad: "every minute" is not a valid cron expression/,
    );
  });

  it("fires through the real node-cron driver and stops cleanly", async function () {
    this.timeout(5000);
    let ticks = 0;
    const s = new Scheduler({ jobs: [{ name: "each-second", cron: "* * * * * *", slotMs: 1000, run: async () => void ticks++ }], logger: pino({ level: "silent" }) });
    s.start();
    const deadline = Date.now() + 2500;
    while (ticks === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    await s.stop();
    assert.ok(ticks >= 1, "node-cron never fired");
    const after = ticks;
    await new Promise((r) => setTimeout(r, 1200));
    assert.equal(ticks, after);
  });
});
