import assert from "node:assert/strict";
import { fullCheckOverHttp } from "../../helpers/auditChecks.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

const T0 = new Date("2026-01-15T02:00:00Z");

describeEachDatabase("workflow engine API", function ({ db }) {
  let t: TestServer;
  let clock = T0;
  let n = 0;

  before(async function () {
    t = await startTestServer(db(), {}, () => clock);
  });
  after(async function () {
    await t?.close();
  });

  /** Imports one order and returns its id. */
  async function newOrder(overrides: Record<string, unknown> = {}): Promise<string> {
    n += 1;
    const res = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(90_000 + n, overrides)] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results[0].id as string;
  }

  async function post(events: unknown[], token?: string) {
    return t.call("POST", "/api/events", { body: { events }, token });
  }

  async function order(id: string) {
    return (await t.call("GET", `/api/orders/${id}`)).body;
  }

  /** An order that is paid and routed straight through to 已审单待打单. */
  async function reviewedOrder(): Promise<string> {
    const id = await newOrder();
    const r = await post([{ source: "connector:tmall", sourceEventId: `pay-${id}`, orderId: id, type: "payment.confirmed", data: { paidAt: "2026-01-15T02:05:00Z" } }]);
    assert.equal(r.body.results[0].status, "reviewed", JSON.stringify(r.body));
    return id;
  }

  it("moves an order through payment, review routing, outbound and waybill into transit", async function () {
    const id = await newOrder();
    const res = await post([
      { source: "connector:tmall", sourceEventId: "e1", orderId: id, type: "payment.confirmed", data: { paidAt: "2026-01-15T02:05:00Z" } },
      { source: "wms:hz", sourceEventId: "e2", orderId: id, type: "wms.outbound", data: { outboundAt: "2026-01-15T03:00:00Z" } },
      { source: "connector:kdniao", sourceEventId: "e3", orderId: id, type: "waybill.assigned", data: { carrier: "SF", waybillNo: "SF1234567890" } },
    ]);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.results.map((r: any) => r.status), ["reviewed", "outbound_no_waybill", "in_transit"]);
    assert.deepEqual(res.body.counts, { applied: 3 });
    const o = await order(id);
    assert.equal(o.status, "in_transit");
    assert.equal(o.waybillNo, "SF1234567890");
    assert.equal(o.version, 4);
  });

  it("sends a customer's second order on another platform within 30 minutes to merged review, counted in the database", async function () {
    const pay = (id: string) => post([{ source: "connector:shop", sourceEventId: `pay-merge-${id}`, orderId: id, type: "payment.confirmed", data: {} }]);
    const customer = (id: string) => ({ id, name: "王女士", phone: null });
    const first = await newOrder({ customer: customer("MERGE-A"), placedAt: "2026-01-15T02:00:00Z" });
    await newOrder({ channel: "douyin", customer: customer("MERGE-A"), placedAt: "2026-01-15T02:20:00Z" });
    assert.equal((await pay(first)).body.results[0].status, "merged_review");
    // The same customer again on the same platform, or on another one an hour apart, is not a merge.
    const sameShop = await newOrder({ customer: customer("MERGE-B"), placedAt: "2026-01-15T02:00:00Z" });
    await newOrder({ customer: customer("MERGE-B"), placedAt: "2026-01-15T02:10:00Z" });
    assert.equal((await pay(sameShop)).body.results[0].status, "reviewed");
    const later = await newOrder({ customer: customer("MERGE-C"), placedAt: "2026-01-15T02:00:00Z" });
    await newOrder({ channel: "pinduoduo", customer: customer("MERGE-C"), placedAt: "2026-01-15T03:00:00Z" });
    assert.equal((await pay(later)).body.results[0].status, "reviewed");
  });

  it("routes an order over 500 yuan to manual review and a cheaper one straight through", async function () {
    const big = await newOrder({ totalAmount: "500.01", lines: [{ sku: "B", name: "大件", quantity: 1, unitPrice: "500.01" }] });
    const small = await newOrder({ totalAmount: "500.00", lines: [{ sku: "S", name: "小件", quantity: 1, unitPrice: "500.00" }] });
    const res = await post([
      { source: "connector:tmall", sourceEventId: `p-${big}`, orderId: big, type: "payment.confirmed", data: {} },
      { source: "connector:tmall", sourceEventId: `p-${small}`, orderId: small, type: "payment.confirmed", data: {} },
    ]);
    assert.deepEqual(res.body.results.map((r: any) => r.status), ["manual_review", "reviewed"]);
  });

  it("applies a batch delivered by several senders at the same moment exactly once", async function () {
    const ids = [await newOrder(), await newOrder()];
    const notFound = { source: "connector:tmall", sourceEventId: "race-nf", channel: "tmall", externalOrderId: "NO-SUCH-ORDER", type: "payment.confirmed", data: {} };
    const batch = [
      { source: "connector:tmall", sourceEventId: `race-${ids[0]}`, orderId: ids[0], type: "payment.confirmed", data: {} },
      notFound,
      { source: "connector:tmall", sourceEventId: `race-${ids[1]}`, orderId: ids[1], type: "payment.confirmed", data: {} },
    ];
    // On PostgreSQL these run concurrently and race for the same inbox rows.
    const answers = await Promise.all([post(batch), post([...batch].reverse()), post(batch), post([batch[2], batch[0]])]);
    for (const a of answers) assert.equal(a.status, 200, JSON.stringify(a.body));
    for (const id of ids) {
      const outcomes = answers.flatMap((a) => a.body.results.filter((r: any) => r.orderId === id).map((r: any) => r.outcome));
      assert.equal(outcomes.filter((o: string) => o === "applied").length, 1, `one delivery applied for ${id}: ${outcomes}`);
      assert.equal(outcomes.filter((o: string) => o === "duplicate").length, outcomes.length - 1);
      assert.equal((await order(id)).version, 2, "the order moved once");
      const payments = (await t.call("GET", `/api/orders/${id}/history`)).body.entries.filter((e: any) => e.field === "status");
      assert.equal(payments.length, 2, "created + paid, nothing twice");
    }
    const nf = answers.flatMap((a) => a.body.results.filter((r: any) => r.sourceEventId === "race-nf").map((r: any) => r.outcome));
    assert.equal(nf.filter((o: string) => o === "not_found").length, 1, `kept once as not found: ${nf}`);
  });

  it("applies the same batch posted three times exactly once", async function () {
    const id = await newOrder();
    const batch = [
      { source: "connector:tmall", sourceEventId: "dup-1", orderId: id, type: "payment.confirmed", data: {} },
      { source: "wms:hz", sourceEventId: "dup-2", orderId: id, type: "wms.printed", data: {} },
    ];
    const first = await post(batch);
    assert.deepEqual(first.body.counts, { applied: 2 });
    const afterFirst = await order(id);
    const historyFirst = (await t.call("GET", `/api/orders/${id}/history`)).body.entries.length;
    const feedFirst = (await t.call("GET", "/api/changes?since=0&limit=1000")).body;

    for (let i = 0; i < 2; i++) {
      const again = await post(batch);
      assert.equal(again.status, 200);
      assert.deepEqual(again.body.counts, { duplicate: 2 });
      assert.deepEqual(again.body.results.map((r: any) => r.firstOutcome), ["applied", "applied"]);
      assert.equal(again.body.results[1].status, "printed");
    }
    assert.deepEqual(await order(id), afterFirst);
    assert.equal((await t.call("GET", `/api/orders/${id}/history`)).body.entries.length, historyFirst);
    const feedAfter = (await t.call("GET", `/api/changes?since=${feedFirst.cursor}`)).body;
    assert.equal(feedAfter.changes.length, 0, "a redelivery adds nothing to the change feed");
  });

  it("refuses an event the workflow does not accept, says why and keeps it", async function () {
    const id = await newOrder();
    const res = await post([{ source: "connector:tmall", sourceEventId: `refund-${id}`, orderId: id, type: "refund.requested", data: {} }]);
    const r = res.body.results[0];
    assert.equal(r.outcome, "refused", JSON.stringify(r));
    assert.match(r.reason, /refund\.requested is not accepted in status 待支付 \(pending_payment\)/);
    assert.ok(Array.isArray(r.allowed));
    assert.equal((await order(id)).version, 1, "a refused event changes nothing");
    const again = await post([{ source: "connector:tmall", sourceEventId: `refund-${id}`, orderId: id, type: "refund.requested", data: {} }]);
    assert.equal(again.body.results[0].outcome, "duplicate");
    assert.equal(again.body.results[0].firstOutcome, "refused", "the refused event was kept in the inbox");
  });

  it("answers events for unknown orders as not found without failing the batch", async function () {
    const id = await newOrder();
    const res = await post([
      { source: "connector:tmall", sourceEventId: "nf-1", orderId: "TM20990101-00001", type: "payment.confirmed", data: {} },
      { source: "connector:tmall", sourceEventId: "nf-2", orderId: id, type: "payment.confirmed", data: {} },
    ]);
    assert.deepEqual(res.body.counts, { not_found: 1, applied: 1 });
    assert.match(res.body.results[0].reason, /no order TM20990101-00001/);
  });

  it("holds events for a paused channel and still accepts manual commands", async function () {
    const id = await newOrder({ channel: "kuaishou" });
    await t.server.db.knex("channel_pauses").insert({ workspace_id: "default", channel: "kuaishou", reason: "test", source_id: "test", paused_at: T0.toISOString() });
    try {
      const res = await post([{ source: "connector:ks", sourceEventId: `held-${id}`, orderId: id, type: "payment.confirmed", data: {} }]);
      assert.equal(res.body.results[0].outcome, "held");
      assert.match(res.body.results[0].reason, /paused/);
      assert.equal((await order(id)).status, "pending_payment");
      const cmd = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "paid", baseVersion: 1 }, token: await t.token("zhao.cw", "finance") });
      assert.equal(cmd.status, 200, JSON.stringify(cmd.body));
      assert.equal(cmd.body.outcome, "applied");
    } finally {
      await t.server.db.knex("channel_pauses").where({ workspace_id: "default", channel: "kuaishou" }).delete();
    }
  });

  it("lists paused channels with their held events and replays them once on resume", async function () {
    const id = await newOrder({ channel: "wechat" });
    await t.server.db.knex("channel_pauses").insert({ workspace_id: "default", channel: "wechat", reason: "More than 15 status conflicts today", source_id: "channel_conflict_breaker", paused_at: T0.toISOString() });
    const pay = { source: "connector:wx", sourceEventId: `held-pay-${id}`, orderId: id, type: "payment.confirmed", data: {} };
    assert.equal((await post([pay])).body.results[0].outcome, "held");
    const redelivered = await post([pay]);
    assert.equal(redelivered.body.results[0].outcome, "held", "a redelivery while paused is held again, not lost as a duplicate");

    const pauses = await t.call("GET", "/api/channels/pauses");
    assert.equal(pauses.status, 200);
    assert.deepEqual(pauses.body.pauses.map((p: any) => [p.channel, p.heldEvents]), [["wechat", 1]]);

    const li = await t.token("li.li8", "customer_service");
    assert.equal((await t.call("POST", "/api/channels/wechat/resume", { body: {}, token: li })).status, 403);
    const boss = await t.token("zhou.zg", "supervisor");
    const resumed = await t.call("POST", "/api/channels/wechat/resume", { body: { note: "冲突已核实" }, token: boss });
    assert.equal(resumed.status, 200, JSON.stringify(resumed.body));
    assert.deepEqual(resumed.body, { channel: "wechat", wasPaused: true, replayed: 1, counts: { applied: 1 } });
    assert.equal((await order(id)).status, "reviewed");

    const again = await t.call("POST", "/api/channels/wechat/resume", { body: {}, token: boss });
    assert.deepEqual(again.body, { channel: "wechat", wasPaused: false, replayed: 0, counts: {} });
    const dup = await post([pay]);
    assert.equal(dup.body.results[0].outcome, "duplicate");
    assert.equal(dup.body.results[0].firstOutcome, "applied");
    const feed = await t.call("GET", "/api/changes?since=0&limit=5000");
    assert.ok(feed.body.changes.some((c: any) => c.kind === "channel.resumed" && c.data.channel === "wechat" && c.data.by === "zhou.zg"));
  });

  it("lets an order progress normally through many statuses without tripping the status-jump breaker", async function () {
    const id = await newOrder({ channel: "youzan" });
    const steps = [
      { type: "payment.confirmed", data: {} },
      { type: "wms.printed", data: {} },
      { type: "wms.outbound", data: { outboundAt: "2026-01-15T03:00:00Z" } },
      { type: "waybill.assigned", data: { carrier: "SF", waybillNo: "SF5550001" } },
      { type: "carrier.update", data: { state: "2" } },
      { type: "carrier.signed", data: {} },
    ];
    const outcomes: string[] = [];
    for (const [i, step] of steps.entries()) {
      const r = await post([{ source: "connector:youzan", sourceEventId: `walk-${id}-${i}`, orderId: id, ...step }]);
      outcomes.push(`${r.body.results[0].outcome}:${r.body.results[0].status}`);
    }
    assert.deepEqual(outcomes, ["applied:reviewed", "applied:printed", "applied:outbound_no_waybill", "applied:in_transit", "applied:in_transit", "applied:signed"]);
    assert.equal((await t.server.db.knex("channel_pauses").where({ channel: "youzan" })).length, 0);
  });

  it("pauses a channel's intake when one order's status flips back and forth more than 3 times", async function () {
    const id = await newOrder({ channel: "jd" });
    const other = await newOrder({ channel: "jd" });
    let k = 0;
    const send = async (orderId: string, type: string, data: Record<string, unknown>) =>
      (await post([{ source: "connector:kdniao", sourceEventId: `flip-${orderId}-${k++}`, orderId, type, data }])).body.results[0];
    await send(id, "payment.confirmed", {});
    await send(id, "wms.outbound", { outboundAt: "2026-01-15T03:00:00Z" });
    assert.equal((await send(id, "waybill.assigned", { carrier: "JD", waybillNo: "JD0001" })).status, "in_transit");
    try {
      const flips: string[] = [];
      for (let i = 0; i < 3; i++) {
        flips.push((await send(id, "carrier.problem", { reason: `滞留 ${i}` })).status);
        flips.push((await send(id, "carrier.update", { state: "2", location: `站点 ${i}` })).status);
      }
      assert.deepEqual(flips, ["delivery_exception", "in_transit", "delivery_exception", "in_transit", "delivery_exception", "in_transit"]);
      const pauses = await t.server.db.knex("channel_pauses").where({ workspace_id: "default", channel: "jd" });
      assert.equal(pauses.length, 1, "the 4th flip-back paused the channel");
      const feed = await t.call("GET", "/api/changes?since=0&limit=5000");
      assert.ok(feed.body.changes.some((c: any) => c.kind === "channel.paused" && c.data.channel === "jd" && c.data.sourceId === "status_jump_breaker"));
      const alerts = (await t.call("GET", `/api/alerts?orderId=${id}`)).body.alerts;
      assert.ok(alerts.some((a: any) => a.sourceId === "status_jump_breaker" && a.level === "red"), JSON.stringify(alerts));
      const held = await send(other, "payment.confirmed", {});
      assert.equal(held.outcome, "held", "other orders of the paused channel are held");
    } finally {
      await t.server.db.knex("channel_pauses").where({ workspace_id: "default", channel: "jd" }).delete();
    }
  });

  it("never pauses a channel for colleagues' stale status edits: 19 of one order stay edit conflicts", async function () {
    const id = await newOrder({ channel: "xiaohongshu" });
    const li = await t.token("li.li9", "customer_service");
    const pauses = () => t.server.db.knex("channel_pauses").where({ workspace_id: "default", channel: "xiaohongshu" });
    try {
      for (let i = 0; i < 19; i++) {
        const stale = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "cancelled", baseVersion: 7 }, token: li });
        assert.equal(stale.status, 409, JSON.stringify(stale.body));
        assert.equal(stale.body.error.details.outcome, "conflict");
      }
      // Any later event of the channel would trip the breaker if those edits counted.
      const pay = await post([{ source: "connector:xiaohongshu", sourceEventId: `xhs-pay-${id}`, orderId: id, type: "payment.confirmed", data: {} }]);
      assert.equal(pay.body.results[0].outcome, "applied", JSON.stringify(pay.body));
      assert.equal((await pauses()).length, 0, "stale staff edits never pause a channel");
      const kinds = await t.server.db.knex("conflicts").where({ workspace_id: "default", order_id: id }).select("kind");
      assert.deepEqual(new Set(kinds.map((k) => k.kind)), new Set(["stale_status"]), "the edits are still kept as edit conflicts");
      assert.equal(kinds.length, 19);
    } finally {
      await t.server.db.knex("channel_pauses").where({ workspace_id: "default", channel: "xiaohongshu" }).delete();
    }
  });

  it("pauses a channel's intake after more than 15 status disagreements between systems on it in a day, and shows each on its order", async function () {
    const pauses = () => t.server.db.knex("channel_pauses").where({ workspace_id: "default", channel: "shopee" });
    const reviewed = async () => {
      const id = await newOrder({ channel: "shopee" });
      const r = await post([{ source: "connector:shopee", sourceEventId: `pay-${id}`, orderId: id, type: "payment.confirmed", data: {} }]);
      assert.equal(r.body.results[0].status, "reviewed", JSON.stringify(r.body));
      return id;
    };
    try {
      const ids: string[] = [];
      for (let i = 0; i < 16; i++) ids.push(await reviewed());
      // The carrier says signed (or collected) while our status, 已审单待打单, says not even outbound.
      const claim = (id: string, i: number) =>
        i % 2 === 0
          ? { source: "connector:kdniao", sourceEventId: `sign-${id}`, orderId: id, type: "carrier.signed", data: {} }
          : { source: "connector:kdniao", sourceEventId: `collect-${id}`, orderId: id, type: "carrier.collected", data: {} };
      // Ten in one batch, five one by one: fifteen are tolerated.
      const batch = await post(ids.slice(0, 10).map(claim));
      assert.deepEqual(batch.body.results.map((r: any) => [r.outcome, r.status]), ids.slice(0, 10).map(() => ["applied", "reviewed"]));
      for (let i = 10; i < 15; i++) assert.equal((await post([claim(ids[i], i)])).body.results[0].outcome, "applied");
      assert.equal((await pauses()).length, 0, "15 disagreements are tolerated");
      const recorded = await t.server.db.knex("conflicts").where({ workspace_id: "default", channel: "shopee", kind: "status_disagreement" }).orderBy("id");
      assert.equal(recorded.length, 15);
      assert.deepEqual(recorded[0].details, { source: "connector:kdniao", eventType: "carrier.signed", sourceEventId: `sign-${ids[0]}`, theirs: "signed", ours: "reviewed" });
      assert.equal(recorded[1].details.theirs, "collected");

      const alerts = (await t.call("GET", `/api/alerts?orderId=${ids[0]}`)).body.alerts;
      const shown = alerts.find((a: any) => a.sourceId === "status_disagreement");
      assert.ok(shown, JSON.stringify(alerts));
      assert.equal(shown.level, "orange");
      assert.match(shown.message, /状态不一致:connector:kdniao 报告已签收,本系统状态为 已审单待打单 \(reviewed\)/);
      assert.match(shown.message, /Status disagreement: connector:kdniao reports signed, our status is Reviewed, awaiting label \(reviewed\)/);

      const sixteenth = await post([claim(ids[15], 15)]);
      assert.equal(sixteenth.body.results[0].outcome, "applied");
      const paused = await pauses();
      assert.equal(paused.length, 1, "the 16th disagreement of the day paused the channel");
      assert.match(paused[0].reason, /More than 15 status conflicts/);
      assert.equal(paused[0].source_id, "channel_conflict_breaker");
      const held = await post([{ source: "connector:shopee", sourceEventId: `later-${ids[0]}`, orderId: ids[0], type: "order.cancelled", data: {} }]);
      assert.equal(held.body.results[0].outcome, "held", "other events of the paused channel are held");
    } finally {
      await t.server.db.knex("channel_pauses").where({ workspace_id: "default", channel: "shopee" }).delete();
    }
  });

  it("counts disagreements within one batch, and no fact that agrees with our status or repeats a known one", async function () {
    const pauses = () => t.server.db.knex("channel_pauses").where({ workspace_id: "default", channel: "offline" });
    const counted = () => t.server.db.knex("conflicts").where({ workspace_id: "default", channel: "offline", kind: "status_disagreement" });
    try {
      const ids: string[] = [];
      for (let i = 0; i < 17; i++) {
        const id = await newOrder({ channel: "offline" });
        await post([{ source: "connector:offline", sourceEventId: `pay-${id}`, orderId: id, type: "payment.confirmed", data: {} }]);
        ids.push(id);
      }
      // Facts that agree with our status are no disagreement: outbound, waybill, tracking, signature.
      const shipped = await post(
        ids.slice(0, 2).flatMap((id) => [
          { source: "wms:hz", sourceEventId: `out-${id}`, orderId: id, type: "wms.outbound", data: { outboundAt: "2026-01-15T02:30:00Z" } },
          { source: "connector:kdniao", sourceEventId: `wb-${id}`, orderId: id, type: "waybill.assigned", data: { carrier: "SF", waybillNo: `SF${id.slice(-5)}` } },
          { source: "connector:kdniao", sourceEventId: `trk-${id}`, orderId: id, type: "carrier.update", data: { location: "杭州" } },
        ]),
      );
      assert.deepEqual(shipped.body.results.map((r: any) => r.status), ["outbound_no_waybill", "in_transit", "in_transit", "outbound_no_waybill", "in_transit", "in_transit"]);
      const signed = await post([{ source: "connector:kdniao", sourceEventId: `sign-${ids[1]}`, orderId: ids[1], type: "carrier.signed", data: {} }]);
      assert.equal(signed.body.results[0].status, "signed");
      assert.equal((await counted()).length, 0, "agreeing facts are no disagreement");
      // The channel cancels an order whose parcel has left: refused, and a disagreement.
      const cancel = await post([{ source: "connector:offline", sourceEventId: `cancel-${ids[0]}`, orderId: ids[0], type: "order.cancelled", data: {} }]);
      assert.equal(cancel.body.results[0].outcome, "refused");
      // A repeated signature of a not-outbound order is already known: counted once.
      const sign = { source: "connector:kdniao", sourceEventId: `sign-${ids[2]}`, orderId: ids[2], type: "carrier.signed", data: { signedAt: "2026-01-15T03:00:00Z" } };
      const twice = await post([sign, { ...sign, sourceEventId: `sign-again-${ids[2]}` }]);
      assert.deepEqual(twice.body.results.map((r: any) => r.outcome), ["applied", "noop"]);
      assert.deepEqual(
        (await counted()).map((c) => [c.order_id, c.details.theirs, c.details.ours]),
        [[ids[0], "cancelled", "in_transit"], [ids[2], "signed", "reviewed"]],
      );
      // Fourteen more in one batch make 16: the batch's last event counts those before it.
      const batch = await post(ids.slice(3).map((id) => ({ source: "connector:kdniao", sourceEventId: `col-${id}`, orderId: id, type: "carrier.collected", data: {} })));
      assert.equal(batch.body.results.length, 14);
      assert.equal((await counted()).length, 16);
      assert.equal((await pauses()).length, 1, "the 16th disagreement, late in one batch, paused the channel");
    } finally {
      await t.server.db.knex("channel_pauses").where({ workspace_id: "default", channel: "offline" }).delete();
    }
  });

  it("answers a stale manual status command with 409, the current value and who changed it", async function () {
    const id = await reviewedOrder();
    const wang = await t.token("wang.ck", "warehouse");
    const li = await t.token("li.li", "customer_service");
    const ok = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "printed", baseVersion: 2 }, token: wang });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.equal(ok.body.version, 3);
    const stale = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "cancelled", baseVersion: 2 }, token: li });
    assert.equal(stale.status, 409, JSON.stringify(stale.body));
    assert.equal(stale.body.error.code, "conflict");
    assert.match(stale.body.error.message, /changed|version/);
    assert.equal(stale.body.error.details.outcome, "conflict");
    assert.equal(stale.body.error.details.currentStatus, "printed");
    assert.equal(stale.body.error.details.currentVersion, 3);
    assert.equal(stale.body.error.details.changedBy, "wang.ck");
    assert.equal((await order(id)).status, "printed");
  });

  it("enforces the workflow's roles and read-only auditors", async function () {
    const id = await newOrder({ totalAmount: "800.00", lines: [{ sku: "B", name: "大件", quantity: 1, unitPrice: "800.00" }] });
    await post([{ source: "connector:tmall", sourceEventId: `p-${id}`, orderId: id, type: "payment.confirmed", data: {} }]);
    const wang = await t.token("wang.ck2", "warehouse");
    const refused = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "reviewed", baseVersion: 2 }, token: wang });
    assert.equal(refused.status, 422, JSON.stringify(refused.body));
    assert.equal(refused.body.error.code, "not_allowed");
    assert.match(refused.body.error.message, /role warehouse may not move orders from 人工审单 \(manual_review\)/);
    const li = await t.token("li.li2", "customer_service");
    const approved = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "已审单待打单", baseVersion: 2 }, token: li });
    assert.equal(approved.status, 200, JSON.stringify(approved.body));
    assert.equal(approved.body.status, "reviewed");

    const auditor = await t.token("qian.sj", "auditor");
    const denied = await post([{ source: "x", sourceEventId: "y", orderId: id, type: "wms.printed", data: {} }], auditor);
    assert.equal(denied.status, 403);
    const put = await t.call("PUT", "/api/workflow", { body: standardWorkflow, token: li });
    assert.equal(put.status, 403);
  });

  it("refuses a move the workflow does not allow with the reason and the allowed statuses", async function () {
    const id = await reviewedOrder();
    const li = await t.token("li.li3", "customer_service");
    const res = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "signed", baseVersion: 2 }, token: li });
    assert.equal(res.status, 422);
    assert.equal(res.body.error.code, "not_allowed");
    assert.match(res.body.error.message, /no transition leads from 已审单待打单 \(reviewed\)/);
    assert.equal(res.body.error.details.outcome, "refused");
    assert.ok(res.body.error.details.allowed.includes("cancelled"), JSON.stringify(res.body.error.details.allowed));
    assert.ok(!res.body.error.details.allowed.includes("signed"));
  });

  it("keeps every engine route inside the caller's workspace", async function () {
    const id = await reviewedOrder();
    await post([{ source: "finance:erp", sourceEventId: `iso-ar-${id}`, orderId: id, type: "finance.receivable", data: { amount: 19000 } }]);
    const other = await t.token("iso.boss", "supervisor", "iso-ws");
    const as = (method: string, path: string, body?: unknown) => t.call(method, path, { token: other, ...(body ? { body } : {}) });

    assert.equal((await as("GET", `/api/orders/${id}/history`)).status, 404, "no history of a foreign order");
    const ev = await as("POST", "/api/events", { events: [{ source: "connector:x", sourceEventId: `iso-${id}`, orderId: id, type: "carrier.collected", data: {} }] });
    assert.equal(ev.body.results[0].outcome, "not_found", JSON.stringify(ev.body));
    const ed = await as("POST", "/api/edits", { edits: [{ clientEditId: `iso-${id}`, orderId: id, column: "remark", baseVersion: 3, value: "x" }] });
    assert.equal(ed.body.results[0].outcome, "refused", JSON.stringify(ed.body));
    const foreign = await as("POST", `/api/orders/${id}/status`, { to: "cancelled", baseVersion: 3 });
    assert.equal(foreign.status, 404);
    assert.equal(foreign.body.error.code, "not_found");
    assert.equal(typeof foreign.body.error.message, "string");
    assert.deepEqual((await as("GET", "/api/alerts?open=false")).body.alerts, [], "no foreign alerts");
    assert.deepEqual((await as("GET", "/api/channels/pauses")).body.pauses, []);
    const verify = await as("POST", "/api/audit/verify");
    assert.equal(verify.body.ok, true);
    assert.equal(verify.body.chains, 0, "no foreign audit chains are even counted");

    // Publishing in one workspace leaves the other's definition alone.
    const mine = (await t.call("GET", "/api/workflow")).body.version;
    const theirs = (await as("GET", "/api/workflow")).body;
    const published = await as("PUT", "/api/workflow", { ...theirs.definition, name: "iso variant" });
    assert.equal(published.status, 200, JSON.stringify(published.body));
    assert.equal((await t.call("GET", "/api/workflow")).body.version, mine);
    assert.equal((await t.call("GET", `/api/orders/${id}`)).body.status, "finance_hold", "the foreign event and edit changed nothing here");
  });

  it("raises a red alert and pauses the order when the receivable differs by more than 0.5 %", async function () {
    const id = await reviewedOrder();
    const res = await post([{ source: "finance:erp", sourceEventId: `ar-${id}`, orderId: id, type: "finance.receivable", data: { amount: 19000 } }]);
    assert.equal(res.body.results[0].status, "finance_hold", JSON.stringify(res.body));
    const alerts = await t.call("GET", `/api/alerts?orderId=${id}`);
    assert.equal(alerts.status, 200);
    assert.equal(alerts.body.alerts.length, 1);
    assert.equal(alerts.body.alerts[0].level, "red");
    assert.equal(alerts.body.alerts[0].notify, "finance");
    const feed = await t.call("GET", "/api/changes?since=0&limit=1000");
    assert.ok(feed.body.changes.some((c: any) => c.kind === "alert.raised" && c.orderId === id));
  });

  it("records who, when, where from, field, old and new value in a hash-chained history", async function () {
    const id = await reviewedOrder();
    const res = await t.call("GET", `/api/orders/${id}/history`);
    assert.equal(res.status, 200);
    const entries = res.body.entries;
    const statusEntry = entries.find((e: any) => e.field === "status" && e.newValue === "reviewed");
    assert.ok(statusEntry, JSON.stringify(entries));
    assert.equal(statusEntry.source, "connector:tmall");
    assert.equal(statusEntry.actor, "admin");
    assert.equal(statusEntry.oldValue, "pending_payment");
    for (let i = 1; i < entries.length; i++) assert.equal(entries[i].prevHash, entries[i - 1].hash);
    assert.equal((await t.call("GET", "/api/orders/TM20990101-00009/history")).status, 404);
  });

  it("finds an audit row changed or deleted behind the server's back", async function () {
    const auditor = await t.token("qian.sj2", "auditor");
    const clean = await t.call("POST", "/api/audit/verify", { token: auditor });
    assert.equal(clean.status, 200);
    assert.equal(clean.body.ok, true, JSON.stringify(clean.body));
    assert.ok(clean.body.entries > 0);

    const id = await reviewedOrder();
    const knex = t.server.db.knex;
    const victim = await knex("audit_log").where({ order_id: id, field: "status" }).orderBy("seq").first("seq");
    assert.ok(victim);
    await assert.rejects(knex("audit_log").where("seq", victim.seq).update({ new_value: JSON.stringify("completed") }), /append-only|not allowed|refuse/i);

    await knex.raw("alter table audit_log disable trigger audit_log_no_update_delete");
    try {
      await knex("audit_log").where("seq", victim.seq).update({ actor: "someone.else" });
    } finally {
      await knex.raw("alter table audit_log enable trigger audit_log_no_update_delete");
    }
    // Entries the routine check already passed are re-read by the full check only.
    const tampered = { body: (await fullCheckOverHttp(t, { token: auditor })).result };
    assert.equal(tampered.body.ok, false);
    assert.equal(tampered.body.firstBroken.orderId, id);
    assert.equal(tampered.body.firstBroken.seq, String(victim.seq));

    // Put it back, then delete an entry instead.
    await knex.raw("alter table audit_log disable trigger audit_log_no_update_delete");
    try {
      await knex("audit_log").where("seq", victim.seq).update({ actor: "admin" });
      assert.equal((await fullCheckOverHttp(t, { token: auditor })).result.ok, true);
      await knex("audit_log").where("seq", victim.seq).delete();
    } finally {
      await knex.raw("alter table audit_log enable trigger audit_log_no_update_delete");
    }
    const deleted = { body: (await fullCheckOverHttp(t, { token: auditor })).result };
    assert.equal(deleted.body.ok, false);
    assert.equal(deleted.body.firstBroken.orderId, id);
    const cs = await t.token("li.li4", "customer_service");
    assert.equal((await t.call("POST", "/api/audit/verify", { token: cs })).status, 403);
  });

  describe("publishing workflow versions", function () {
    it("serves the current definition and its versions", async function () {
      const cur = await t.call("GET", "/api/workflow");
      assert.equal(cur.status, 200);
      assert.equal(cur.body.version, 1);
      assert.equal(cur.body.definition.name, "standard");
      assert.ok(cur.body.definition.states.length >= 12);
      const versions = await t.call("GET", "/api/workflow/versions");
      assert.deepEqual(versions.body.versions.map((v: any) => v.version), [1]);
    });

    it("refuses an invalid definition with one message per problem", async function () {
      const bad = structuredClone(standardWorkflow);
      bad.transitions.push({ ...bad.transitions[0], id: "bogus", to: "nowhere" });
      bad.transitions.push({ ...bad.transitions[0], id: "bad_guard", guard: "order.totalAmount >" });
      bad.states.push({ ...bad.states[1], code: "island" });
      const res = await t.call("PUT", "/api/workflow", { body: bad });
      assert.equal(res.status, 400, JSON.stringify(res.body));
      const text = JSON.stringify(res.body);
      assert.match(text, /nowhere/);
      assert.match(text, /guard `order\.totalAmount >` is invalid/);
      assert.match(text, /island/);
      assert.equal((await t.call("GET", "/api/workflow")).body.version, 1, "nothing was published");
    });

    it("refuses to drop a state live orders sit in unless it is mapped, then migrates them", async function () {
      const id = await reviewedOrder();
      const li = await t.token("li.li5", "customer_service");
      // Put it on hold in 已打单未出库 by hand via the warehouse.
      const wang = await t.token("wang.ck5", "warehouse");
      const moved = await t.call("POST", `/api/orders/${id}/status`, { body: { to: "printed", baseVersion: 2 }, token: wang });
      assert.equal(moved.status, 200, JSON.stringify(moved.body));

      const next = structuredClone(standardWorkflow);
      next.name = "standard-no-printed";
      next.states = next.states.filter((s) => s.code !== "printed");
      next.transitions = next.transitions.filter((tr) => tr.from !== "printed" && tr.to !== "printed");
      const refused = await t.call("PUT", "/api/workflow", { body: next });
      assert.equal(refused.status, 400, JSON.stringify(refused.body));
      assert.match(JSON.stringify(refused.body), /printed/);

      next.stateMap = { printed: "reviewed" };
      const ok = await t.call("PUT", "/api/workflow", { body: next });
      assert.equal(ok.status, 200, JSON.stringify(ok.body));
      assert.equal(ok.body.version, 2);
      assert.ok(ok.body.migratedOrders >= 1);
      const o = await order(id);
      assert.equal(o.status, "reviewed");
      assert.equal(o.workflowVersion, 2);
      const history = (await t.call("GET", `/api/orders/${id}/history`, { token: li })).body.entries;
      assert.ok(history.some((e: any) => e.action === "workflow.migrated" && e.field === "status" && e.oldValue === "printed"));
      const versions = await t.call("GET", "/api/workflow/versions");
      assert.deepEqual(versions.body.versions.map((v: any) => v.version), [2, 1]);
      assert.equal((await t.call("POST", "/api/audit/verify")).body.firstBroken?.orderId === id, false);

      // Restore the standard definition for the rest of the suite.
      const back = await t.call("PUT", "/api/workflow", { body: standardWorkflow });
      assert.equal(back.status, 200, JSON.stringify(back.body));
    });
  });

  it("replays a synthetic stream through a candidate definition and compares it with the current one", async function () {
    const candidate = structuredClone(standardWorkflow);
    candidate.name = "no-green-channel";
    candidate.transitions = candidate.transitions.filter((tr) => tr.id !== "route_green_channel");
    const headBefore = (await t.call("GET", "/api/changes/head")).body.cursor;
    const res = await t.call("POST", "/api/workflow/simulate", { body: { definition: candidate, orders: 2000, seed: 7, compare: true } });
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 500));
    assert.equal(res.body.report.orders, 2000);
    const entered = res.body.comparison.sections.enteredStates.find((d: any) => d.key === "green_review");
    assert.ok(entered && entered.b === 0 && entered.a > 0, JSON.stringify(res.body.comparison.sections.enteredStates));
    const again = await t.call("POST", "/api/workflow/simulate", { body: { definition: candidate, orders: 2000, seed: 7 } });
    assert.deepEqual(again.body.report, res.body.report, "the same seed replays the same stream");
    assert.equal((await t.call("GET", "/api/changes/head")).body.cursor, headBefore, "a simulation writes nothing");
    assert.equal((await t.call("GET", "/api/workflow")).body.definition.name, "standard");
  });

  it("runs a simulation off the request thread: other requests are answered meanwhile", async function () {
    const order: string[] = [];
    const sim = t.call("POST", "/api/workflow/simulate", { body: { orders: 20000, seed: 3 } }).then((r) => {
      order.push("simulate");
      return r;
    });
    await new Promise((r) => setTimeout(r, 300)); // the simulation has started
    const me = await t.call("GET", "/api/me");
    order.push("me");
    assert.equal(me.status, 200);
    const res = await sim;
    assert.equal(res.status, 200, JSON.stringify(res.body).slice(0, 300));
    assert.equal(res.body.report.orders, 20000);
    assert.deepEqual(order, ["me", "simulate"], "the server answered while the simulation ran");
  });
});
