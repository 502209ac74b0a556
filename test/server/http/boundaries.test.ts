import assert from "node:assert/strict";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

describeEachDatabase("API boundaries", function ({ db }) {
  let t: TestServer;
  before(async function () {
    t = await startTestServer(db(), { bodyLimitBytes: 64 * 1024 });
  });
  after(async function () {
    await t?.close();
  });

  it("answers 401 without a token or with a wrong one", async function () {
    const none = await t.call("GET", "/api/orders", { token: null });
    assert.equal(none.status, 401);
    assert.match(none.body.error.message, /Authorization: Bearer/);
    assert.match(none.headers.get("www-authenticate") ?? "", /Bearer/);
    const wrong = await t.call("GET", "/api/changes", { token: "not-a-real-token" });
    assert.equal(wrong.status, 401);
    assert.match(wrong.body.error.message, /not valid/);
    const post = await t.call("POST", "/api/orders", { token: null, body: { orders: [sampleOrder(1)] } });
    assert.equal(post.status, 401);
  });

  it("answers 400 with a readable message for malformed JSON", async function () {
    const res = await t.call("POST", "/api/orders", { raw: '{"orders": [ {"channel": "tmall",' });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "invalid_input");
    assert.match(res.body.error.message, /not valid JSON/);
  });

  it("answers 400 naming the field for wrong types", async function () {
    const res = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(1, { lines: [{ sku: "A", quantity: "two", unitPrice: "1" }] })] } });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /orders\.0\.lines\.0\.quantity/);
    assert.ok(Array.isArray(res.body.error.details.problems));
  });

  it("answers 400 naming unknown fields", async function () {
    const res = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(1, { colour: "red" })] } });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /colour/);
    const q = await t.call("GET", "/api/orders?colour=red");
    assert.equal(q.status, 400);
    assert.match(q.body.error.message, /colour/);
  });

  it("answers 413 with a readable message for an oversized body, and 400 for too many rows", async function () {
    const big = { orders: Array.from({ length: 400 }, (_, i) => sampleOrder(i)) };
    const res = await t.call("POST", "/api/orders", { body: big });
    assert.equal(res.status, 413);
    assert.match(res.body.error.message, /limit of 65536 bytes/);
    const tooMany = await t.call("POST", "/api/orders", { body: { orders: Array.from({ length: 5001 }, () => ({})) } });
    assert.ok(tooMany.status === 400 || tooMany.status === 413);
  });

  it("answers 400, never 500, for values the database could not store", async function () {
    const ok = (res: { status: number }, what: string) => assert.equal(res.status, 400, `${what}: ${JSON.stringify(res)}`);
    // A NUL character in any text, in the body or in the query.
    const nul = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(9001, { externalOrderId: "A\u0000B" })] } });
    ok(nul, "NUL in the body");
    assert.match(nul.body.error.message, /orders\.0\.externalOrderId: .*NUL/);
    const nulExtra = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(9002, { extra: { "k\u0000": 1 } })] } });
    ok(nulExtra, "NUL in a key");
    ok(await t.call("GET", "/api/orders?status=a%00b"), "NUL in the query");
    ok(await t.call("POST", "/api/events", { body: { events: [{ source: "x", sourceEventId: "e\u0000", orderId: "TM20260101-00001", type: "payment.confirmed", data: {} }] } }), "NUL in an event");
    // Instants PostgreSQL refuses (year 0) or that no order has.
    const year0 = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(9003, { placedAt: "0000-01-01T00:00:00Z" })] } });
    ok(year0, "year 0");
    assert.match(year0.body.error.message, /placedAt: must be a date between the years 1900 and 9999/);
    ok(await t.call("GET", "/api/orders?updatedSince=0000-06-01T00:00:00Z"), "year 0 in a filter");
    // A cursor that was never issued, and ids past bigint.
    const forged = Buffer.from(JSON.stringify(["1", "x"])).toString("base64url");
    ok(await t.call("GET", `/api/orders?cursor=${forged}`), "forged cursor");
    ok(await t.call("GET", "/api/rejections?before=99999999999999999999999"), "id past bigint");
    // A line whose unit price × quantity overflows exact integers.
    const huge = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(9004, { lines: [{ sku: "X", quantity: 1_000_000, unitPrice: "99999999999.99" }] })] } });
    ok(huge, "line amount overflow");
    assert.match(huge.body.error.message, /orders\.0\.lines\.0: unit price × quantity is too large/);
    // A definition to simulate that does not validate is refused per problem, not run.
    const wf = (await t.call("GET", "/api/workflow")).body.definition;
    const broken = { ...wf, transitions: [...wf.transitions, { ...wf.transitions[0], id: "bad_guard", guard: "order.totalAmount >" }, { ...wf.transitions[0], id: "to_nowhere", to: "no_such_state" }] };
    const sim = await t.call("POST", "/api/workflow/simulate", { body: { definition: broken, orders: 10 } });
    ok(sim, "invalid definition to simulate");
    assert.match(sim.body.error.message, /definition cannot be simulated/);
    assert.ok(sim.body.error.details.problems.some((p: { path: string }) => /transitions/.test(p.path)));
    assert.ok(sim.body.error.details.problems.length >= 2);
  });

  it("keeps refused input where an admin can see it", async function () {
    await t.call("POST", "/api/orders", { raw: '{"orders": "nul-\u0000-marker"}' });
    await t.call("POST", "/api/orders", { raw: '{"orders": "broken-marker"' });
    const res = await t.call("GET", "/api/rejections?limit=50");
    assert.equal(res.status, 200);
    const hit = res.body.rejections.find((r: any) => r.body.includes("broken-marker"));
    assert.ok(hit, "the malformed body is stored");
    assert.equal(hit.status, 400);
    assert.equal(hit.route, "POST /api/orders");
    assert.match(hit.reason, /not valid JSON/);
    assert.ok(res.body.rejections.some((r: any) => r.body.includes("nul-\uFFFD-marker")), "input with a raw NUL byte is kept too");
    const oversize = res.body.rejections.find((r: any) => r.status === 413);
    assert.ok(oversize && oversize.bodyBytes > 65536 && oversize.body.length > 0);
  });

  it("never shows one workspace's orders to another workspace's token", async function () {
    const otherToken = await t.token("wang", "supervisor", "other-ws");
    const mine = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(900, { region: "mine" })] } });
    const id = mine.body.results[0].id;
    const theirs = await t.call("POST", "/api/orders", { token: otherToken, body: { orders: [sampleOrder(900, { region: "theirs" })] } });
    assert.equal(theirs.body.created, 1, "the same external ID is a new order in another workspace");
    // IDs are per workspace, so the other workspace may own the same ID string; it must still see only its own row.
    const peek = await t.call("GET", `/api/orders/${id}`, { token: otherToken });
    if (peek.status === 200) assert.equal(peek.body.region, "theirs");
    else assert.equal(peek.status, 404);
    const list = await t.call("GET", "/api/orders?limit=1000", { token: otherToken });
    assert.deepEqual(list.body.orders.map((o: any) => o.region), ["theirs"]);
    const feed = await t.call("GET", "/api/changes?since=0", { token: otherToken });
    assert.equal(feed.body.changes.length, 1);
    assert.equal(feed.body.changes[0].orderId, theirs.body.results[0].id);
    const rejections = await t.call("GET", "/api/rejections", { token: otherToken });
    assert.equal(rejections.body.rejections.length, 0);
  });

  it("refuses writes by roles that may not make them", async function () {
    const auditor = await t.token("shen", "auditor");
    const res = await t.call("POST", "/api/orders", { token: auditor, body: { orders: [sampleOrder(1)] } });
    assert.equal(res.status, 403);
    assert.match(res.body.error.message, /auditor/);
    const read = await t.call("GET", "/api/orders", { token: auditor });
    assert.equal(read.status, 200);
    const issue = await t.call("POST", "/api/tokens", { token: auditor, body: { user: "x", role: "admin" } });
    assert.equal(issue.status, 403);
  });

  it("issues tokens through the API for admins", async function () {
    const res = await t.call("POST", "/api/tokens", { body: { user: "li.li", role: "customer_service" } });
    assert.equal(res.status, 200);
    const me = await t.call("GET", "/api/me", { token: res.body.token });
    assert.deepEqual(me.body, {
      workspaceId: "default",
      user: "li.li",
      role: "customer_service",
      timeZone: "Asia/Shanghai",
      // The default access policy of 客服专员: edits status, region, tags and remark; sees customers unmasked; no export.
      editableColumns: ["status", "region", "tags", "remark"],
      piiUnmasked: true,
      mayExport: false,
      // The role as staff know it, so the pane never shows the raw code (issue 11).
      roleLabel: { "zh-CN": "客服专员", en: "customer service" },
    });
  });

  it("reports health without a token", async function () {
    const res = await t.call("GET", "/healthz", { token: null });
    assert.equal(res.status, 200);
    assert.equal(res.body.database, "up");
  });

  it("serves an OpenAPI document generated from the contracts", async function () {
    const res = await t.call("GET", "/api/openapi.json");
    assert.equal(res.status, 200);
    assert.equal(res.body.openapi, "3.1.0");
    const post = res.body.paths["/api/orders"].post;
    assert.ok(post.requestBody.content["application/json"].schema);
    assert.ok(res.body.paths["/api/orders/{id}"].get.parameters.some((p: any) => p.name === "id" && p.in === "path"));
    assert.ok(res.body.paths["/api/changes"].get.parameters.some((p: any) => p.name === "wait"));
    assert.ok(JSON.stringify(res.body).includes("#/components/schemas/"));
    assert.ok(!JSON.stringify(res.body).includes("#/$defs/"));
  });

  it("binds every route of the contract (none answers 'no API route')", async function () {
    const { ROUTES } = await import("../../../server/app.js");
    for (const route of ROUTES) {
      const path = route.path.replace(":id", "TM20990101-00001").replace(":channel", "tmall");
      const res = await t.call(route.method.toUpperCase(), path, route.body ? { body: {} } : {});
      assert.doesNotMatch(JSON.stringify(res.body), /no API route/, `${route.method} ${route.path} is not bound`);
    }
    const openapi = (await t.call("GET", "/api/openapi.json")).body;
    for (const route of ROUTES) {
      assert.ok(openapi.paths[route.path.replace(/:(\w+)/g, "{$1}")]?.[route.method], `${route.method} ${route.path} missing from OpenAPI`);
    }
  });

  it("exposes Prometheus metrics for requests, latency and feed waiters", async function () {
    await t.call("GET", "/api/orders");
    const res = await t.call("GET", "/metrics", { token: null });
    assert.equal(res.status, 200);
    assert.match(res.body, /ordersheet_http_requests_total\{method="GET",route="\/api\/orders",status="200"\} \d+/);
    assert.match(res.body, /ordersheet_http_request_duration_seconds_bucket/);
    assert.match(res.body, /ordersheet_changefeed_waiters \d+/);
  });
});
