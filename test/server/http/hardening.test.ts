import assert from "node:assert/strict";
import fs from "node:fs";
import net from "node:net";
import express from "express";
import pino from "pino";
import { unstorableText } from "../../../server/contracts/common.js";
import { errorHandler, STORE_REFUSED } from "../../../server/http/errorHandler.js";
import { freePort, startChildServer, stopChild, tempDataDir, waitHealthy, type ChildServer } from "../../helpers/childServer.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";


/** A JSON text nested `depth` arrays deep around a string holding a NUL character (about 2 bytes a level). */
function nestedNulBody(depth: number): string {
  return `{"orders":[${sampleOrderText()}],"x":${"[".repeat(depth)}"a\\u0000b"${"]".repeat(depth)}}`;
}
function sampleOrderText(): string {
  return JSON.stringify(sampleOrder(1));
}

/** SQL, table names or driver wording that must never reach a client. */
export const LEAKS = /insert into|select |update .* set |delete from|relation|violates|syntax error|invalid byte sequence|\b(orders|order_lines|audit_entries|events_inbox|change_feed|edits|tokens|users|workspaces)\b.*\b(table|column)\b/i;

/** Asserts a 4xx answer in the documented envelope with a readable message quoting no SQL. */
function assertEnvelope(res: { status: number; body: any }, status: number | RegExp, what: string): void {
  const s = JSON.stringify(res.body);
  if (typeof status === "number") assert.equal(res.status, status, `${what}: ${s}`);
  else assert.match(String(res.status), status, `${what}: ${s}`);
  assert.equal(typeof res.body?.error?.code, "string", `${what}: envelope: ${s}`);
  assert.equal(typeof res.body.error.message, "string", `${what}: envelope: ${s}`);
  assert.ok(res.body.error.message.length > 10, `${what}: a readable message: ${s}`);
  assert.doesNotMatch(res.body.error.message, LEAKS, `${what}: no SQL in the message`);
}

describe("a request cannot end the server process", function () {
  this.timeout(120_000);
  let server: ChildServer | undefined;
  let dataDir: string;
  after(async function () {
    await stopChild(server?.child);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("answers a 20,000-level nested body holding a NUL with 400 and keeps serving (server in its own process)", async function () {
    dataDir = tempDataDir("ordersheet-deep-");
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const token = "deep-test-admin-token-0123456789";
    server = startChildServer({ DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", ORDERSHEET_ADMIN_TOKEN: token });
    const child = server.child;
    const out = () => server!.output();
    await waitHealthy(url, 60_000, server);
    const body = nestedNulBody(20_000);
    assert.ok(body.length < 64 * 1024, "far under the body limit");
    const res = await fetch(`${url}/api/orders`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body }).then(
      async (r) => ({ status: r.status, body: await r.json() }),
      (err: Error) => ({ status: 0, body: String(err) }),
    );
    assertEnvelope(res, 400, "deep body");
    assert.match(res.body.error.message, /deeper than 64 levels/);
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(child.exitCode, null, `the process is still running:\n${out()}`);
    const health = await fetch(`${url}/healthz`);
    assert.equal(health.status, 200);
    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200, "and still answers the API");
  });
});

describeEachDatabase("hardening: depth, encoding, text rule, error envelope", function ({ db }) {
  let t: TestServer;
  let id: string;
  before(async function () {
    t = await startTestServer(db());
    const created = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(1)] } });
    id = created.body.results[0].id;
    await t.call("POST", "/api/events", { body: { events: [{ source: "connector:tmall", sourceEventId: `pay-${id}`, orderId: id, type: "payment.confirmed", data: {} }] } });
  });
  after(async function () {
    await t?.close();
  });

  it("refuses a body nested deeper than 64 levels with 400 naming where, for every body-taking route", async function () {
    for (const [method, route] of [["POST", "/api/orders"], ["POST", "/api/events"], ["POST", "/api/edits"], ["PUT", "/api/workflow"], ["POST", `/api/orders/${id}/status`]]) {
      const res = await t.call(method, route, { raw: nestedNulBody(20_000) });
      assertEnvelope(res, 400, `${method} ${route}`);
      assert.match(res.body.error.message, /invalid body: x(\.0)+: nests deeper than 64 levels/);
    }
    const ok = await t.call("GET", "/healthz");
    assert.equal(ok.status, 200);
  });

  it("refuses an extra object nested deep enough to overflow JSON.stringify, and one past 8 levels or 16 KiB, naming the field", async function () {
    // Written as text: JSON.stringify itself overflows on it (as the server's store did).
    const row = JSON.stringify(sampleOrder(2)).slice(0, -1);
    const deep = `${'{"d":'.repeat(12_000)}"leaf"${"}".repeat(12_000)}`;
    const overflow = await t.call("POST", "/api/orders", { raw: `{"orders":[${row},"extra":${deep}}]}` });
    assertEnvelope(overflow, 400, "extra 12,000 deep");
    assert.match(overflow.body.error.message, /orders\.0\.extra(\.d)+: nests deeper than 64 levels/);
    let nine: unknown = 1;
    for (let i = 0; i < 9; i++) nine = { d: nine };
    const tooDeep = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(3, { extra: nine })] } });
    assertEnvelope(tooDeep, 400, "extra 9 deep");
    assert.match(tooDeep.body.error.message, /orders\.0\.extra: must nest at most 8 levels deep/);
    const tooBig = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(4, { extra: { blob: "x".repeat(17_000) } })] } });
    assertEnvelope(tooBig, 400, "extra 17 KB");
    assert.match(tooBig.body.error.message, /orders\.0\.extra: must be at most 16384 bytes as JSON/);
    let eight: unknown = 1;
    for (let i = 0; i < 8; i++) eight = { d: eight };
    const fine = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(5, { extra: eight })] } });
    assert.equal(fine.status, 200, JSON.stringify(fine.body));
  });

  it("answers malformed percent-encoding in a path parameter with 400 in the envelope, on every route with one", async function () {
    const routes: [string, string][] = [
      ["GET", "/api/orders/%ZZ"],
      ["GET", "/api/orders/%E0%A4%A"],
      ["GET", "/api/orders/%E0%A4%A/history"],
      ["GET", "/api/orders/%ED%A0%80/history"],
      ["POST", "/api/orders/%ZZ/status"],
      ["POST", "/api/orders/%C3%28/status"],
      ["POST", "/api/channels/%ZZ/resume"],
      ["POST", "/api/channels/%FF%FE/resume"],
    ];
    for (const [method, route] of routes) {
      const res = await t.call(method, route, method === "POST" ? { body: { to: "paid", baseVersion: 1 } } : {});
      assertEnvelope(res, 400, `${method} ${route}`);
      assert.match(res.body.error.message, /percent-encoding/, `${method} ${route}`);
    }
    const stored = await t.call("GET", "/api/rejections?limit=20");
    assert.ok(stored.body.rejections.some((r: any) => r.route.includes("%ZZ")), "the refusal is kept like any other");
  });

  it("refuses a lone UTF-16 surrogate in every text field with 400 naming the field, never the driver's message", async function () {
    const lone = "ab\uD83Dcd";
    const cases: [string, string, unknown, RegExp][] = [
      ["POST", "/api/edits", { edits: [{ clientEditId: `e${lone}`, orderId: id, column: "remark", baseVersion: 2, value: "ok" }] }, /edits\.0\.clientEditId: .*lone UTF-16 surrogate/],
      ["POST", "/api/edits", { edits: [{ clientEditId: "e-remark", orderId: id, column: "remark", baseVersion: 2, value: lone }] }, /edits\.0\.value: .*lone UTF-16 surrogate/],
      ["POST", "/api/orders", { orders: [sampleOrder(6, { customer: { name: `\uDC00${lone}`, phone: null, id: null } })] }, /orders\.0\.customer\.name: .*surrogate/],
      ["POST", "/api/orders", { orders: [sampleOrder(7, { extra: { [`k${lone}`]: 1 } })] }, /orders\.0\.extra\.k.*surrogate/],
      ["POST", `/api/orders/${id}/status`, { to: "cancelled", baseVersion: 2, note: lone }, /note: .*surrogate/],
      ["POST", "/api/events", { events: [{ source: "connector:x", sourceEventId: lone, orderId: id, type: "payment.confirmed", data: {} }] }, /events\.0\.sourceEventId: .*surrogate/],
      ["POST", "/api/tokens", { user: `u${lone}`, role: "auditor" }, /user: .*surrogate/],
      ["POST", "/api/channels/tmall/resume", { note: lone }, /note: .*surrogate/],
    ];
    const wf = (await t.call("GET", "/api/workflow")).body.definition;
    const relabelled = structuredClone(wf);
    relabelled.states[0].labels.en = `Pending ${lone}`;
    cases.push(["PUT", "/api/workflow", relabelled, /states\.0\.labels\.en: .*surrogate/]);
    for (const [method, route, body, expected] of cases) {
      const res = await t.call(method, route, { body });
      assertEnvelope(res, 400, `${method} ${route}`);
      assert.match(res.body.error.message, expected, `${method} ${route}`);
    }
    const q = await t.call("GET", `/api/orders?region=${encodeURIComponent("华东")}%ED%A0%BD`);
    assert.ok(q.status === 200 || q.status === 400, "a query with invalid UTF-8 bytes is read as U+FFFD or refused, never a 5xx");
    // A whole surrogate pair (an emoji) is text like any other.
    const emoji = await t.call("POST", "/api/edits", { body: { edits: [{ clientEditId: "e-emoji-😀", orderId: id, column: "remark", baseVersion: 2, value: "好评 😀" }] } });
    assert.equal(emoji.status, 200, JSON.stringify(emoji.body));
    assert.equal(emoji.body.results[0].outcome, "saved", JSON.stringify(emoji.body));
    assert.equal((await t.call("GET", `/api/orders/${id}`)).body.extra.remark, "好评 😀");
  });

  it("answers a status command's 404, 409 and 422 in the error envelope with the engine's answer in details", async function () {
    const missing = await t.call("POST", "/api/orders/TM20990101-99999/status", { body: { to: "cancelled", baseVersion: 1 } });
    assertEnvelope(missing, 404, "404");
    assert.equal(missing.body.error.code, "not_found");
    const order = (await t.call("GET", `/api/orders/${id}`)).body;
    const stale = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "cancelled", baseVersion: order.version - 1 } });
    assertEnvelope(stale, 409, "409");
    assert.equal(stale.body.error.code, "conflict");
    assert.equal(stale.body.error.details.currentVersion, order.version);
    const refused = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "signed", baseVersion: order.version } });
    assertEnvelope(refused, 422, "422");
    assert.equal(refused.body.error.code, "not_allowed");
    assert.ok(Array.isArray(refused.body.error.details.allowed));
    const again = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "signed", baseVersion: order.version, commandId: "same-cmd" } });
    const repeat = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "signed", baseVersion: order.version, commandId: "same-cmd" } });
    assert.equal(again.status, 422);
    assert.equal(repeat.status, 422, "a repeat answers like the first delivery");
    assert.equal(repeat.body.error.code, "not_allowed");
  });
});

describe("the text rule and the error handler", function () {
  it("names NUL and lone surrogates and accepts whole characters", function () {
    assert.match(unstorableText("a\u0000b")!, /NUL/);
    assert.match(unstorableText("a\uD800")!, /lone UTF-16 surrogate/);
    assert.match(unstorableText("\uDFFFa")!, /lone UTF-16 surrogate/);
    assert.equal(unstorableText("保温杯 😀 \uFFFD"), null);
  });

  it("never sends or logs a database driver's message: a refused value answers a generic 400, and the log says where (SQLSTATE, table, column) without the statement or its values", async function () {
    const logged: unknown[] = [];
    const logger = pino({ level: "warn" }, { write: (line: string) => logged.push(JSON.parse(line)) });
    const app = express();
    app.get("/boom", () => {
      const err = Object.assign(new Error(`insert into "orders" ("customer_phone", "remark") values ('13812344121', 'x') - invalid byte sequence for encoding "UTF8": 0xed 0xa0 0xbd`), { code: "22021", table: "orders", column: "remark" });
      throw err;
    });
    app.use(errorHandler(logger, async () => {}));
    const server = app.listen(0, "127.0.0.1");
    await new Promise((r) => server.once("listening", r));
    try {
      const res = await fetch(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}/boom`);
      const body = (await res.json()) as { error: { code: string; message: string } };
      assert.equal(res.status, 400);
      assert.deepEqual(body, { error: { code: "invalid_input", message: STORE_REFUSED } });
      assert.doesNotMatch(body.error.message, LEAKS);
      const log = JSON.stringify(logged);
      assert.ok(log.includes('"code":"22021"') && log.includes('"column":"remark"'), `the log says where: ${log}`);
      assert.ok(!log.includes("13812344121") && !log.includes("insert into"), `the log holds neither the statement nor its values: ${log}`);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });
});
