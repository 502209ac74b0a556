import assert from "node:assert/strict";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

describeEachDatabase("change feed", function ({ db }) {
  let t: TestServer;
  before(async function () {
    t = await startTestServer(db());
  });
  after(async function () {
    await t?.close();
  });

  it("returns changes in commit order with a cursor that resumes exactly after them", async function () {
    const start = (await t.call("GET", "/api/changes?since=0")).body.cursor as string;
    const a = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(1), sampleOrder(2)] } });
    const b = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(3)] } });
    const ids = [...a.body.results, ...b.body.results].map((r: any) => r.id);

    const all = await t.call("GET", `/api/changes?since=${start}`);
    assert.equal(all.status, 200);
    assert.deepEqual(all.body.changes.map((c: any) => c.orderId), ids);
    assert.ok(all.body.changes.every((c: any) => c.kind === "order.created" && c.orderVersion === 1));
    const seqs = all.body.changes.map((c: any) => BigInt(c.seq));
    assert.ok(seqs.every((s: bigint, i: number) => i === 0 || s > seqs[i - 1]));

    const firstTwo = await t.call("GET", `/api/changes?since=${start}&limit=2`);
    assert.deepEqual(firstTwo.body.changes.map((c: any) => c.orderId), ids.slice(0, 2));
    const rest = await t.call("GET", `/api/changes?since=${firstTwo.body.cursor}`);
    assert.deepEqual(rest.body.changes.map((c: any) => c.orderId), ids.slice(2));
    const none = await t.call("GET", `/api/changes?since=${rest.body.cursor}`);
    assert.deepEqual(none.body.changes, []);
    assert.equal(none.body.cursor, rest.body.cursor);
  });

  it("tells the cursor of the newest change without reading the feed, per workspace", async function () {
    const before = (await t.call("GET", "/api/changes/head")).body.cursor as string;
    await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(701)] } });
    const head = await t.call("GET", "/api/changes/head");
    assert.equal(head.status, 200);
    const page = await t.call("GET", `/api/changes?since=${before}&limit=5000`);
    assert.equal(head.body.cursor, page.body.cursor, "the head is where reading the whole feed ends");
    assert.deepEqual((await t.call("GET", `/api/changes?since=${head.body.cursor}`)).body.changes, []);
    const other = await t.token("other.head", "customer_service", "ws-head");
    assert.equal((await t.call("GET", "/api/changes/head", { token: other })).body.cursor, "0", "another workspace sees its own (empty) feed");
  });

  it("long-polls and wakes within 100 ms of a change", async function () {
    const cursor = (await t.call("GET", "/api/changes?since=0&limit=5000")).body.cursor;
    const started = Date.now();
    const poll = t.call("GET", `/api/changes?since=${cursor}&wait=20`).then((r) => ({ r, at: Date.now() }));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const created = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(77)] } });
    const committedAt = Date.now();
    const { r, at } = await poll;
    assert.equal(r.status, 200);
    assert.equal(r.body.changes.length, 1);
    assert.equal(r.body.changes[0].orderId, created.body.results[0].id);
    assert.ok(at - started >= 300, "it waited for the change");
    assert.ok(at - committedAt < 100, `woke ${at - committedAt} ms after the commit was acknowledged`);
  });

  it("returns an empty page when the wait runs out", async function () {
    const cursor = (await t.call("GET", "/api/changes?since=0&limit=5000")).body.cursor;
    const started = Date.now();
    const r = await t.call("GET", `/api/changes?since=${cursor}&wait=1`);
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.changes, []);
    assert.equal(r.body.cursor, cursor);
    assert.ok(Date.now() - started >= 900);
  });

  it("refuses a nonsense cursor or an over-long wait with a readable message", async function () {
    const bad = await t.call("GET", "/api/changes?since=abc");
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /since/);
    const long = await t.call("GET", "/api/changes?wait=3600");
    assert.equal(long.status, 400);
    assert.match(long.body.error.message, /wait/);
  });
});
