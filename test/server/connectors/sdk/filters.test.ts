import assert from "node:assert/strict";
import { filterRecord, valueAt } from "../../../../server/domain/connectors/filters.js";
import { describeEachDatabase } from "../../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../../helpers/testServer.js";
import { ShopifyProtocolServer, shopOrder } from "../shopify/shopifyProtocolServer.js";

describe("filterRecord", function () {
  const rules = [{ id: "only-card", field: "payment_method", operator: "in" as const, values: ["credit_card"] }];
  it("keeps listed values and names the rule and value it drops; a missing field counts as (missing)", function () {
    assert.equal(filterRecord(rules, (f) => valueAt({ payment_method: "credit_card" }, f)), null);
    assert.deepEqual(filterRecord(rules, (f) => valueAt({ payment_method: "shopeepay_wallet" }, f)), { rule: "only-card", field: "payment_method", value: "shopeepay_wallet" });
    assert.deepEqual(filterRecord(rules, (f) => valueAt({}, f)), { rule: "only-card", field: "payment_method", value: "(missing)" });
  });
  it("reads dotted paths and arrays; not_in drops the listed values", function () {
    const notTest = [{ id: "no-test", field: "tags", operator: "not_in" as const, values: ["test"] }];
    assert.deepEqual(filterRecord(notTest, (f) => valueAt({ tags: ["vip", "test"] }, f)), { rule: "no-test", field: "tags", value: "test" });
    assert.equal(filterRecord(notTest, (f) => valueAt({ tags: ["vip"] }, f)), null);
    assert.equal(valueAt({ customer: { tier: "gold" } }, "customer.tier"), "gold");
  });
});

/**
 * Filters never hide orders in silence (issue 10, point 7; seed 002's shopeepay_wallet case),
 * through the real server wiring and a Shopify protocol server: what a rule drops is counted
 * per rule and value with samples in the health, and a newly dropped value alerts once.
 */
describeEachDatabase("connector filters", ({ db }) => {
  let shop: ShopifyProtocolServer;
  let t: TestServer;

  before(async function () {
    shop = new ShopifyProtocolServer();
    await shop.start();
    t = await startTestServer(db(), {}, undefined, undefined, { connectorHttp: { baseDelayMs: 10, random: () => 1, sleep: async (ms) => shop.advance(ms) } });
  });
  after(async function () {
    await t?.close();
    await shop?.stop();
  });

  let seq = 0;
  async function addConnector(): Promise<string> {
    seq += 1;
    const res = await t.call("POST", "/api/connectors", {
      body: {
        kind: "shopify",
        name: `filtered-shop-${seq}`,
        config: { shopUrl: shop.url, pageSize: 10, initialSince: "2026-11-30T00:00:00Z", timeoutMs: 2000 },
        credentials: { accessToken: shop.accessToken, webhookSecret: "whsec_filters" },
      },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id;
  }

  async function runToEnd(id: string): Promise<any> {
    const started = await t.call("POST", `/api/connectors/${id}/run`);
    assert.equal(started.body.started, true, JSON.stringify(started.body));
    await t.server.connectors.settled(id);
    return (await t.call("GET", `/api/connectors/${id}/health`)).body;
  }

  async function filterAlerts(id: string): Promise<any[]> {
    const res = await t.call("GET", "/api/alerts?limit=500");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.alerts.filter((a: any) => a.orderId === `connector:${id}`);
  }

  it("refuses a bad rule naming the field, and shows the rules in force", async function () {
    const id = await addConnector();
    const cases: [unknown, RegExp][] = [
      [[{ field: "financial", operator: "equals", values: ["PAID"] }], /filters\.0\.operator: operator must be one of: in, not_in/],
      [[{ field: "financial", operator: "in", values: [] }], /filters\.0\.values: must list at least one value/],
      [[{ field: "a b", operator: "in", values: ["x"] }], /filters\.0\.field: must be a field name or dotted path/],
      [[{ id: "r", field: "a", operator: "in", values: ["x"] }, { id: "r", field: "b", operator: "in", values: ["y"] }], /filters\.1\.id: "r" names two rules/],
    ];
    for (const [filters, re] of cases) {
      const res = await t.call("PATCH", `/api/connectors/${id}`, { body: { filters } });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      assert.match(res.body.error.message, re);
    }
    const ok = await t.call("PATCH", `/api/connectors/${id}`, { body: { filters: [{ field: "financial", operator: "in", values: ["PAID"] }] } });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual(ok.body.filters, [{ id: "rule-1", field: "financial", operator: "in", values: ["PAID"] }]);
    assert.deepEqual((await t.call("GET", `/api/connectors/${id}`)).body.filters, ok.body.filters);
  });

  it("counts every filtered order per rule and value with its sample in the health, imports none of them, and alerts once per newly dropped value", async function () {
    const id = await addConnector();
    const fresh = (await t.call("GET", `/api/connectors/${id}/health`)).body;
    assert.deepEqual([fresh.state, fresh.stateText.en, fresh.lastRunAt, fresh.filteredValues], ["never_run", "Has not run yet", null, []]);
    const rule = { id: "only-paid", field: "financial", operator: "in", values: ["PAID"] };
    assert.equal((await t.call("PATCH", `/api/connectors/${id}`, { body: { filters: [rule] } })).status, 200);
    shop.orders = [shopOrder(800), shopOrder(801, { financial: "PENDING" }), shopOrder(802, { financial: "PENDING" }), shopOrder(803)];
    const health = await runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    // The health at a glance (issue 10, point 10): last and next run, lag, every count, the state in plain words.
    assert.deepEqual([health.state, health.stateText["zh-CN"], health.stateText.en], ["ok", "运行正常", "Running normally"]);
    assert.ok(health.lastRunAt && health.nextRunAt && typeof health.lagSeconds === "number", JSON.stringify(health));
    assert.deepEqual(Object.keys(health.counts).sort(), ["dead", "filtered", "mapped", "pulled", "unmapped"]);
    assert.equal(health.counts.pulled, 4);
    assert.equal(health.counts.filtered, 2);
    assert.equal(health.filteredValues.length, 1, JSON.stringify(health.filteredValues));
    const f = health.filteredValues[0];
    assert.deepEqual([f.rule, f.field, f.value, f.count], ["only-paid", "financial", "PENDING", 2]);
    assert.deepEqual(f.samples.map((s: any) => s.externalOrderId).sort(), ["5000801", "5000802"]);
    assert.equal(f.samples[0].channel, "shopify");
    assert.equal(f.samples[0].customer, undefined, "samples keep no personal data");

    const imported = await db().knex("orders").where("channel", "shopify").whereIn("external_order_id", ["5000800", "5000801", "5000802", "5000803"]).pluck("external_order_id");
    assert.deepEqual(imported.sort(), ["5000800", "5000803"], "the filtered orders are not synced");

    const alerts = await filterAlerts(id);
    assert.equal(alerts.length, 1, JSON.stringify(alerts));
    assert.equal(alerts[0].level, "orange");
    assert.match(alerts[0].message, /过滤规则 only-paid.*PENDING.*started dropping a new value PENDING/);
    const feed = await t.call("GET", "/api/changes?since=0&limit=1000");
    assert.ok(feed.body.changes.some((c: any) => c.kind === "alert.raised" && c.orderId === `connector:${id}`));

    // The same value dropped again is counted, not alerted again; a new value alerts the same day.
    shop.orders = [shopOrder(804, { financial: "PENDING", updatedAt: "2026-12-01T23:00:00Z" }), shopOrder(805, { financial: "REFUNDED", updatedAt: "2026-12-01T23:01:00Z" })];
    await db().knex("connector_instances").where({ id }).update({ state: JSON.stringify({ since: "2026-12-01T22:00:00Z", after: null }) });
    const next = await runToEnd(id);
    assert.equal(next.counts.filtered, 4);
    const byValue = Object.fromEntries(next.filteredValues.map((v: any) => [v.value, v]));
    assert.equal(byValue.PENDING.count, 3);
    assert.equal(byValue.PENDING.samples[0].externalOrderId, "5000804", "newest sample first");
    assert.equal(byValue.REFUNDED.count, 1);
    const after = await filterAlerts(id);
    assert.deepEqual(after.map((a: any) => /REFUNDED/.test(a.message) ? "REFUNDED" : "PENDING").sort(), ["PENDING", "REFUNDED"]);
  });

  it("filters pushed records the same way: a webhook's dropped order is counted with its sample and not imported", async function () {
    const id = await addConnector();
    assert.equal((await t.call("PATCH", `/api/connectors/${id}`, { body: { filters: [{ id: "only-paid", field: "financial", operator: "in", values: ["PAID"] }] } })).status, 200);
    const hook = `${t.url}/hooks/${id}`;
    const res = await shop.sendWebhook(hook, { topic: "orders/create", order: shopOrder(850, { financial: "PENDING" }), secret: "whsec_filters", eventId: "evt-850" });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.outcome, "accepted");
    const health = (await t.call("GET", `/api/connectors/${id}/health`)).body;
    assert.equal(health.counts.filtered, 1);
    assert.deepEqual(health.filteredValues.map((v: any) => [v.rule, v.value, v.count, v.samples[0].externalOrderId]), [["only-paid", "PENDING", 1, "5000850"]]);
    assert.equal(await db().knex("orders").where({ channel: "shopify", external_order_id: "5000850" }).first("id"), undefined);
    assert.equal((await filterAlerts(id)).length, 1);
  });
});
