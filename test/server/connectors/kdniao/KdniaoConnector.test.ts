import assert from "node:assert/strict";
import type { PageWrite } from "../../../../server/domain/connectors/ports.js";
import { describeEachDatabase } from "../../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../../helpers/testServer.js";
import { beijing, dataSign, KdniaoProtocolServer, type Waybill } from "./kdniaoProtocolServer.js";

const HOUR = 3_600_000;

/**
 * The Kdniao connector against a local server speaking Kdniao's documented protocol (form
 * POSTs signed with DataSign, 1008 subscriptions, 1002 queries, 101 pushes, 429 with
 * Retry-After), through the real server wiring: waybills come from the workspace's orders,
 * tracking lands through the events inbox, each page is committed with its cursor.
 */
describeEachDatabase("Kdniao connector against a Kdniao protocol server", ({ db }) => {
  let kd: KdniaoProtocolServer;
  let t: TestServer;
  let clock = Date.now();
  const waits: number[] = [];
  let failCommit: ((page: PageWrite) => void) | undefined;

  before(async function () {
    kd = new KdniaoProtocolServer();
    await kd.start();
    t = await startTestServer(db(), {}, () => new Date(clock), process.env.KD_LOG ? (await import("pino")).default({ level: "error" }) : undefined, {
      connectorHttp: { baseDelayMs: 10, random: () => 1, sleep: async (ms) => void waits.push(ms) },
      connectorFaults: { beforeCommit: (page) => failCommit?.(page) },
    });
  });
  after(async function () {
    await t?.close();
    await kd?.stop();
  });

  let seq = 0;
  /** Each test works in a workspace of its own (its waybills are only its own). */
  let token = "";
  const call = (method: string, path: string, opts: { body?: unknown } = {}) => t.call(method, path, { ...opts, token });
  async function addConnector(config: Record<string, unknown> = {}, credentials: Record<string, unknown> = {}): Promise<string> {
    seq += 1;
    const res = await call("POST", "/api/connectors", {
      body: { kind: "kdniao", name: `kdniao-${seq}`, config: { apiUrl: kd.url, pageSize: 2, timeoutMs: 2000, ...config }, credentials: { eBusinessId: kd.eBusinessId, apiKey: kd.apiKey, ...credentials } },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id;
  }

  async function run(id: string): Promise<any> {
    const started = await call("POST", `/api/connectors/${id}/run`);
    assert.equal(started.body.started, true, JSON.stringify(started.body));
    await t.server.connectors.settled(id);
    return (await call("GET", `/api/connectors/${id}/health`)).body;
  }

  /** Imports orders with these waybills (carrier, number); returns their order ids in the same order. */
  async function ordersWith(prefix: string, waybills: [string | null, string | null][]): Promise<string[]> {
    const orders = waybills.map(([carrier, waybillNo], i) => sampleOrder(0, { externalOrderId: `${prefix}-${i}`, carrier, waybillNo }));
    const res = await call("POST", "/api/orders", { body: { orders } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const rows = await db().knex("orders").whereIn("external_order_id", orders.map((o) => o.externalOrderId as string)).select("id", "external_order_id");
    const byExt = new Map(rows.map((r) => [r.external_order_id, r.id]));
    return orders.map((o) => byExt.get(o.externalOrderId as string)!);
  }

  async function inbox(id: string): Promise<{ source_event_id: string; outcome: string; type: string; order_id: string }[]> {
    return db().knex("events_inbox").where("source", `connector:${id}`).orderBy("source_event_id").select("source_event_id", "outcome", "type", "order_id");
  }

  function trace(hoursAgo: number, station: string): { AcceptTime: string; AcceptStation: string } {
    return { AcceptTime: beijing(new Date(clock - hoursAgo * HOUR)), AcceptStation: station };
  }

  beforeEach(async function () {
    seq += 1;
    token = await t.token(`admin.${seq}`, "admin", `kd-ws-${seq}`);
    kd.reset();
    waits.length = 0;
    failCommit = undefined;
  });

  it("signs as documented: DataSign is base64 of the 32-character hex MD5 of RequestData + ApiKey (not of the raw digest)", async function () {
    const { kdniaoSign } = await import("../../../../server/connectors/kdniao/kdniaoProtocol.js");
    const sign = kdniaoSign('{"LogisticCode":"SF1"}', "k");
    assert.equal(sign, dataSign('{"LogisticCode":"SF1"}', "k"));
    assert.equal(sign.length, 44, "base64 of 32 characters, not of 16 bytes (24)");
    assert.match(Buffer.from(sign, "base64").toString(), /^[0-9a-f]{32}$/);
  });

  it("subscribes (1008) every waybill the orders gained, page by page to the end, once each; an unknown carrier is kept and alerted", async function () {
    const ids = await ordersWith("SUB", [["顺丰", "SF1000001"], ["YTO", "YT2000002"], [null, null], ["中通", "ZT3000003"], ["小马快递", "XM4000004"]]);
    // A waybill assigned later (an event changes the order's waybillNo) is found too.
    const later = await call("POST", "/api/events", { body: { events: [{ source: "sheet:li.li", sourceEventId: "wb-1", orderId: ids[2], type: "waybill.assigned", data: { carrier: "韵达", waybillNo: "YD5000005" } }] } });
    assert.equal(later.status, 200, JSON.stringify(later.body));
    const id = await addConnector({ callbackUrl: "https://orders.example.com/hooks/x" });
    const health = await run(id);
    assert.equal(health.lastError, null, JSON.stringify(health.lastError));
    const subscribed = kd.subscriptions.map((s) => `${s.ShipperCode}:${s.LogisticCode}:${s.OrderCode}`).sort();
    assert.deepEqual(subscribed, [`SF:SF1000001:${ids[0]}`, `YD:YD5000005:${ids[2]}`, `YTO:YT2000002:${ids[1]}`, `ZTO:ZT3000003:${ids[3]}`].sort());
    assert.ok(kd.calls.every((c) => c.answer === "ok"), "every request correctly signed");
    assert.ok(kd.subscriptions.every((s) => s.Callback === "https://orders.example.com/hooks/x"));
    assert.equal(health.unmappedStatuses.length, 1);
    assert.deepEqual([health.unmappedStatuses[0].field, health.unmappedStatuses[0].value], ["carrier", "小马快递"]);
    const alerts = await call("GET", `/api/alerts?orderId=${ids[4]}`);
    assert.equal(alerts.body.alerts.filter((a: any) => a.source === "connector").length, 1, JSON.stringify(alerts.body));
    assert.match(alerts.body.alerts[0].message, /小马快递/);

    // Nothing new: the next run subscribes nothing (and no poll round is due yet: no query).
    kd.calls.length = 0;
    const again = await run(id);
    assert.equal(again.lastError, null);
    assert.deepEqual(kd.calls.filter((c) => c.requestType === "1008"), []);
    assert.equal(kd.subscriptions.length, 4);
  });

  it("refuses to go on when Kdniao refuses the signature: the run fails as unauthorized and its cursor stays", async function () {
    await ordersWith("BADKEY", [["SF", "SF7000001"]]);
    const id = await addConnector({}, { apiKey: "not-the-key" });
    const health = await run(id);
    assert.equal(health.lastError?.code, "unauthorized", JSON.stringify(health.lastError));
    assert.match(health.lastError.detail, /签名/);
    assert.equal(kd.calls[0].answer, "bad_sign");
    const row = await db().knex("connector_instances").where({ id }).first("state");
    assert.equal((typeof row.state === "string" ? JSON.parse(row.state) : row.state).feedSeq, undefined, "nothing skipped");
  });

  it("takes a correctly signed push (101) with the documented reply, maps State to carrier events once, and refuses wrong or double-encoded signatures with 401, kept for admins", async function () {
    const [orderId] = await ordersWith("PUSH", [["SF", "SF8000001"]]);
    const id = await addConnector();
    const hook = `${t.url}/hooks/${id}`;
    const w: Waybill = { ShipperCode: "SF", LogisticCode: "SF8000001", OrderCode: orderId, State: "2", Traces: [trace(5, "【深圳】顺丰速运 已收取快件"), trace(3, "【深圳】快件已发车")] };
    const ok = await kd.push(hook, [w]);
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.EBusinessID, kd.eBusinessId);
    assert.equal(ok.body.Success, true);
    assert.equal(ok.body.Reason, "");
    assert.match(ok.body.UpdateTime, /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    const events = await inbox(id);
    assert.deepEqual(events.map((e) => e.type).sort(), ["carrier.collected", "carrier.update"]);
    assert.ok(events.every((e) => e.order_id === orderId));
    const order = (await call("GET", `/api/orders/${orderId}`)).body;
    assert.equal(order.extra.collectedAt, new Date(clock - 5 * HOUR).toISOString().replace(/\.\d{3}Z$/, ".000Z"), "collected when the carrier's first trace says");

    // The same snapshot again (Kdniao retries): nothing new.
    const again = await kd.push(hook, [w]);
    assert.equal(again.body.Success, true);
    assert.equal((await inbox(id)).length, 2);

    // Signed: the newest trace and the signature become events.
    const signed = await kd.push(hook, [{ ...w, State: "3", StateEx: "301", Traces: [...w.Traces, trace(1, "已签收，签收人：本人")] }]);
    assert.equal(signed.body.Success, true);
    const after = await inbox(id);
    assert.deepEqual(after.map((e) => e.type).sort(), ["carrier.collected", "carrier.signed", "carrier.update", "carrier.update"]);

    // Wrong key, a tampered body, a double-encoded sign, no sign: 401, the reply says why, kept for admins.
    const wrong = await kd.push(hook, [{ ...w, LogisticCode: "SF8000009" }], { key: "wrong-key" });
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.Success, false);
    assert.match(wrong.body.Reason, /DataSign/);
    assert.equal((await kd.push(hook, [w], { tamper: true })).status, 401, "the sign covers RequestData");
    assert.equal((await kd.push(hook, [w], { encodeSignTwice: true })).status, 401, "URL-encoded twice is wrong");
    const unsigned = await fetch(hook, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded" }, body: "RequestType=101&RequestData=%7B%7D" });
    assert.equal(unsigned.status, 401);
    assert.equal((await inbox(id)).length, 4, "nothing of them taken in");
    const rejections = await call("GET", "/api/rejections?limit=20");
    const kept = rejections.body.rejections.filter((r: any) => r.route === `POST /hooks/${id}`);
    assert.equal(kept.length, 4, JSON.stringify(rejections.body));
    assert.ok(kept.some((r: any) => r.body.includes("SF8000009")), "the refused body is kept");
  });

  it("keeps an unmapped State with a sample and alerts; the newest trace is still taken", async function () {
    const [orderId] = await ordersWith("UNM", [["SF", "SF8100001"]]);
    const id = await addConnector();
    const res = await kd.push(`${t.url}/hooks/${id}`, [{ ShipperCode: "SF", LogisticCode: "SF8100001", OrderCode: orderId, State: "9", StateEx: "999", Traces: [trace(2, "【广州】转运中")] }]);
    assert.equal(res.body.Success, true);
    const health = (await call("GET", `/api/connectors/${id}/health`)).body;
    assert.deepEqual(health.unmappedStatuses.map((u: any) => `${u.field}=${u.value}`).sort(), ["State=9", "StateEx=999"]);
    assert.equal(health.unmappedStatuses[0].sample.LogisticCode, "SF8100001");
    const alerts = (await call("GET", `/api/alerts?orderId=${orderId}`)).body.alerts.filter((a: any) => a.source === "connector");
    assert.equal(alerts.length, 2, JSON.stringify(alerts));
    assert.ok(alerts.some((a: any) => /State=9/.test(a.message)));
    assert.deepEqual((await inbox(id)).map((e) => e.type), ["carrier.update"]);

    // A supervisor maps it: the next snapshot with it becomes a problem event.
    const put = await call("PUT", "/api/connector-status-maps/kdniao", { body: { entries: [{ field: "State", value: "9", event: "carrier.problem" }] } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    await kd.push(`${t.url}/hooks/${id}`, [{ ShipperCode: "SF", LogisticCode: "SF8100001", OrderCode: orderId, State: "9", Traces: [trace(2, "【广州】转运中"), trace(1, "【广州】异常")] }]);
    assert.ok((await inbox(id)).some((e) => e.type === "carrier.problem"));
  });

  it("polls (1002) waybills silent for N hours page by page, waits out a 429, and a pull killed mid-way resumes with no duplicate and no gap", async function () {
    const waybills: [string, string][] = Array.from({ length: 5 }, (_, i) => ["SF", `SF90000${i}`]);
    const ids = await ordersWith("POLL", waybills);
    const id = await addConnector({ pollAfterHours: 6, pollEveryMinutes: 60 });
    const first = await run(id);
    assert.equal(first.lastError, null, JSON.stringify(first.lastError));
    assert.equal(kd.calls.filter((c) => c.requestType === "1002").length, 0, "nothing silent for 6 h yet");

    clock += 7 * HOUR;
    ids.forEach((orderId, i) => kd.track({ ShipperCode: "SF", LogisticCode: waybills[i][1], OrderCode: orderId, State: "2", Traces: [trace(2, `【上海】到达 ${i}`)] }));
    kd.calls.length = 0;
    kd.rateLimit = { remaining: 1, retryAfter: "3" };
    let commits = 0;
    failCommit = (page) => {
      if (page.events.length && (commits += 1) === 2) throw new Error("injected: the process died before the commit");
    };
    const failed = await run(id);
    assert.equal(failed.lastError?.code, "internal");
    assert.ok(waits.includes(3000), `429 waited out as Retry-After said: ${waits}`);
    const polledFirst = kd.calls.filter((c) => c.requestType === "1002" && c.answer === "ok").map((c) => c.data.OrderCode);
    assert.deepEqual([...polledFirst].sort(), [...ids].sort().slice(0, 4), "two pages in order-id order, the second rolled back");
    assert.equal(new Set((await inbox(id)).map((e) => e.order_id)).size, 2, "only page 1 committed");

    failCommit = undefined;
    kd.calls.length = 0;
    const resumed = await run(id);
    assert.equal(resumed.lastError, null, JSON.stringify(resumed.lastError));
    const polledAgain = kd.calls.filter((c) => c.requestType === "1002").map((c) => c.data.OrderCode);
    assert.deepEqual([...polledAgain].sort(), [...ids].sort().slice(2), "resumed at page 2: page 1 not asked again");
    const events = await inbox(id);
    assert.equal(new Set(events.map((e) => e.order_id)).size, 5, "no gap");
    assert.equal(events.length, 10, "collected + newest trace per waybill, each once");
    assert.equal(new Set(events.map((e) => e.source_event_id)).size, events.length);

    // The round is done: no new round before pollEveryMinutes; then tracked waybills are no longer silent.
    kd.calls.length = 0;
    await run(id);
    assert.equal(kd.calls.length, 0);
    clock += 61 * 60_000;
    await run(id);
    assert.equal(kd.calls.filter((c) => c.requestType === "1002").length, 0, "their last trace is 3 h old, under 6 h");
  });
});
