import assert from "node:assert/strict";
import { ORDER_ID_PATTERN } from "../../../server/domain/orderId.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

describeEachDatabase("orders API", function ({ db }) {
  let t: TestServer;
  before(async function () {
    t = await startTestServer(db());
  });
  after(async function () {
    await t?.close();
  });

  it("creates orders with server IDs of the form {CHANNEL}{YYYYMMDD}-{NNNNN}", async function () {
    const res = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(1), sampleOrder(2, { channel: "pinduoduo" })] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.created, 2);
    const [a, b] = res.body.results;
    assert.match(a.id, ORDER_ID_PATTERN);
    assert.ok(a.id.startsWith("TM20260115-"), a.id);
    assert.ok(b.id.startsWith("PDD20260115-"), b.id);
    assert.equal(a.outcome, "created");
  });

  it("gives 200 parallel creates 200 distinct, consecutive IDs", async function () {
    this.timeout(120_000);
    const calls = Array.from({ length: 200 }, (_, i) =>
      t.call("POST", "/api/orders", { body: { orders: [sampleOrder(1000 + i, { channel: "douyin", placedAt: "2026-02-01T04:00:00Z" })] } }),
    );
    const results = await Promise.all(calls);
    for (const r of results) assert.equal(r.status, 200, JSON.stringify(r.body));
    const ids = results.map((r) => r.body.results[0].id as string);
    assert.equal(new Set(ids).size, 200);
    const seqs = ids.map((id) => Number(id.split("-")[1])).sort((x, y) => x - y);
    assert.deepEqual(seqs, Array.from({ length: 200 }, (_, i) => i + 1));
    for (const id of ids) assert.match(id, /^DY20260201-\d{5}$/);
  });

  it("lists just the orders named by ids, and nothing of another workspace", async function () {
    const created = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(801), sampleOrder(802), sampleOrder(803)] } });
    const [a, , c] = created.body.results.map((r: any) => r.id as string);
    const res = await t.call("GET", `/api/orders?ids=${a},${c},TM20990101-99999&limit=200`);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.orders.map((o: any) => o.id).sort(), [a, c].sort());
    const other = await t.token("other.ids", "customer_service", "ws-ids");
    assert.deepEqual((await t.call("GET", `/api/orders?ids=${a}`, { token: other })).body.orders, []);
    const bad = await t.call("GET", "/api/orders?ids=a;b");
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /ids: must be up to 200 order IDs/);
  });

  it("filters by placing day in the workspace time zone, by import time when the placing time is unknown", async function () {
    const created = await t.call("POST", "/api/orders", {
      body: {
        orders: [
          sampleOrder(851, { channel: "youzan", placedAt: "2026-03-09T16:30:00Z" }), // 00:30 on 3-10 in Shanghai
          sampleOrder(852, { channel: "youzan", placedAt: "2026-03-10T15:59:00Z" }), // 23:59 on 3-10
          sampleOrder(853, { channel: "youzan", placedAt: "2026-03-10T16:00:00Z" }), // 00:00 on 3-11
          sampleOrder(854, { channel: "youzan", placedAt: null }),
        ],
      },
    });
    const [a, b, c, d] = created.body.results.map((r: any) => r.id as string);
    const day = await t.call("GET", "/api/orders?channel=youzan&placedFrom=2026-03-10&placedTo=2026-03-10&limit=1000");
    assert.equal(day.status, 200, JSON.stringify(day.body));
    assert.deepEqual(day.body.orders.map((o: any) => o.id).sort(), [a, b].sort());
    const from = await t.call("GET", "/api/orders?channel=youzan&placedFrom=2026-03-11&limit=1000");
    assert.deepEqual(from.body.orders.map((o: any) => o.id).sort(), [c, d].sort(), "an order without a placing time counts from its import (now)");
    const bad = await t.call("GET", "/api/orders?placedFrom=2026-02-30");
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /placedFrom: must be a day that exists/);
  });

  it("is idempotent on (channel, external order ID) and says so per row", async function () {
    const batch = { orders: [sampleOrder(50), sampleOrder(51), sampleOrder(50)] };
    const first = await t.call("POST", "/api/orders", { body: batch });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.results.map((r: any) => r.outcome), ["created", "created", "unchanged"]);
    assert.equal(first.body.results[2].id, first.body.results[0].id);
    const before = await t.call("GET", `/api/orders/${first.body.results[0].id}`);

    const again = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(50, { totalAmount: "1.00" }), sampleOrder(51)] } });
    assert.equal(again.status, 200);
    assert.equal(again.body.created, 0);
    assert.equal(again.body.unchanged, 2);
    assert.match(again.body.results[0].message, /already imported as .*nothing changed/);
    const after = await t.call("GET", `/api/orders/${first.body.results[0].id}`);
    assert.deepEqual(after.body, before.body);
    // Same external ID on another channel is another order.
    const other = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(50, { channel: "jd" })] } });
    assert.equal(other.body.created, 1);
  });

  it("keeps money exact in integer minor units", async function () {
    const res = await t.call("POST", "/api/orders", {
      body: { orders: [sampleOrder(60, { totalAmount: "19.99", lines: [{ sku: "A", quantity: 3, unitPrice: 0.1 }, { sku: "B", quantity: 1, unitPrice: "0.20" }] })] },
    });
    const order = (await t.call("GET", `/api/orders/${res.body.results[0].id}`)).body;
    assert.equal(order.totalAmountMinor, 1999);
    assert.equal(order.totalAmount, "19.99");
    assert.equal(order.currency, "CNY");
    assert.equal(order.lines[0].unitPriceMinor, 10);
    assert.equal(order.lines[0].amountMinor, 30);
    assert.equal(order.lines[0].amount, "0.30");
    assert.equal(order.lines[1].amountMinor, 20);
  });

  it("refuses a row with too many decimals and names it", async function () {
    const res = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(70), sampleOrder(71, { totalAmount: "19.999" })] } });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /orders\.1\.totalAmount/);
    const list = await t.call("GET", "/api/orders?channel=tmall&limit=1000");
    assert.ok(!list.body.orders.some((o: any) => o.externalOrderId === "EXT-70"), "nothing of a refused batch is written");
  });

  it("returns one order with its lines and new orders in the initial workflow state", async function () {
    const res = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(80, { tags: ["618"], extra: { 备注: "加急" } })] } });
    const order = (await t.call("GET", `/api/orders/${res.body.results[0].id}`)).body;
    assert.equal(order.externalOrderId, "EXT-80");
    assert.equal(order.version, 1);
    assert.equal(order.workflowVersion, 1);
    assert.equal(typeof order.status, "string");
    assert.deepEqual(order.tags, ["618"]);
    assert.deepEqual(order.extra, { 备注: "加急" });
    assert.equal(order.lines.length, 2);
    assert.equal(order.lines[0].name, "保温杯");
    const missing = await t.call("GET", "/api/orders/TM20990101-00001");
    assert.equal(missing.status, 404);
    assert.match(missing.body.error.message, /does not exist/);
  });

  it("lists with filters and walks every page exactly once with the cursor", async function () {
    const rows = Array.from({ length: 25 }, (_, i) => sampleOrder(300 + i, { channel: "youzan", region: i % 2 ? "华南" : "华北" }));
    await t.call("POST", "/api/orders", { body: { orders: rows } });
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const q: string = `/api/orders?channel=youzan&region=${encodeURIComponent("华南")}&limit=5${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await t.call("GET", q);
      assert.equal(page.status, 200, JSON.stringify(page.body));
      for (const o of page.body.orders) {
        assert.equal(o.region, "华南");
        seen.push(o.id);
      }
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    assert.equal(seen.length, 12);
    assert.equal(new Set(seen).size, 12);
    assert.equal(pages, 3);
    const future = await t.call("GET", "/api/orders?updatedSince=2999-01-01T00:00:00Z");
    assert.deepEqual(future.body.orders, []);
    const bad = await t.call("GET", "/api/orders?cursor=nonsense");
    assert.equal(bad.status, 400);
  });
});
