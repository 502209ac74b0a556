import assert from "node:assert/strict";
import type { TestServer } from "./testServer.js";

/**
 * Runs the full audit check over HTTP: starts it (202 with the run), then reads the run
 * until it has finished; returns the finished run (its `result` is the verification).
 */
export async function fullCheckOverHttp(t: TestServer, opts: { token?: string } = {}): Promise<any> {
  const started = await t.call("POST", "/api/audit/verify?full=1", opts);
  assert.equal(started.status, 202, JSON.stringify(started.body));
  for (let i = 0; i < 2000; i++) {
    const run = await t.call("GET", `/api/audit/verify/runs/${started.body.id}`, opts);
    assert.equal(run.status, 200, JSON.stringify(run.body));
    if (run.body.status !== "running") return run.body;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error("the full check did not finish");
}
