import assert from "node:assert/strict";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startRobotServers, type RobotServers } from "../../helpers/robotServers.js";
import { at, newWorkspace, secondInstance } from "../jobs/fixtures.js";
import { deliveredOrders, notifier, redAlerts, routeTo, smallBatchWecom, targetOf } from "./notifyFixtures.js";

const sorted = (xs: string[]) => [...xs].sort();
const secs = (d: Date, s: number) => new Date(d.getTime() + s * 1000);

describeEachDatabase("notifications: outbox, routing, batching and delivery", function ({ db }) {
  let s: RobotServers;
  let clock = at(0);
  before(async function () {
    s = await startRobotServers(() => clock);
  });
  after(async function () {
    await s?.close();
  });
  beforeEach(function () {
    s.accepted.length = 0;
    s.answers.length = 0;
  });
  const runAt = async (job: { run(now: Date): Promise<unknown> }, when: Date) => {
    clock = when;
    return job.run(when);
  };

  it("queues each raised alert once per matching target, batches them into one message, logs the delivery, and sends nothing twice", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const { store, job } = notifier(db());
    const wecom = await store.createTarget(ws, targetOf(s, "wecom"), at(0));
    await store.createRoute(ws, routeTo(wecom.id, { levels: ["red"], roles: ["finance"] }), at(0));
    const ids = await redAlerts(db(), ws, 3, at(1));
    const run = (await runAt(job, at(2))) as { queued: number; sent: number };
    assert.equal(run.queued, 3);
    assert.equal(run.sent, 1, "three alerts, one message");
    assert.deepEqual(sorted(deliveredOrders(s, "wecom")), sorted(ids));
    assert.match(s.accepted[0].body.markdown.content, /Ordersheet 通知 \(3 条\)/);
    const log = await store.deliveries(ws, { limit: 10 });
    assert.deepEqual(log.deliveries.map((d) => [d.outcome, d.items, d.targetId]), [["sent", 3, wecom.id]]);
    assert.match(log.deliveries[0].detail, /errcode 0/);
    assert.equal(log.pending, 0);
    assert.equal(((await runAt(job, at(3))) as { queued: number; sent: number }).sent, 0, "a second run sends nothing");
    assert.equal(s.accepted.length, 1);
    // Two days on (the alerts still open), the marks are pruned and nothing is sent again.
    const later = notifier(db(), "restarted").job;
    assert.equal(((await runAt(later, at(49 * 60))) as { queued: number }).queued, 0);
    assert.equal(s.accepted.length, 1);
    assert.equal((await db().knex("notify_seen").where({ workspace_id: ws })).length, 0, "marks older than two days are pruned");
  });

  it("routes by level, region, warehouse, channel and role; what no rule matches goes nowhere", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const { store, job } = notifier(db());
    const ding = await store.createTarget(ws, targetOf(s, "dingtalk", { locale: "en" }), at(0));
    const feishu = await store.createTarget(ws, targetOf(s, "feishu"), at(0));
    await store.createRoute(ws, routeTo(ding.id, { regions: ["east"], warehouses: ["hz"], channels: ["tmall"], levels: ["red", "orange"] }), at(0));
    await store.createRoute(ws, routeTo(feishu.id, { regions: ["west"] }), at(0));
    await store.createRoute(ws, routeTo(feishu.id, { roles: ["warehouse"] }), at(0));
    const east = await redAlerts(db(), ws, 2, at(1));
    const west = await redAlerts(db(), ws, 1, at(1), { region: "west" });
    const north = await redAlerts(db(), ws, 1, at(1), { region: "north" });
    await runAt(job, at(2));
    assert.deepEqual(sorted(deliveredOrders(s, "dingtalk")), sorted(east));
    assert.match(s.accepted.find((a) => a.platform === "dingtalk")!.body.markdown.text, /Red alert/, "in the target's language");
    assert.deepEqual(deliveredOrders(s, "feishu"), west);
    assert.ok(!deliveredOrders(s, "dingtalk").includes(north[0]) && !deliveredOrders(s, "feishu").includes(north[0]));
  });

  it("loses nothing when the robot answers 500 and its rate-limit errcode: retries with backoff, waits the limit out, and delivers every alert once", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const { store, job } = notifier(db());
    const wecom = await store.createTarget(ws, targetOf(s, "wecom"), at(0));
    await store.createRoute(ws, routeTo(wecom.id), at(0));
    const ids = await redAlerts(db(), ws, 4, at(1));
    s.force("wecom", "500", "rate", "500");
    const t = at(2);
    await runAt(job, t);
    assert.deepEqual(s.answers.map((a) => a.code), ["500"]);
    await runAt(job, secs(t, 15));
    assert.equal(s.answers.length, 1, "backing off: 30 s after the first failure");
    await runAt(job, secs(t, 31));
    assert.deepEqual(s.answers.map((a) => a.code), ["500", "45009"]);
    const held = (await store.listTargets(ws))[0];
    assert.equal(held.holdUntil, secs(t, 91).toISOString(), "the robot waits a minute after its rate-limit answer");
    await runAt(job, secs(t, 60));
    assert.equal(s.answers.length, 2, "on hold");
    await runAt(job, secs(t, 92));
    assert.deepEqual(s.answers.map((a) => a.code), ["500", "45009", "500"]);
    await runAt(job, secs(t, 92 + 119));
    assert.equal(s.answers.length, 3, "third attempt: 120 s backoff");
    await runAt(job, secs(t, 92 + 121));
    assert.deepEqual(s.answers.map((a) => a.code), ["500", "45009", "500", "0"]);
    assert.deepEqual(sorted(deliveredOrders(s, "wecom")), sorted(ids), "every alert exactly once");
    const log = await store.deliveries(ws, { limit: 10 });
    assert.deepEqual(log.deliveries.map((d) => d.outcome).reverse(), ["failed", "rate_limited", "failed", "sent"]);
    assert.equal(log.pending, 0);
  });

  it("keeps a robot within 20 messages a minute by batching: the rest waits for the next minute and nothing is dropped", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const { store, job } = notifier(db(), "a", [smallBatchWecom]);
    const wecom = await store.createTarget(ws, targetOf(s, "wecom"), at(0));
    await store.createRoute(ws, routeTo(wecom.id), at(0));
    const ids = await redAlerts(db(), ws, 50, at(1));
    const t = at(2);
    await runAt(job, t);
    assert.equal(s.accepted.length, 20, "20 messages in the first minute (2 alerts each)");
    await runAt(job, secs(t, 30));
    assert.equal(s.accepted.length, 20, "none more within the minute");
    assert.equal((await store.deliveries(ws, { limit: 1 })).pending, 10);
    await runAt(job, secs(t, 61));
    assert.equal(s.accepted.length, 25);
    assert.deepEqual(sorted(deliveredOrders(s, "wecom")), sorted(ids));
    assert.ok(s.answers.every((a) => a.code === "0"), "the robot never had to refuse");
  });

  it("two server instances sending at once deliver every alert once and share the robot's per-minute cap", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const other = await secondInstance(db());
    try {
      const a = notifier(db(), "a", [smallBatchWecom]);
      const b = notifier(other.db, "b", [smallBatchWecom]);
      const wecom = await a.store.createTarget(ws, targetOf(s, "wecom"), at(0));
      await a.store.createRoute(ws, routeTo(wecom.id), at(0));
      const ids = await redAlerts(db(), ws, 50, at(1));
      clock = at(2);
      await Promise.all([a.job.run(at(2)), b.job.run(at(2)), a.job.run(at(2)), b.job.run(at(2))]);
      assert.equal(s.accepted.length, 20, "one cap of 20 a minute for both instances");
      clock = at(3);
      await Promise.all([a.job.run(at(3)), b.job.run(at(3))]);
      assert.equal(s.accepted.length, 25);
      assert.deepEqual(sorted(deliveredOrders(s, "wecom")), sorted(ids), "each once");
      const outbox = await db().knex("notify_outbox").where({ workspace_id: ws }).select("status");
      assert.equal(outbox.length, 50, "queued once per alert");
      assert.ok(outbox.every((r) => r.status === "sent"));
    } finally {
      await other.close();
    }
  });

  it("keeps secrets sealed: the API view and the table show no key or signing secret; an SMS to a customer with no phone is counted as undeliverable", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const { store, job } = notifier(db());
    const ding = await store.createTarget(ws, targetOf(s, "dingtalk"), at(0));
    const sms = await store.createTarget(ws, targetOf(s, "sms"), at(0));
    const views = JSON.stringify(await store.listTargets(ws));
    const rows = JSON.stringify(await db().knex("notify_targets").where({ workspace_id: ws }).select("*"));
    for (const secret of [s.creds.dingToken, s.creds.dingSecret, s.creds.smsKey, s.creds.smsId]) {
      assert.ok(!views.includes(secret), `view leaks ${secret}`);
      assert.ok(!rows.includes(secret), `table leaks ${secret}`);
    }
    assert.equal(ding.webhookHost, new URL(s.url).host);
    assert.equal(ding.signed, true);
    assert.equal(sms.phone, "customer");
    await store.createRoute(ws, routeTo(sms.id), at(0));
    await redAlerts(db(), ws, 1, at(1));
    await runAt(job, at(2));
    const log = await store.deliveries(ws, { limit: 10 });
    assert.equal(log.undeliverable, 1);
    assert.equal(log.pending, 0);
    assert.equal(s.accepted.filter((a) => a.platform === "sms").length, 0);
  });
});
