import assert from "node:assert/strict";
import { nodeCronDriver, SCHEDULES } from "../../../server/jobs/scheduler.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startRobotServers, type RobotServers } from "../../helpers/robotServers.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

describeEachDatabase("notifications in the running server", function ({ db }) {
  let s: RobotServers;
  let t: TestServer | undefined;
  const clock = new Date("2026-01-15T02:00:00.000Z");
  before(async function () {
    s = await startRobotServers(() => clock);
  });
  after(async function () {
    await t?.close();
    await s?.close();
  });

  it("configured over the API, the server's notifier job sends a raised alert to the robot with a link under ORDERSHEET_PUBLIC_URL and logs it", async function () {
    assert.ok(nodeCronDriver.validate(SCHEDULES.notify.cron), "a valid cron expression");
    t = await startTestServer(db(), { jobs: true, publicUrl: "https://orders.example.cn" }, () => clock);
    const target = await t.call("POST", "/api/notifications/targets", { body: { kind: "dingtalk", name: "财务群", webhookUrl: s.urls.dingtalk, secret: s.creds.dingSecret } });
    assert.equal(target.status, 200, JSON.stringify(target.body));
    const rule = await t.call("POST", "/api/notifications/routes", { body: { name: "红色预警给财务", targetId: target.body.id, match: { levels: ["red"], roles: ["finance"] } } });
    assert.equal(rule.status, 200, JSON.stringify(rule.body));

    const created = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(7)] } });
    const id = created.body.results[0].id as string;
    const raised = await t.call("POST", "/api/events", {
      body: {
        events: [
          { source: "connector:tmall", sourceEventId: `pay-${id}`, orderId: id, type: "payment.confirmed", data: { paidAt: "2026-01-15T01:55:00Z" } },
          { source: "finance:erp", sourceEventId: `ar-${id}`, orderId: id, type: "finance.receivable", data: { amount: 1 } },
        ],
      },
    });
    assert.equal(raised.status, 200, JSON.stringify(raised.body));

    assert.equal(await t.server.scheduler!.tick("notify"), "ran");
    const got = s.accepted.filter((a) => a.platform === "dingtalk");
    assert.equal(got.length, 1);
    assert.ok(got[0].body.markdown.text.includes(`https://orders.example.cn/addin/taskpane.html?order=${id}`), got[0].body.markdown.text);
    assert.match(got[0].body.markdown.text, /【红色预警】/);
    const log = await t.call("GET", "/api/notifications/deliveries");
    assert.deepEqual(log.body.deliveries.map((d: any) => [d.outcome, d.items, d.targetName]), [["sent", 1, "财务群"]]);
    assert.equal(log.body.pending, 0);
    assert.equal(await t.server.scheduler!.tick("notify"), "ran");
    assert.equal(s.accepted.filter((a) => a.platform === "dingtalk").length, 1, "sent once");
  });
});
