import assert from "node:assert/strict";
import crypto from "node:crypto";
import { jushuitanSign } from "../../../../server/connectors/jushuitan/jushuitanProtocol.js";
import { describeEachDatabase } from "../../../helpers/databases.js";
import { ConnectorHarness } from "../erpHarness.js";
import { bj, JushuitanProtocolServer, jstOrder } from "./jushuitanProtocolServer.js";

describe("JuShuiTan sign", function () {
  it("is md5 (lower-case hex) of the app secret followed by every key and value in ascending key order, sign left out", function () {
    const params = { version: "2", app_key: "k", timestamp: "1700000000", charset: "utf-8", access_token: "t", biz: '{"a":1}', sign: "ignored" };
    const expected = crypto.createHash("md5").update('s' + 'access_tokent' + 'app_keyk' + 'biz{"a":1}' + 'charsetutf-8' + 'timestamp1700000000' + 'version2').digest("hex");
    assert.equal(jushuitanSign(params, "s"), expected);
    assert.match(expected, /^[0-9a-f]{32}$/);
  });
});

/**
 * The JuShuiTan connector against a local server speaking JuShuiTan's documented protocol
 * (signed form posts, modified windows ≤ 7 days, start_ts / page_index paging, error codes
 * 10/100/199/200, 5 requests a second and 100 a minute), through the real server wiring.
 */
describeEachDatabase("JuShuiTan connector against a JuShuiTan protocol server", ({ db }) => {
  const jst = new JushuitanProtocolServer();
  const h = new ConnectorHarness(db, (ms) => jst.advance(ms));

  before(async function () {
    await jst.start();
    await h.start();
  });
  after(async function () {
    await h.close();
    await jst.stop();
  });
  beforeEach(function () {
    jst.reset();
    h.reset();
  });

  const days = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
  async function add(config: Record<string, unknown> = {}, credentials: Record<string, unknown> = {}): Promise<string> {
    return h.add(
      "jushuitan",
      { baseUrl: jst.url, initialSince: days(2), pageSize: 3, shopChannels: { "10086": "taobao" }, channel: "tmall", timeoutMs: 2000, ...config },
      { appKey: jst.appKey, appSecret: jst.appSecret, accessToken: jst.accessToken, ...credentials },
    );
  }

  it("pulls orders and outbound records in modified windows of at most 7 days, following start_ts and page_index to the end; a second pull repeats nothing", async function () {
    // Ten days back: a 7-day window and then the rest.
    const orders = Array.from({ length: 7 }, (_, i) => jstOrder(i, 60 * 24 * (i < 2 ? 9 : 1) + i));
    orders[5] = jstOrder(5, 120, { status: "Sent", send_date: bj(Date.now() - 7_200_000), l_id: "YT8800001", logistics_company: "圆通速递" });
    jst.put(...orders);
    jst.outbounds = [
      { io_id: 9001, o_id: 80_005, so_id: "TB3000005", shop_id: 10086, status: "Confirmed", io_date: bj(Date.now() - 7_200_000), modified: bj(Date.now() - 7_000_000), l_id: "YT8800001", logistics_company: "圆通速递", pay_amount: "128.50", items: [] },
      { io_id: 9002, o_id: 80_006, so_id: "TB3000006", shop_id: 10086, status: "WaitConfirm", io_date: null, modified: bj(Date.now() - 6_000_000), l_id: null, logistics_company: null, pay_amount: "128.50", items: [] },
      { io_id: 9003, o_id: 80_004, so_id: "TB3000004", shop_id: 10086, status: "WaitConfirm", io_date: null, modified: bj(Date.now() - 5_000_000), l_id: null, logistics_company: null, pay_amount: "128.50", items: [] },
    ];
    const id = await add({ initialSince: days(10), pageSize: 2 });
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));

    const windows = [...new Set(jst.requests.map((r) => `${r.biz.modified_begin}|${r.biz.modified_end}`))];
    assert.equal(windows.length, 2, `two windows: ${windows}`);
    for (const w of windows) {
      const [b, e] = w.split("|").map((x) => Date.parse(x.replace(" ", "T") + "+08:00"));
      assert.ok(e - b <= 7 * 86_400_000, `window ≤ 7 days: ${w}`);
    }
    assert.equal(windows[1].split("|")[0], windows[0].split("|")[1], "the second window starts where the first ended: no gap");
    const second = jst.requests.filter((r) => r.path.endsWith("single/query") && r.biz.modified_begin === windows[1].split("|")[0]);
    assert.equal(second.length, 3, `5 orders in pages of 2: ${JSON.stringify(jst.requests.map((r) => [r.path, r.biz, r.code]))}`);
    assert.equal(second[1].biz.start_ts, orders[3].ts! + 1, "page 2 asks for row versions after page 1's last");
    assert.ok(second.every((r) => r.biz.page_index === 1 && r.biz.is_get_total === false));
    const outs = jst.requests.filter((r) => r.path.endsWith("out/simple/query"));
    assert.deepEqual(outs.map((r) => r.biz.page_index), [1, 1, 2], "outbound records paged by page_index in each window");
    assert.ok(jst.requests.every((r) => r.code === 0), "every request signed and accepted");
    assert.equal(health.counts.pulled, 10);

    const ids = orders.map((o) => o.so_id);
    assert.equal((await h.orders("taobao", ids)).length, 7, "channel from the shop's entry");
    const events = await h.inbox(id);
    assert.deepEqual(
      events.map((e) => `${e.source_event_id} ${e.type}`).filter((x) => x.includes(":80005:")),
      ["jushuitan:80005:out:9001:Confirmed wms.outbound", "jushuitan:80005:status:Sent wms.outbound", "jushuitan:80005:waybill:YT8800001 waybill.assigned"],
    );
    assert.equal(events.filter((e) => e.type === "payment.confirmed").length, 6, "WaitConfirm means paid");

    jst.requests.length = 0;
    const again = await h.runToEnd(id);
    assert.equal(again.lastError, null);
    for (const r of jst.requests) assert.ok(r.biz.modified_begin > windows[1].split("|")[0], "the window moved on");
    assert.deepEqual(await h.inbox(id), events, "nothing entered twice");
  });

  it("keeps within 5 requests a second and 100 a minute by itself: 106 pages without one refusal", async function () {
    this.timeout(120_000);
    jst.put(...Array.from({ length: 106 }, (_, i) => jstOrder(200 + i, 30)));
    const id = await add({ pageSize: 1, shipments: false });
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    assert.equal(jst.requests.length, 106);
    assert.deepEqual(jst.requests.filter((r) => r.code !== 0), [], "never refused for the rate");
    const first = jst.requests[0].at;
    const last = jst.requests[105].at;
    assert.ok(last - first >= 60_000, `106 requests spread over more than a minute: ${last - first} ms`);
    assert.ok(h.waits.some((w) => w > 20_000), `waited for the minute's budget: ${h.waits.filter((w) => w > 1000)}`);
    assert.equal((await h.inbox(id)).length, 106);
  });

  it("waits out the platform's own rate-limit answers (199 per second, 200 per minute) and goes on", async function () {
    jst.put(jstOrder(300, 10), jstOrder(301, 9));
    jst.force = { code: 199, remaining: 2 };
    const id = await add();
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    assert.deepEqual(jst.requests.map((r) => r.code).slice(0, 3), [199, 199, 0]);
    assert.ok(h.waits.filter((w) => w >= 1000).length >= 2, `waited a second each time: ${h.waits}`);

    jst.reset();
    h.reset();
    jst.put(jstOrder(302, 10));
    jst.force = { code: 200, remaining: 1 };
    const id2 = await add();
    const h2 = await h.runToEnd(id2);
    assert.equal(h2.lastError, null);
    assert.ok(h.waits.includes(60_000), `waited the minute out: ${h.waits}`);

    // Limited past patience: the run fails and backs off, saying why.
    jst.reset();
    jst.force = { code: 199, remaining: 50 };
    const id3 = await add();
    const h3 = await h.runToEnd(id3);
    assert.equal(h3.lastError?.code, "rate_limited");
    assert.equal(h3.lastError.message["zh-CN"], "平台限流，重试后仍被拒绝");
    assert.match(h3.lastError.detail, /JuShuiTan code 199/);
    assert.ok(h3.retryAt, "backs off");
  });

  it("refuses a wrong signature (code 10) and an expired token (code 100): the run fails, backs off and says why in zh-CN and English", async function () {
    jst.put(jstOrder(400, 10));
    const bad = await add({}, { appSecret: "not-the-secret" });
    const h1 = await h.runToEnd(bad);
    assert.equal(jst.requests[0].code, 10, "the server refused the signature");
    assert.equal(h1.lastError?.code, "bad_signature");
    assert.equal(h1.lastError.message.en, "The platform refused the request signature (wrong app secret?)");
    assert.equal(h1.lastError.message["zh-CN"], "平台拒绝了请求签名（应用密钥有误？）");
    assert.ok(!JSON.stringify(h1).includes("not-the-secret"));
    assert.equal(h1.consecutiveFailures, 1);

    jst.requests.length = 0;
    const expired = await add({}, { accessToken: "old-token" });
    const h2 = await h.runToEnd(expired);
    assert.deepEqual(jst.requests.map((r) => r.code), [100], "no retry of a refused token");
    assert.equal(h2.lastError?.code, "token_expired");
    assert.equal(h2.lastError.message["zh-CN"], "平台访问令牌无效或已过期，请重新授权并更新凭据");
    assert.ok(h2.retryAt && Date.parse(h2.retryAt) > Date.parse(h2.lastRunAt), "backs off");

    // New credentials end the backoff; the next run goes through.
    const patched = await h.t.call("PATCH", `/api/connectors/${expired}`, { body: { credentials: { appKey: jst.appKey, appSecret: jst.appSecret, accessToken: jst.accessToken } } });
    assert.equal(patched.status, 200);
    const h3 = await h.runToEnd(expired);
    assert.equal(h3.lastError, null);
    assert.equal(h3.consecutiveFailures, 0);
  });

  it("a pull killed at a page's commit resumes at that page: no duplicate, no gap", async function () {
    const orders = Array.from({ length: 8 }, (_, i) => jstOrder(500 + i, 100 - i));
    jst.put(...orders);
    const id = await add({ shipments: false });
    h.failNthCommit(2);
    const failed = await h.runToEnd(id);
    assert.equal(failed.lastError?.code, "internal");
    assert.equal(failed.counts.pulled, 3);
    assert.equal((await h.orders("taobao", orders.map((o) => o.so_id))).length, 3, "page 2 rolled back whole");

    h.failCommit = undefined;
    jst.requests.length = 0;
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null);
    assert.equal(jst.requests[0].biz.start_ts, orders[2].ts! + 1, "resumed at page 2");
    assert.equal(health.counts.pulled, 8);
    assert.equal((await h.orders("taobao", orders.map((o) => o.so_id))).length, 8, "no gap");
    const events = await h.inbox(id);
    assert.equal(events.length, 8, "one payment event per order");
    assert.equal(await h.createdCount(id), 8, "each order created once");
  });

  it("a row changed while its window is paged is read again, not skipped (start_ts paging)", async function () {
    const orders = Array.from({ length: 6 }, (_, i) => jstOrder(600 + i, 50 - i));
    jst.put(...orders);
    const id = await add({ shipments: false });
    // After page 1 is committed, order 601 changes (new row version): the page boundary must not shift.
    let commits = 0;
    h.failCommit = (page) => {
      if (page.expectedState && (commits += 1) === 1) jst.put({ ...orders[1], status: "Sent", send_date: bj(Date.now() - 60_000), modified: bj(Date.now() - 30_000) });
    };
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null);
    const ids = new Set((await h.inbox(id)).map((e) => e.source_event_id));
    for (const o of orders) assert.ok(ids.has(`jushuitan:${o.o_id}:status:WaitConfirm`), `order ${o.o_id} read`);
    assert.ok(ids.has("jushuitan:80601:status:Sent"), "the changed row read again in its new state");
  });

  it("counts an unmapped status, keeps a sample record and raises an alert", async function () {
    jst.put(jstOrder(700, 10, { status: "WaitDeliver" }), jstOrder(701, 9, { status: "WaitDeliver" }));
    const id = await add({ shipments: false });
    const health = await h.runToEnd(id);
    assert.equal(health.counts.unmapped, 2);
    const u = health.unmappedStatuses[0];
    assert.deepEqual([u.field, u.value, u.count], ["status", "WaitDeliver", 2]);
    assert.match(String(u.sample.o_id), /^8070[01]$/);
    assert.equal(u.sample.receiver_name, undefined, "no personal data in the sample");
    const [order] = await h.orders("taobao", ["TB3000700"]);
    assert.ok(order, "the order itself is imported");
    const alerts = await h.alertsOf(order.id);
    assert.equal(alerts.length, 1);
    assert.match(alerts[0].message, /未映射.*WaitDeliver.*unmapped/);
  });
});
