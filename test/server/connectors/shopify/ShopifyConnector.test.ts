import assert from "node:assert/strict";
import crypto from "node:crypto";
import { Writable } from "node:stream";
import pino from "pino";
import type { PageWrite } from "../../../../server/domain/connectors/ports.js";
import { describeEachDatabase } from "../../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../../helpers/testServer.js";
import { ShopifyProtocolServer, shopOrder } from "./shopifyProtocolServer.js";

const SECRET = "whsec_test_secret_abcdef";

/**
 * The Shopify connector against a local server speaking Shopify's documented protocol
 * (GraphQL paging, query-cost throttling, 429 + Retry-After, signed webhooks), through the
 * real server wiring: orders and events land through the same stores as /api/orders and
 * /api/events, and each page is committed with its cursor.
 */
describeEachDatabase("Shopify connector against a Shopify protocol server", ({ db }) => {
  let shop: ShopifyProtocolServer;
  let t: TestServer;
  const waits: number[] = [];
  let failCommit: ((page: PageWrite) => void) | undefined;
  const logLines: string[] = [];

  before(async function () {
    shop = new ShopifyProtocolServer();
    await shop.start();
    const sink = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(String(chunk));
        cb();
      },
    });
    t = await startTestServer(db(), {}, undefined, pino({ level: "debug" }, sink), {
      connectorHttp: {
        baseDelayMs: 10,
        random: () => 1,
        // Waiting moves the protocol server's clock (its query-cost bucket refills) instead of sleeping.
        sleep: async (ms) => {
          waits.push(ms);
          shop.advance(ms);
        },
      },
      connectorFaults: { beforeCommit: (page) => failCommit?.(page) },
    });
  });
  after(async function () {
    await t?.close();
    await shop?.stop();
  });

  let seq = 0;
  /** A new connector over the API, its window starting before every test order. */
  async function addConnector(pageSize: number): Promise<string> {
    seq += 1;
    const res = await t.call("POST", "/api/connectors", {
      body: {
        kind: "shopify",
        name: `shop-${seq}`,
        config: { shopUrl: shop.url, pageSize, initialSince: "2026-11-30T00:00:00Z", timeoutMs: 2000 },
        credentials: { accessToken: shop.accessToken, webhookSecret: SECRET },
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id;
  }

  async function runToEnd(id: string): Promise<any> {
    const started = await t.call("POST", `/api/connectors/${id}/run`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.started, true, JSON.stringify(started.body));
    await t.server.connectors.settled(id);
    const health = await t.call("GET", `/api/connectors/${id}/health`);
    assert.equal(health.status, 200, JSON.stringify(health.body));
    return health.body;
  }

  async function inbox(id: string): Promise<{ source_event_id: string; outcome: string; type: string }[]> {
    return db().knex("events_inbox").where("source", `connector:${id}`).orderBy("source_event_id").select("source_event_id", "outcome", "type");
  }

  async function shopifyOrders(ids: number[]): Promise<{ external_order_id: string; status: string }[]> {
    return db().knex("orders").where("channel", "shopify").whereIn("external_order_id", ids.map(String)).orderBy("external_order_id").select("external_order_id", "status");
  }

  function reset(orders: ReturnType<typeof shopOrder>[]): void {
    shop.orders = orders;
    shop.requests.length = 0;
    shop.dropAfter.clear();
    shop.rateLimit.remaining = 0;
    shop.setBucket(1000, 100);
    waits.length = 0;
    failCommit = undefined;
  }

  it("pulls every page to the end, importing the orders and mapping their statuses to events through the inbox; a second pull repeats nothing", async function () {
    const orders = Array.from({ length: 7 }, (_, i) => shopOrder(100 + i, { financial: i % 2 ? "PAID" : "PENDING" }));
    orders[6] = shopOrder(106, { financial: "PAID", fulfillment: "FULFILLED", fulfillments: [{ createdAt: "2026-12-01T03:00:00Z", company: "SF Express", number: "SF1234567890" }] });
    reset(orders);
    const id = await addConnector(3);
    const health = await runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    assert.deepEqual(shop.requests.map((r) => r.answer), ["page", "page", "page"], "7 orders in pages of 3");
    assert.equal(shop.requests[0].after, null);
    assert.equal(shop.requests[1].after, shop.cursorOf(orders[2]), "page 2 follows page 1's endCursor");
    assert.match(shop.requests[0].query, /^updated_at:>='2026-11-30T00:00:00Z' AND updated_at:<='/);
    assert.equal(new Set(shop.requests.map((r) => r.query)).size, 1, "one fixed window while paging");
    assert.equal(health.counts.pulled, 7);

    const imported = await shopifyOrders(orders.map((o) => o.id));
    assert.equal(imported.length, 7);
    const pending = imported.filter((o) => o.status === "pending_payment").map((o) => o.external_order_id);
    assert.deepEqual(pending, ["5000100", "5000102", "5000104"], "PENDING orders stay unpaid; PAID ones moved on");
    const events = await inbox(id);
    assert.deepEqual(
      events.map((e) => `${e.source_event_id} ${e.type}`),
      [
        "shopify:5000101:financial:PAID payment.confirmed",
        "shopify:5000103:financial:PAID payment.confirmed",
        "shopify:5000105:financial:PAID payment.confirmed",
        "shopify:5000106:financial:PAID payment.confirmed",
        "shopify:5000106:fulfillment:FULFILLED wms.outbound",
        "shopify:5000106:waybill:SF1234567890 waybill.assigned",
      ],
    );
    assert.ok(events.filter((e) => e.type === "payment.confirmed").every((e) => e.outcome === "applied"));

    // The next pull starts where this one ended: the same orders again (the window's edge) change nothing.
    shop.requests.length = 0;
    const again = await runToEnd(id);
    assert.match(shop.requests[0].query, new RegExp(`^updated_at:>='${health.lagSeconds === null ? "" : ""}`));
    assert.notEqual(shop.requests[0].query, "updated_at:>='2026-11-30T00:00:00Z'", "the window moved on");
    assert.equal((await shopifyOrders(orders.map((o) => o.id))).length, 7);
    assert.deepEqual(await inbox(id), events, "no event entered twice");
    assert.equal(again.lastError, null);
  });

  it("waits out a 429 as its Retry-After asks, then goes on", async function () {
    reset([shopOrder(200), shopOrder(201)]);
    shop.rateLimit = { remaining: 1, retryAfter: "2" };
    const id = await addConnector(10);
    const health = await runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    assert.deepEqual(shop.requests.map((r) => r.answer), ["429", "page"]);
    assert.ok(waits.includes(2000), `waited 2 s as Retry-After said: ${waits}`);
    assert.equal((await shopifyOrders([5_000_200, 5_000_201])).length, 2);
  });

  it("spends the query-cost budget: waits for the bucket to refill before a page it cannot afford, and waits out a THROTTLED answer", async function () {
    reset(Array.from({ length: 9 }, (_, i) => shopOrder(300 + i)));
    // Each page asks for 2 + 3 = 5 points; the bucket holds 6 and refills 1 point a second.
    shop.setBucket(6, 1);
    const id = await addConnector(3);
    const health = await runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    const pages = shop.requests.filter((r) => r.answer === "page");
    assert.equal(pages.length, 3, JSON.stringify(shop.requests.map((r) => r.answer)));
    assert.ok(waits.some((w) => w >= 4000), `waited for the refill reported in throttleStatus: ${waits}`);
    assert.equal((await shopifyOrders(shop.orders.map((o) => o.id))).length, 9);

    // A bucket emptied behind the connector's back: the answer is THROTTLED and it waits.
    reset([shopOrder(320)]);
    shop.setBucket(6, 1);
    shop.advance(0);
    (shop as any).available = 0;
    const id2 = await addConnector(3);
    const h2 = await runToEnd(id2);
    assert.equal(h2.lastError, null, JSON.stringify(h2.lastError));
    assert.deepEqual(shop.requests.map((r) => r.answer), ["throttled", "page"]);
    assert.ok(waits[0] >= 5000, `waited (5 - 0) / 1 s: ${waits}`);
  });

  it("a pull that fails at a page's transaction boundary repeats nothing and skips nothing when it runs again", async function () {
    const orders = Array.from({ length: 8 }, (_, i) => shopOrder(400 + i));
    reset(orders);
    const id = await addConnector(3);
    let commits = 0;
    failCommit = (page) => {
      if (page.expectedState && (commits += 1) === 2) throw new Error("injected: the process died before the commit");
    };
    const failed = await runToEnd(id);
    assert.equal(failed.lastError?.code, "internal");
    assert.equal(failed.counts.pulled, 3, "only page 1 counted");
    assert.deepEqual((await shopifyOrders(orders.map((o) => o.id))).map((o) => o.external_order_id), ["5000400", "5000401", "5000402"], "page 2 rolled back whole");
    assert.equal((await inbox(id)).length, 3);

    failCommit = undefined;
    shop.requests.length = 0;
    const health = await runToEnd(id);
    assert.equal(health.lastError, null);
    assert.equal(shop.requests[0].after, shop.cursorOf(orders[2]), "resumed at page 2, not from the start");
    assert.equal(health.counts.pulled, 8);
    const imported = await shopifyOrders(orders.map((o) => o.id));
    assert.equal(imported.length, 8, "no gap");
    const events = await inbox(id);
    assert.equal(events.length, 8, "one payment event per order: no duplicate, no gap");
    assert.ok(events.every((e) => e.outcome === "applied"));
    const created = await db().knex("audit_log").where("source", `connector:${id}`).where("action", "created").count<{ count: number }[]>("* as count");
    assert.equal(Number(created[0].count), 8, "each order created once");
  });

  it("when the platform drops the connection mid-pull, the run fails, backs off and says why in zh-CN and English; the next run resumes at that page", async function () {
    const orders = Array.from({ length: 6 }, (_, i) => shopOrder(500 + i));
    reset(orders);
    shop.dropAfter.add(shop.cursorOf(orders[1]));
    const id = await addConnector(2);
    const failed = await runToEnd(id);
    assert.equal(failed.lastError?.code, "network", JSON.stringify(failed.lastError));
    assert.equal(failed.lastError.message["zh-CN"], "无法连接平台接口");
    assert.equal(failed.lastError.message.en, "Could not reach the platform");
    assert.equal(failed.consecutiveFailures, 1);
    assert.ok(failed.retryAt && Date.parse(failed.retryAt) > Date.parse(failed.lastRunAt), "backs off");
    assert.equal(shop.requests.filter((r) => r.answer === "dropped").length, 4, "retried with backoff before giving up");
    assert.deepEqual(waits.slice(0, 3), [10, 20, 40]);
    assert.equal((await shopifyOrders(orders.map((o) => o.id))).length, 2, "page 1 kept");

    shop.dropAfter.clear();
    shop.requests.length = 0;
    const health = await runToEnd(id);
    assert.equal(health.lastError, null);
    assert.equal(health.consecutiveFailures, 0);
    assert.equal(health.retryAt, null);
    assert.equal(shop.requests[0].after, shop.cursorOf(orders[1]));
    assert.equal((await shopifyOrders(orders.map((o) => o.id))).length, 6);
    assert.equal((await inbox(id)).length, 6);
  });

  it("refused credentials fail the run with its reason and no retry", async function () {
    reset([shopOrder(550)]);
    const id = await addConnector(5);
    const patched = await t.call("PATCH", `/api/connectors/${id}`, { body: { credentials: { accessToken: "shpat_wrong", webhookSecret: SECRET } } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    const health = await runToEnd(id);
    assert.equal(health.lastError?.code, "unauthorized");
    assert.equal(shop.requests.length, 1);
  });

  it("counts an unmapped status, keeps a sample record and raises an alert; a supervisor maps it and later pulls use the mapping", async function () {
    reset([shopOrder(600, { financial: "LAYAWAY_HELD" }), shopOrder(601, { financial: "LAYAWAY_HELD" })]);
    const id = await addConnector(10);
    const health = await runToEnd(id);
    assert.equal(health.counts.unmapped, 2);
    assert.equal(health.unmappedStatuses.length, 1);
    const u = health.unmappedStatuses[0];
    assert.deepEqual([u.field, u.value, u.count], ["financial", "LAYAWAY_HELD", 2]);
    assert.equal(u.sample.financial, "LAYAWAY_HELD");
    assert.equal(u.sample.customer, undefined, "the sample keeps no personal data");
    const [order] = await shopifyOrders([5_000_600]);
    assert.ok(order, "the order itself is imported");
    const orderId = (await db().knex("orders").where({ channel: "shopify", external_order_id: "5000600" }).first("id")).id;
    const alerts = await t.call("GET", `/api/alerts?orderId=${orderId}`);
    assert.equal(alerts.status, 200);
    assert.equal(alerts.body.alerts.length, 1, JSON.stringify(alerts.body));
    assert.match(alerts.body.alerts[0].message, /未映射.*LAYAWAY_HELD.*unmapped/);

    const supervisor = await t.token("sup.wang", "supervisor");
    const put = await t.call("PUT", "/api/connector-status-maps/shopify", { token: supervisor, body: { entries: [{ field: "financial", value: "LAYAWAY_HELD", event: "payment.confirmed" }] } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    assert.ok(put.body.entries.some((e: any) => e.value === "LAYAWAY_HELD" && e.custom));
    const cs = await t.token("cs.li", "customer_service");
    assert.equal((await t.call("PUT", "/api/connector-status-maps/shopify", { token: cs, body: put.body })).status, 403);

    shop.orders = [shopOrder(602, { financial: "LAYAWAY_HELD", updatedAt: "2026-12-01T23:00:00Z" })];
    await db().knex("connector_instances").where({ id }).update({ state: JSON.stringify({ since: "2026-12-01T22:00:00Z", after: null }) });
    const next = await runToEnd(id);
    assert.equal(next.counts.unmapped, 2, "mapped now, so not counted again");
    assert.deepEqual((await inbox(id)).map((e) => e.source_event_id), ["shopify:5000602:financial:LAYAWAY_HELD"]);
  });

  it("takes a signed orders webhook once per X-Shopify-Event-Id, recognises a stale retry, accepts the previous secret after a rotation, and refuses unsigned or wrongly signed calls with 401, kept for admins", async function () {
    reset([]);
    const id = await addConnector(10);
    const hook = `${t.url}/hooks/${id}`;
    const order = shopOrder(700, { financial: "PAID" });
    const first = await shop.sendWebhook(hook, { topic: "orders/paid", order, secret: SECRET, eventId: "evt-700" });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.equal(first.body.outcome, "accepted");
    const again = await shop.sendWebhook(hook, { topic: "orders/paid", order, secret: SECRET, eventId: "evt-700", webhookId: "another-subscription" });
    assert.equal(again.body.outcome, "duplicate");
    assert.deepEqual((await inbox(id)).map((e) => `${e.source_event_id} ${e.outcome}`), ["shopify:5000700:financial:PAID applied"]);
    const [imported] = await shopifyOrders([5_000_700]);
    assert.notEqual(imported.status, "pending_payment");

    // Same fact, new delivery (a pull would bring it too): the inbox keeps it once.
    const replay = await shop.sendWebhook(hook, { topic: "orders/updated", order, secret: SECRET, eventId: "evt-701" });
    assert.equal(replay.body.outcome, "accepted");
    assert.equal((await inbox(id)).length, 1);

    const unsigned = await shop.sendWebhook(hook, { topic: "orders/paid", order: shopOrder(701), secret: null, eventId: "evt-702" });
    assert.equal(unsigned.status, 401);
    assert.match(unsigned.body.error.message, /not signed/);
    const wrong = await shop.sendWebhook(hook, { topic: "orders/paid", order: shopOrder(702), secret: "not-the-secret", eventId: "evt-703" });
    assert.equal(wrong.status, 401);
    const tampered = await shop.sendWebhook(hook, { topic: "orders/paid", order: shopOrder(703), secret: SECRET, eventId: "evt-704", tamper: true });
    assert.equal(tampered.status, 401, "the signature covers the raw body");
    assert.equal((await shopifyOrders([5_000_701, 5_000_702, 5_000_703])).length, 0, "nothing of them taken in");
    const rejections = await t.call("GET", "/api/rejections?limit=10");
    const hooks = rejections.body.rejections.filter((r: any) => r.route === `POST /hooks/${id}`);
    assert.equal(hooks.length, 3, JSON.stringify(rejections.body));
    assert.ok(hooks.every((r: any) => r.status === 401));
    assert.ok(hooks.some((r: any) => r.body.includes('"id":5000701')), "the refused body is kept");

    // Rotation: the old secret stays valid while Shopify may still sign with it.
    const rotated = await t.call("PATCH", `/api/connectors/${id}`, { body: { credentials: { accessToken: shop.accessToken, webhookSecret: "whsec_new_secret_123", previousWebhookSecret: SECRET } } });
    assert.equal(rotated.status, 200);
    assert.equal((await shop.sendWebhook(hook, { topic: "orders/create", order: shopOrder(704), secret: SECRET, eventId: "evt-705" })).status, 200);
    assert.equal((await shop.sendWebhook(hook, { topic: "orders/create", order: shopOrder(705), secret: "whsec_new_secret_123", eventId: "evt-706" })).status, 200);

    // A retry of an old delivery, arriving after a pull read the order in a newer state, replays nothing.
    const refunded = shopOrder(710, { financial: "REFUNDED", updatedAt: "2026-12-01T12:00:00Z" });
    shop.orders = [refunded];
    await db().knex("connector_instances").where({ id }).update({ state: JSON.stringify({ since: "2026-12-01T11:00:00Z", after: null }) });
    await runToEnd(id);
    const oldPaid = shopOrder(710, { financial: "PAID", updatedAt: "2026-12-01T10:00:00Z" });
    const stale = await shop.sendWebhook(hook, { topic: "orders/paid", order: oldPaid, secret: "whsec_new_secret_123", eventId: "evt-710-old" });
    assert.equal(stale.status, 200);
    assert.equal(stale.body.outcome, "stale", JSON.stringify(stale.body));
    assert.ok(!(await inbox(id)).some((e) => e.source_event_id === "shopify:5000710:financial:PAID"), "the old PAID was not replayed");
    assert.equal((await shop.sendWebhook(hook, { topic: "orders/paid", order: oldPaid, secret: "whsec_new_secret_123", eventId: "evt-710-old" })).body.outcome, "duplicate");

    const other = await shop.sendWebhook(`${t.url}/hooks/${crypto.randomUUID()}`, { topic: "orders/paid", order, secret: SECRET, eventId: "evt-9" });
    assert.equal(other.status, 404);
    const topic = await shop.sendWebhook(hook, { topic: "products/update", order, secret: "whsec_new_secret_123", eventId: "evt-707" });
    assert.equal(topic.body.outcome, "ignored");
  });

  it("keeps credentials sealed: never in an answer, never in the database in clear, never in the log", async function () {
    const id = await addConnector(10);
    const view = await t.call("GET", `/api/connectors/${id}`);
    assert.equal(view.body.credentials, "stored");
    const list = await t.call("GET", "/api/connectors");
    const health = await t.call("GET", `/api/connectors/${id}/health`);
    for (const text of [JSON.stringify(view.body), JSON.stringify(list.body), JSON.stringify(health.body)]) {
      assert.ok(!text.includes(shop.accessToken) && !text.includes(SECRET), "no secret in an answer");
    }
    const row = await db().knex("connector_instances").where({ id }).first("credentials");
    assert.match(row.credentials, /^sb1:/);
    assert.ok(!row.credentials.includes(shop.accessToken));
    const log = logLines.join("");
    assert.ok(log.includes("connector"), "the log was captured");
    assert.ok(!log.includes(shop.accessToken) && !log.includes(SECRET), "no secret in the log");
    // A sealed blob moved onto another connector does not open there.
    const other = await addConnector(10);
    await db().knex("connector_instances").where({ id: other }).update({ credentials: row.credentials });
    reset([]);
    const moved = await runToEnd(other);
    assert.equal(moved.lastError?.code, "credentials");
    assert.equal(moved.lastError.message.en, "The credentials cannot be decrypted (was the key changed? enter them again)");
  });
});
