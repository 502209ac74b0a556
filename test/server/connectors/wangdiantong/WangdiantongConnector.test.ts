import assert from "node:assert/strict";
import crypto from "node:crypto";
import { wangdiantongSign } from "../../../../server/connectors/wangdiantong/wangdiantongProtocol.js";
import { describeEachDatabase } from "../../../helpers/databases.js";
import { ConnectorHarness } from "../erpHarness.js";
import { bj, WangdiantongProtocolServer, wdtStockout } from "./wangdiantongProtocolServer.js";

describe("Wangdiantong sign", function () {
  it("writes each sorted key as {len:02}-{key}:{len:04}-{value} with UTF-8 byte lengths, joined by ';', secret appended, md5 hex", function () {
    const params = { sid: "s1", appkey: "k", timestamp: "1700000000", receiver: "张三" };
    const text = "06-appkey:0001-k;08-receiver:0006-张三;03-sid:0002-s1;09-timestamp:0010-1700000000";
    assert.equal(wangdiantongSign(params, "sec"), crypto.createHash("md5").update(text + "sec", "utf8").digest("hex"));
    // Counting characters instead of bytes ("0002-张三") gives another sign.
    const byChars = text.replace("0006-张三", "0002-张三");
    assert.notEqual(wangdiantongSign(params, "sec"), crypto.createHash("md5").update(byChars + "sec", "utf8").digest("hex"));
  });
});

/**
 * The Wangdiantong connector against a local server speaking its classic open API
 * (length-prefixed sign, ≤ 60-minute windows, page_no from 0, total_count, 429, retry-later codes).
 */
describeEachDatabase("Wangdiantong connector against a Wangdiantong protocol server", ({ db }) => {
  const wdt = new WangdiantongProtocolServer();
  const h = new ConnectorHarness(db, () => {});

  before(async function () {
    await wdt.start();
    await h.start();
  });
  after(async function () {
    await h.close();
    await wdt.stop();
  });
  beforeEach(function () {
    wdt.reset();
    h.reset();
  });

  const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
  async function add(config: Record<string, unknown> = {}, credentials: Record<string, unknown> = {}): Promise<string> {
    return h.add(
      "wangdiantong",
      { baseUrl: wdt.url, sid: wdt.sid, initialSince: minutesAgo(100), pageSize: 2, channel: "pinduoduo", timeoutMs: 2000, ...config },
      { appkey: wdt.appkey, appsecret: wdt.appsecret, ...credentials },
    );
  }
  const orderIds = (rows: { src_tid: string }[]) => rows.map((r) => r.src_tid);

  it("pulls stockouts in windows of at most 60 minutes, page_no from 0 to total_count, signed; waybills and outbound times become events; a second pull repeats nothing", async function () {
    const rows = [wdtStockout(1, 90, { receiver_name: "王小明（测试）" }), ...Array.from({ length: 5 }, (_, i) => wdtStockout(10 + i, 20 - i))];
    rows[2] = wdtStockout(11, 19, { status: 55, consign_time: null, logistics_no: null });
    wdt.stockouts = rows;
    const id = await add();
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    assert.ok(wdt.requests.every((r) => r.code === 0), "every request signed and accepted");
    assert.ok(wdt.requests.every((r) => /^\d{10}$/.test(r.form.timestamp)), "10-digit seconds");
    const windows = [...new Set(wdt.requests.map((r) => `${r.form.start_time}|${r.form.end_time}`))];
    assert.equal(windows.length, 2, `${windows}`);
    assert.equal(windows[1].split("|")[0], windows[0].split("|")[1], "no gap");
    assert.deepEqual(wdt.requests.map((r) => r.form.page_no), ["0", "0", "1", "2"]);
    assert.equal(health.counts.pulled, 6);
    assert.equal((await h.orders("pinduoduo", orderIds(rows))).length, 6);
    const events = (await h.inbox(id)).map((e) => `${e.source_event_id} ${e.type}`);
    assert.ok(events.includes("wangdiantong:CK202612010:stockout:wms.outbound wms.outbound"));
    assert.ok(events.includes("wangdiantong:CK202612010:waybill:ZTO7000010 waybill.assigned"));
    assert.ok(!events.some((e) => e.startsWith("wangdiantong:CK202612011:")), "a reviewed, unshipped stockout says nothing yet");
    assert.equal(events.length, 10);

    wdt.requests.length = 0;
    const again = await h.runToEnd(id);
    assert.equal(again.lastError, null);
    assert.equal((await h.inbox(id)).length, 10);
  });

  it("refuses a wrong secret (sign error): the run fails and says why in zh-CN and English", async function () {
    wdt.stockouts = [wdtStockout(20, 10)];
    const id = await add({}, { appsecret: "wrong" });
    const health = await h.runToEnd(id);
    assert.equal(wdt.requests[0].code, 1090);
    assert.equal(health.lastError?.code, "bad_signature");
    assert.equal(health.lastError.message["zh-CN"], "平台拒绝了请求签名（应用密钥有误？）");
    assert.match(health.lastError.detail, /1090: 签名错误/);
    assert.ok(health.retryAt);
  });

  it("waits out a 429 and the platform's retry-later codes, then goes on", async function () {
    wdt.stockouts = [wdtStockout(30, 10)];
    wdt.force = { code: 1200, remaining: 1, http429: 1 };
    const id = await add({ initialSince: minutesAgo(30) });
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    assert.deepEqual(wdt.requests.map((r) => r.code), [429, 1200, 0]);
    assert.ok(h.waits.includes(5000), `Retry-After 5 s: ${h.waits}`);
    assert.ok(h.waits.includes(30_000), `retry-later pause: ${h.waits}`);
    assert.equal((await h.orders("pinduoduo", ["PDD900030"])).length, 1);
  });

  it("a pull killed at a page's commit resumes at that page; a window that changes while paged is read again: no duplicate, no gap", async function () {
    const rows = Array.from({ length: 6 }, (_, i) => wdtStockout(40 + i, 30 - i));
    wdt.stockouts = rows;
    const id = await add({ initialSince: minutesAgo(40) });
    h.failNthCommit(2);
    const failed = await h.runToEnd(id);
    assert.equal(failed.lastError?.code, "internal");
    assert.equal((await h.orders("pinduoduo", orderIds(rows))).length, 2);
    h.failCommit = undefined;
    wdt.requests.length = 0;
    const health = await h.runToEnd(id);
    assert.equal(health.lastError, null);
    assert.equal(wdt.requests[0].form.page_no, "1", "resumed at the second page");
    assert.equal((await h.orders("pinduoduo", orderIds(rows))).length, 6);
    assert.equal((await h.inbox(id)).length, 12, "an outbound and a waybill per stockout, once each");
    assert.equal(await h.createdCount(id), 6);

    const moving = Array.from({ length: 6 }, (_, i) => wdtStockout(50 + i, 30 - i));
    wdt.stockouts = moving;
    const id2 = await add({ initialSince: minutesAgo(40) });
    let commits = 0;
    h.failCommit = (page) => {
      if (page.expectedState && (commits += 1) === 1) wdt.stockouts[0] = { ...moving[0], modified: bj(Date.now() + 2000) };
    };
    const h2 = await h.runToEnd(id2);
    assert.equal(h2.lastError, null);
    const ids = new Set((await h.inbox(id2)).map((e) => e.source_event_id));
    for (const s of moving) assert.ok(ids.has(`wangdiantong:${s.order_no}:stockout:wms.outbound`), `stockout ${s.order_no} read`);
  });

  it("counts an unmapped status, keeps a sample record and raises an alert", async function () {
    wdt.stockouts = [wdtStockout(60, 10, { status: 77 })];
    const id = await add({ initialSince: minutesAgo(30) });
    const health = await h.runToEnd(id);
    assert.equal(health.counts.unmapped, 1);
    assert.deepEqual([health.unmappedStatuses[0].field, health.unmappedStatuses[0].value], ["stockout_status", "77"]);
    assert.equal(health.unmappedStatuses[0].sample.order_no, "CK202612060");
    const [order] = await h.orders("pinduoduo", ["PDD900060"]);
    assert.match((await h.alertsOf(order.id))[0].message, /未映射.*stockout_status=77/);
  });
});
