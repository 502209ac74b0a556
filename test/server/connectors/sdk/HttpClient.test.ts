import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ConnectorHttpError, HttpClient, retryAfterMs } from "../../../../server/connectors/sdk/HttpClient.js";

/** The connectors' HTTP client against a local server answering a scripted sequence of statuses. */
describe("connector HTTP client", function () {
  let server: http.Server;
  let url = "";
  let script: { status: number; headers?: Record<string, string>; body?: string; hang?: boolean }[] = [];
  let hits = 0;

  before(async function () {
    server = http.createServer((req, res) => {
      const step = script[Math.min(hits, script.length - 1)];
      hits += 1;
      req.resume();
      if (step.hang) return; // never answers
      res.writeHead(step.status, { "content-type": "application/json", ...(step.headers ?? {}) });
      res.end(step.body ?? "{}");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  });
  after(async function () {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  function client(waits: number[], maxAttempts = 4) {
    return new HttpClient({ maxAttempts, baseDelayMs: 100, random: () => 1, maxRetryAfterMs: 10_000, sleep: async (ms) => void waits.push(ms) });
  }
  const get = (c: HttpClient, timeoutMs = 2000) => c.json(url, { method: "GET", headers: {}, timeoutMs });

  beforeEach(function () {
    hits = 0;
  });

  it("retries 5xx with exponential backoff and returns the parsed answer", async function () {
    script = [{ status: 503 }, { status: 502 }, { status: 200, body: '{"ok":true}' }];
    const waits: number[] = [];
    const res = await get(client(waits));
    assert.deepEqual(res.body, { ok: true });
    assert.deepEqual(waits, [100, 200]);
  });

  it("waits out 429 for as long as Retry-After says, in seconds or as an HTTP date", async function () {
    script = [{ status: 429, headers: { "retry-after": "3" } }, { status: 200 }];
    const waits: number[] = [];
    await get(client(waits));
    assert.deepEqual(waits, [3000]);
    assert.equal(retryAfterMs("Wed, 02 Dec 2026 10:00:05 GMT", Date.parse("2026-12-02T10:00:00Z")), 5000);
    assert.equal(retryAfterMs("soon"), null);
  });

  it("gives up on a Retry-After longer than it will wait, and after its attempts, with the code the health shows", async function () {
    script = [{ status: 429, headers: { "retry-after": "3600" } }];
    await assert.rejects(get(client([])), (e: ConnectorHttpError) => e.code === "rate_limited" && hits === 1);
    hits = 0;
    script = [{ status: 500 }];
    await assert.rejects(get(client([], 3)), (e: ConnectorHttpError) => e.code === "upstream" && hits === 3);
  });

  it("does not retry refused credentials or a refused request", async function () {
    script = [{ status: 401 }];
    await assert.rejects(get(client([])), (e: ConnectorHttpError) => e.code === "unauthorized" && hits === 1);
    hits = 0;
    script = [{ status: 400, body: '{"errors":"bad"}' }];
    await assert.rejects(get(client([])), (e: ConnectorHttpError) => e.code === "upstream" && hits === 1);
    hits = 0;
    script = [{ status: 200, body: "<html>" }];
    await assert.rejects(get(client([])), (e: ConnectorHttpError) => e.code === "bad_response");
  });

  it("times a silent server out and retries it", async function () {
    script = [{ status: 0, hang: true }];
    const waits: number[] = [];
    await assert.rejects(get(client(waits, 2), 200), (e: ConnectorHttpError) => e.code === "timeout" && hits === 2);
    assert.deepEqual(waits, [100]);
  });
});
