import assert from "node:assert/strict";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startRobotServers, type RobotServers } from "../../helpers/robotServers.js";
import { at, importOrder, newWorkspace, orderRow, send, stores } from "../jobs/fixtures.js";
import { notifier, routeTo, targetOf } from "./notifyFixtures.js";

/**
 * The seeds' logistics ladder, end to end on the standard workflow's timers: tracking stalled
 * 2 h → an SMS to the customer (Tencent Cloud SMS, TC3-signed) and the regional managers'
 * WeCom group; 6 h → a task for customer service, posted to their WeCom group with the
 * order's history; 24 h → the order moves into the compensation flow.
 */
describeEachDatabase("the logistics ladder through workflow timers and notification routing", function ({ db }) {
  let s: RobotServers;
  let clock = at(0);
  before(async function () {
    s = await startRobotServers(() => clock);
  });
  after(async function () {
    await s?.close();
  });

  it("texts the customer at 2 h, posts the customer-service task with the order's history to WeCom at 6 h, and starts compensation at 24 h", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const { store, job: notify } = notifier(db());
    const sms = await store.createTarget(ws, targetOf(s, "sms"), at(0));
    const managers = await store.createTarget(ws, targetOf(s, "wecom", { name: "区域经理群" }), at(0));
    const service = await store.createTarget(ws, targetOf(s, "wecom2", { name: "客服群" }), at(0));
    await store.createRoute(ws, routeTo(sms.id, { kinds: ["alert"], roles: ["customer"] }), at(0));
    await store.createRoute(ws, routeTo(managers.id, { kinds: ["alert"], roles: ["regional_manager"] }), at(0));
    await store.createRoute(ws, routeTo(service.id, { kinds: ["task"], roles: ["customer_service"] }), at(0));

    const id = await importOrder(db(), ws, at(0), { customer: { id: "c-ladder", name: "王女士", phone: "+8613900001111" }, region: "east" });
    await send(db(), ws, id, at(0), "payment.confirmed", { paidAt: at(0).toISOString() });
    await send(db(), ws, id, at(0), "waybill.assigned", { carrier: "SF", waybillNo: `SF${id}` });
    await send(db(), ws, id, at(0), "wms.outbound", { outboundAt: at(0).toISOString() });
    assert.equal((await orderRow(db(), ws, id)).status, "in_transit");
    const sla = stores(db()).job();
    const step = async (minutes: number) => {
      clock = at(minutes);
      await sla.run(at(minutes));
      await notify.run(at(minutes));
    };

    await step(119);
    assert.equal(s.accepted.length, 0, "nothing before 2 h");

    await step(120);
    const texts = s.accepted.filter((a) => a.platform === "sms");
    assert.equal(texts.length, 1, "one SMS");
    assert.deepEqual(texts[0].body.PhoneNumberSet, ["+8613900001111"], "to the order's customer");
    assert.deepEqual(texts[0].body.TemplateParamSet, [id, "2026-01-15 10:00"], "the order and since when the tracking stalled");
    const toManagers = s.accepted.filter((a) => a.platform === "wecom" && a.url.includes(s.creds.wecomKey));
    assert.equal(toManagers.length, 1);
    assert.match(toManagers[0].body.markdown.content, new RegExp(`【橙色预警】订单 ${id}`));
    assert.match(toManagers[0].body.markdown.content, /No tracking update within 2 h/);

    await step(200);
    assert.equal(s.accepted.length, 2, "nothing new between the steps");

    await step(360);
    const toService = s.accepted.filter((a) => a.platform === "wecom" && a.url.includes(s.creds.wecomKey2));
    assert.equal(toService.length, 1, "the 6 h task reaches customer service");
    const task: string = toService[0].body.markdown.content;
    assert.match(task, new RegExp(`【待办任务】订单 ${id}`));
    assert.match(task, /处理人: customer_service/);
    assert.match(task, /订单历史:/);
    assert.match(task, /→ in_transit/, "the history shows the order's moves");
    assert.match(task, /开始于: 2026-01-15 10:00/, "since the tracking stalled (Shanghai time)");
    assert.doesNotMatch(task, /statusSince/, "clock resets are left out of the history");

    await step(1440);
    assert.equal((await orderRow(db(), ws, id)).status, "compensation", "24 h: the compensation flow");
    const log = await store.deliveries(ws, { limit: 20 });
    assert.ok(log.deliveries.every((d) => d.outcome === "sent"), JSON.stringify(log.deliveries));
    assert.equal(log.pending, 0);
    assert.equal(s.accepted.filter((a) => a.platform === "sms").length, 1, "the customer is texted once");
  });
});
