import assert from "node:assert/strict";
import crypto from "node:crypto";
import { youzanPushSign } from "../../../../server/connectors/youzan/youzanProtocol.js";
import { describeEachDatabase } from "../../../helpers/databases.js";
import { ConnectorHarness } from "../erpHarness.js";
import { bj, YouzanProtocolServer, yzTrade } from "./youzanProtocolServer.js";

describe("Youzan push sign", function () {
  it("is md5 (hex) of client_id, the raw body and client_secret, in that order", function () {
    const raw = '{"id":"E1","type":"TRADE_ORDER_STATE"}';
    assert.equal(youzanPushSign("cid", Buffer.from(raw), "sec"), crypto.createHash("md5").update(`cid${raw}sec`).digest("hex"));
    assert.notEqual(youzanPushSign("cid", Buffer.from(raw), "sec"), youzanPushSign("sec", Buffer.from(raw), "cid"));
  });
});

/**
 * The Youzan connector against a local server speaking Youzan cloud's documented protocol
 * (silent token, trades.sold.get by update window and page_no, 429, signed pushes).
 */
describeEachDatabase("Youzan connector against a Youzan protocol server", ({ db }) => {
  const yz = new YouzanProtocolServer();
  const h = new ConnectorHarness(db, () => {});

  before(async function () {
    await yz.start();
    await h.start();
  });
  after(async function () {
    await h.close();
    await yz.stop();
  });
  beforeEach(function () {
    yz.reset();
    h.reset();
  });

  const hoursAgo = (n: number) => new Date(Date.now() - n * 3_600_000).toISOString();
  async function add(config: Record<string, unknown> = {}, credentials: Record<string, unknown> = {}): Promise<string> {
    return h.add(
      "youzan",
      { baseUrl: yz.url, kdtId: yz.kdtId, initialSince: hoursAgo(30), windowHours: 24, pageSize: 2, timeoutMs: 2000, ...config },
      { clientId: yz.clientId, clientSecret: yz.clientSecret, ...credentials },
    );
  }
  const pages = () => yz.requests.filter((r) => r.path.startsWith("/api/") && r.answer === "page");

  it("pulls trades by update window and page_no to the end with a silent token; a second pull repeats nothing", async function () {
    const trades = [yzTrade(1, 28 * 60), ...Array.from({ length: 5 }, (_, i) => yzTrade(10 + i, 60 - i))];
    trades[5] = yzTrade(14, 30, { status: "WAIT_BUYER_CONFIRM_GOODS", consign_time: bj(Date.now() - 1_800_000) });
    yz.trades = trades;
    const id = await add();
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    const token = yz.requests.find((r) => r.path === "/auth/token")!;
    assert.deepEqual({ ...token.body, client_secret: "…" }, { client_id: yz.clientId, client_secret: "…", authorize_type: "silent", grant_id: yz.kdtId, refresh: true });
    const p = pages();
    const windows = [...new Set(p.map((r) => `${r.body.start_update}|${r.body.end_update}`))];
    assert.equal(windows.length, 2, `a 24 h window, then the rest: ${windows}`);
    assert.equal(windows[1].split("|")[0], windows[0].split("|")[1], "no gap between windows");
    assert.deepEqual(p.map((r) => r.body.page_no), [1, 1, 2, 3], "window 1: one trade; window 2: five trades in pages of 2");
    assert.equal(health.counts.pulled, 6);
    const tids = trades.map((t) => t.tid);
    assert.equal((await h.orders("youzan", tids)).length, 6);
    const events = await h.inbox(id);
    assert.ok(events.some((e) => e.source_event_id === `youzan:${trades[5].tid}:status:WAIT_BUYER_CONFIRM_GOODS` && e.type === "wms.outbound"));
    assert.equal(events.filter((e) => e.type === "payment.confirmed").length, 5);

    yz.requests.length = 0;
    const again = await h.runToEnd(id);
    assert.equal(again.lastError, null);
    assert.equal(yz.requests.filter((r) => r.path === "/auth/token").length, 0, "the token is reused until it expires");
    assert.deepEqual(await h.inbox(id), events);
  });

  it("fetches a new token once when the platform refuses the old one; a refused app says why and backs off", async function () {
    yz.trades = [yzTrade(20, 10)];
    const id = await add();
    await h.runToEnd(id);
    const issued = yz.tokensIssued;
    yz.revokeTokens();
    yz.trades = [yzTrade(21, 5)];
    await db().knex("connector_instances").where({ id }).update({ state: JSON.stringify({ since: hoursAgo(1) }) });
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    assert.equal(yz.tokensIssued, issued + 1);
    assert.ok(yz.requests.some((r) => r.answer === "token_refused"));
    assert.equal((await h.orders("youzan", [yzTrade(21, 5).tid])).length, 1);

    const wrong = await add({}, { clientSecret: "not-the-secret" });
    const h2 = await h.runToEnd(wrong);
    assert.equal(h2.lastError?.code, "token_expired");
    assert.equal(h2.lastError.message.en, "The platform's access token is invalid or expired; authorise again and update the credentials");
    assert.match(h2.lastError.detail, /4010/);
    assert.ok(h2.retryAt, "backs off");
  });

  it("waits out a 429 as its Retry-After asks", async function () {
    yz.trades = [yzTrade(30, 10), yzTrade(31, 9)];
    yz.rateLimit = { remaining: 1, retryAfter: "3" };
    const id = await add({ initialSince: hoursAgo(2) });
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    assert.ok(h.waits.includes(3000), `waited 3 s: ${h.waits}`);
    assert.deepEqual(yz.requests.filter((r) => r.path.startsWith("/api/")).map((r) => r.answer), ["429", "page"]);
    assert.equal((await h.orders("youzan", [yzTrade(30, 0).tid, yzTrade(31, 0).tid])).length, 2);
  });

  it("a pull killed at a page's commit resumes at that page; a window that changes while paged is read again: no duplicate, no gap", async function () {
    const trades = Array.from({ length: 6 }, (_, i) => yzTrade(40 + i, 50 - i));
    yz.trades = trades;
    const id = await add({ initialSince: hoursAgo(2) });
    h.failNthCommit(2);
    const failed = await h.runToEnd(id);
    assert.equal(failed.lastError?.code, "internal");
    assert.equal((await h.orders("youzan", trades.map((t) => t.tid))).length, 2);
    h.failCommit = undefined;
    yz.requests.length = 0;
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null);
    assert.equal(pages()[0].body.page_no, 2, "resumed at page 2");
    assert.equal((await h.orders("youzan", trades.map((t) => t.tid))).length, 6);
    assert.equal((await h.inbox(id)).length, 6);
    assert.equal(await h.createdCount(id), 6);

    // Trade 51 is updated after page 1 was read: it leaves the window and the pages shift.
    const moving = Array.from({ length: 6 }, (_, i) => yzTrade(50 + i, 50 - i));
    yz.trades = moving;
    yz.requests.length = 0;
    const id2 = await add({ initialSince: hoursAgo(2) });
    let commits = 0;
    h.failCommit = (page) => {
      if (page.expectedState && (commits += 1) === 1) yz.trades[1] = { ...moving[1], status: "WAIT_BUYER_CONFIRM_GOODS", update_time: bj(Date.now() + 1000) };
    };
    const h2 = await h.runToEnd(id2);
    assert.equal(h2.lastError, null);
    const ids = new Set((await h.inbox(id2)).map((e) => e.source_event_id));
    for (const t of moving) assert.ok(ids.has(`youzan:${t.tid}:status:WAIT_SELLER_SEND_GOODS`), `trade ${t.tid} read`);
  });

  it("counts an unmapped status, keeps a sample record and raises an alert", async function () {
    yz.trades = [yzTrade(60, 10, { status: "TRADE_PAID_PART" })];
    const id = await add({ initialSince: hoursAgo(2) });
    const health = await h.runToEnd(id);
    assert.equal(health.counts.unmapped, 1);
    assert.deepEqual([health.unmappedStatuses[0].field, health.unmappedStatuses[0].value], ["status", "TRADE_PAID_PART"]);
    assert.equal(health.unmappedStatuses[0].sample.tid, yz.trades[0].tid);
    const [order] = await h.orders("youzan", [yz.trades[0].tid]);
    assert.match((await h.alertsOf(order.id))[0].message, /未映射.*TRADE_PAID_PART/);
  });

  it("takes a signed push once per message id and answers {code:0,msg:success}; refuses unsigned or wrongly signed ones with 401, kept for admins", async function () {
    const id = await add({ initialSince: hoursAgo(2) });
    const hook = `${h.t.url}/hooks/${id}`;
    const trade = yzTrade(70, 1, { status: "WAIT_BUYER_CONFIRM_GOODS", consign_time: bj(Date.now() - 30_000) });
    const first = await yz.push(hook, { trade, msgId: "msg-70" });
    assert.equal(first.status, 200);
    assert.deepEqual(first.body, { code: 0, msg: "success" });
    assert.deepEqual((await h.inbox(id)).map((e) => e.source_event_id), [`youzan:${trade.tid}:status:WAIT_BUYER_CONFIRM_GOODS`]);
    const again = await yz.push(hook, { trade, msgId: "msg-70" });
    assert.deepEqual(again.body, { code: 0, msg: "success" }, "a resend is answered the same, so Youzan stops resending");
    const kept = await db().knex("connector_webhooks").where({ connector_id: id }).select("event_id");
    assert.deepEqual(kept.map((k) => k.event_id), ["msg-70"], "deduplicated on the message id");

    const wrong = await yz.push(hook, { trade, msgId: "msg-71", secret: "not-the-secret" });
    assert.equal(wrong.status, 401);
    const unsigned = await yz.push(hook, { trade, msgId: "msg-72", secret: null });
    assert.equal(unsigned.status, 401);
    const tampered = await yz.push(hook, { trade, msgId: "msg-73", tamper: true });
    assert.equal(tampered.status, 401);
    const refused = await h.t.call("GET", "/api/rejections");
    assert.ok(refused.body.rejections.filter((r: any) => r.route === `POST /hooks/${id}` && r.status === 401).length >= 3, "kept for admins");

    const test = await yz.push(hook, { trade, msgId: "msg-74", test: true });
    assert.deepEqual(test.body, { code: 0, msg: "success" });
    const statusOnly = await yz.push(hook, { trade: { ...trade, status: "TRADE_SUCCESS" }, msgId: "msg-75", statusOnly: true });
    assert.deepEqual(statusOnly.body, { code: 0, msg: "success" });
    assert.equal((await h.inbox(id)).length, 1, "test and detail-less pushes change nothing");
  });
});
