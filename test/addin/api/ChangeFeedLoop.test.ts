import assert from "node:assert/strict";
import sinon from "sinon";
import type { ChangesResponse } from "../../../server/contracts/changes.js";
import { ApiError } from "../../../addin/api/ApiError.js";
import { ChangeFeedLoop } from "../../../addin/api/ChangeFeedLoop.js";

const change = (seq: string) => ({ seq, kind: "order.updated" as const, orderId: `O${seq}`, orderVersion: 2, at: "2026-01-15T00:00:00Z", data: {} });

describe("ChangeFeedLoop", function () {
  const sandbox = sinon.createSandbox();
  afterEach(() => sandbox.restore());

  it("handles each page before polling again and resumes from the last handled cursor", async function () {
    const pages: ChangesResponse[] = [{ changes: [change("1"), change("2")], cursor: "2" }, { changes: [change("3")], cursor: "3" }];
    const sinces: string[] = [];
    const handled: string[] = [];
    let loop!: ChangeFeedLoop;
    loop = new ChangeFeedLoop({
      poll: async (since) => {
        sinces.push(since);
        const page = pages.shift();
        if (!page) {
          void loop.stop();
          return { changes: [], cursor: since };
        }
        return page;
      },
      onChanges: async (changes) => {
        handled.push(...changes.map((c) => c.seq));
      },
    });
    loop.start("0");
    while (loop.active) await new Promise((r) => setTimeout(r, 1));
    assert.deepEqual(handled, ["1", "2", "3"]);
    assert.deepEqual(sinces, ["0", "2", "3"]);
    assert.equal(loop.cursor, "3");
  });

  it("reports going offline, retries with backoff, and reports coming back", async function () {
    const clock = sandbox.useFakeTimers();
    const statuses: boolean[] = [];
    let calls = 0;
    const loop = new ChangeFeedLoop({
      poll: async (since) => {
        calls++;
        if (calls <= 2) throw new ApiError("unreachable", 0, "down", "x");
        if (calls > 3) await new Promise((r) => setTimeout(r, 60_000));
        return { changes: [], cursor: since };
      },
      onChanges: async () => {},
      onStatus: ({ online }) => statuses.push(online),
      backoffMs: [1000, 5000],
    });
    loop.start("0");
    await clock.tickAsync(0);
    assert.equal(calls, 1);
    await clock.tickAsync(999);
    assert.equal(calls, 1, "waits the first backoff");
    await clock.tickAsync(1);
    assert.equal(calls, 2);
    await clock.tickAsync(5000);
    assert.deepEqual(statuses, [false, true]);
    const stopping = loop.stop();
    await clock.tickAsync(60_000);
    await stopping;
  });

  it("stops and asks for a reload when the server no longer holds the changes after its cursor, then can follow again", async function () {
    const sinces: string[] = [];
    let reloads = 0;
    const statuses: { online: boolean; stopped?: boolean }[] = [];
    let loop!: ChangeFeedLoop;
    loop = new ChangeFeedLoop({
      poll: async (since) => {
        sinces.push(since);
        if (since === "5") throw new ApiError("reload", 410, "changes after cursor 5 are no longer kept", "x");
        void loop.stop();
        return { changes: [], cursor: since };
      },
      onChanges: async () => {},
      onStatus: (s) => statuses.push(s),
      onReload: () => {
        reloads++;
        // What the session does: it loaded the view again and follows from the head.
        assert.equal(loop.active, false, "the loop has stopped before the reload starts");
        loop.start("42");
      },
    });
    loop.start("5");
    while (reloads === 0 || loop.active) await new Promise((r) => setTimeout(r, 1));
    assert.equal(reloads, 1);
    assert.deepEqual(sinces, ["5", "42"]);
    assert.deepEqual(statuses, [], "a reload is not an outage");
  });

  it("stops for good when the token is refused", async function () {
    const statuses: { online: boolean; stopped?: boolean }[] = [];
    const loop = new ChangeFeedLoop({
      poll: async () => {
        throw new ApiError("unauthorized", 401, "bad token", "x");
      },
      onChanges: async () => {},
      onStatus: (s) => statuses.push(s),
    });
    loop.start("0");
    await new Promise((r) => setTimeout(r, 10));
    assert.equal(loop.active, false);
    assert.equal(statuses[0].stopped, true);
  });
});
