import assert from "node:assert/strict";
import { formatRefusal } from "../../../server/contracts/refusals.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

/**
 * Issue 11, points 2 and 5 on the server: every refusal carries a stable code and parameters
 * (worded by `formatRefusal` in either language, and sent worded in both), a refused move says
 * the real reason (the guard in words, the role, already outbound), alerts carry both
 * languages, and the workflow's per-status moves feed the add-in's dependent dropdowns.
 */
describeEachDatabase("refusals in words and per-status moves (issue 11)", function ({ db }) {
  let t: TestServer;
  let cs: string;
  let wh: string;
  before(async function () {
    t = await startTestServer(db());
    cs = await t.token("ke.fu", "customer_service");
    wh = await t.token("cang.ku", "warehouse");
  });
  after(async function () {
    await t?.close();
  });

  let n = 7000;
  async function importOne(overrides: Record<string, unknown> = {}): Promise<string> {
    n += 1;
    const res = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(n, { placedAt: new Date().toISOString(), customer: { id: `F${n}`, name: "客", phone: null }, ...overrides })] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results[0].id as string;
  }
  async function event(orderId: string, type: string, data: Record<string, unknown>) {
    const res = await t.call("POST", "/api/events", { body: { events: [{ source: "connector:test", sourceEventId: `${type}-${orderId}`, orderId, type, data }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results[0];
  }
  async function version(id: string): Promise<number> {
    return (await t.call("GET", `/api/orders/${id}`)).body.version as number;
  }
  async function statusEdit(token: string, orderId: string, value: string, baseVersion?: number) {
    const res = await t.call("POST", "/api/edits", {
      token,
      body: { edits: [{ clientEditId: `s-${orderId}-${value}-${Math.random()}`, orderId, column: "status", baseVersion: baseVersion ?? (await version(orderId)), value }] },
    });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results[0];
  }

  it("says an outbound order cannot be cancelled because it is already outbound (已出库), not only that A cannot go to B", async function () {
    const id = await importOne();
    await event(id, "payment.confirmed", {});
    await event(id, "wms.outbound", { outboundAt: new Date().toISOString() });
    const r = await statusEdit(cs, id, "已取消");
    assert.equal(r.outcome, "refused");
    assert.equal(r.code, "guard_failed");
    assert.deepEqual(r.params.reasons, [{ "zh-CN": "已出库", en: "already outbound" }]);
    assert.deepEqual(r.params.from, { "zh-CN": "已出库无物流单号", en: "Outbound, no waybill number" });
    assert.equal(r.params.toCode, "cancelled");
    assert.equal(r.messages["zh-CN"], "现在不能从「已出库无物流单号」改为「已取消」：已出库");
    assert.equal(r.messages.en, "moving from Outbound, no waybill number to Cancelled is not allowed now: already outbound");
    assert.equal(formatRefusal(r.code, r.params, "zh-CN"), r.messages["zh-CN"]);
    assert.match(r.reason, /cancel_by_hand/, "the server's own sentence stays");
  });

  it("says a hand-over without a waybill is refused because there is no waybill yet (还没有物流单号), and so does the status command", async function () {
    const id = await importOne();
    await event(id, "payment.confirmed", {});
    await event(id, "wms.outbound", { outboundAt: new Date().toISOString() });
    const r = await statusEdit(wh, id, "in_transit");
    assert.equal(r.code, "guard_failed");
    assert.deepEqual(r.params.reasons, [{ "zh-CN": "还没有物流单号", en: "no waybill yet" }]);
    assert.match(r.messages["zh-CN"], /还没有物流单号$/);
    // The same move by the status command answers in the error envelope with the finer refusal.
    const cmd = await t.call("POST", `/api/orders/${id}/status`, { token: wh, body: { to: "在途", baseVersion: await version(id) } });
    assert.equal(cmd.status, 422);
    assert.equal(cmd.body.error.code, "not_allowed");
    assert.equal(cmd.body.error.refusal.code, "guard_failed");
    assert.equal(cmd.body.error.messages["zh-CN"], "现在不能从「已出库无物流单号」改为「在途」：还没有物流单号");
  });

  it("names the role and who may instead when a role may not make a move, and the system when nobody may by hand", async function () {
    const id = await importOne();
    await event(id, "payment.confirmed", {});
    // 已审单待打单 → 已打单未出库 by hand is the warehouse's move.
    const r = await statusEdit(cs, id, "printed");
    assert.equal(r.code, "role_not_allowed");
    assert.deepEqual(r.params.role, { "zh-CN": "客服专员", en: "customer service" });
    assert.deepEqual(r.params.roleCodes, ["warehouse"]);
    assert.equal(r.messages["zh-CN"], "你的角色（客服专员）不能把订单从「已审单待打单」改为「已打单未出库」：只有仓储主管可以");
    const none = await statusEdit(cs, id, "outbound_no_waybill");
    assert.equal(none.code, "system_only");
    const nowhere = await statusEdit(cs, id, "signed");
    assert.equal(nowhere.code, "no_transition");
    assert.equal(nowhere.messages.en, "no transition leads from Reviewed, awaiting label to Signed");
    const unknown = await statusEdit(cs, id, "飞走了");
    assert.equal(unknown.code, "not_a_status");
    assert.equal(unknown.params.value, "飞走了");
    const auditor = await t.token("shen.ji", "auditor");
    const ro = await t.call("POST", `/api/orders/${id}/status`, { token: auditor, body: { to: "printed", baseVersion: await version(id) } });
    assert.equal(ro.status, 403, JSON.stringify(ro.body));
    assert.ok(ro.body.error.messages["zh-CN"], "even a plain refusal is worded in Chinese");
  });

  it("gives conflicts and field refusals of edits codes, naming who changed the cell", async function () {
    const id = await importOne();
    const base = await version(id);
    const first = await t.call("POST", "/api/edits", { token: cs, body: { edits: [{ clientEditId: `r1-${id}`, orderId: id, column: "remark", baseVersion: base, value: "先改" }] } });
    assert.equal(first.body.results[0].outcome, "saved");
    const late = await t.call("POST", "/api/edits", { token: cs, body: { edits: [{ clientEditId: `r2-${id}`, orderId: id, column: "remark", baseVersion: base, value: "后改" }] } });
    const c = late.body.results[0];
    assert.equal(c.outcome, "conflict");
    assert.equal(c.code, "edit_conflict");
    assert.equal(c.params.by, "ke.fu");
    assert.equal(c.messages["zh-CN"], `ke.fu在版本 ${base} 之后修改了「备注」`);
    const bad = await t.call("POST", "/api/edits", { token: wh, body: { edits: [{ clientEditId: `w-${id}`, orderId: id, column: "waybillNo", baseVersion: base + 1, value: "运单?" }] } });
    assert.equal(bad.body.results[0].code, "bad_waybill");
    assert.equal(bad.body.results[0].messages["zh-CN"], "物流单号是 4–40 个字母、数字或短横线");
    const notMine = await t.call("POST", "/api/edits", { token: wh, body: { edits: [{ clientEditId: `x-${id}`, orderId: id, column: "region", baseVersion: base + 1, value: "华南" }] } });
    assert.equal(notMine.body.results[0].code, "column_not_editable");
    assert.deepEqual(notMine.body.results[0].params.column, { "zh-CN": "地区", en: "region" });
    const missing = await t.call("POST", "/api/edits", { token: cs, body: { edits: [{ clientEditId: `m-${id}`, orderId: "TM20990101-99999", column: "remark", baseVersion: 1, value: "x" }] } });
    assert.equal(missing.body.results[0].code, "order_not_found");
  });

  it("gives every field error of a request a code and parameters, worded in both languages", async function () {
    const res = await t.call("POST", "/api/orders", { body: { orders: [{ ...sampleOrder(1), totalAmount: "lots", surprise: 1, channel: undefined }] } });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "invalid_input");
    const problems = res.body.error.details.problems as { path: string; code: string; params: Record<string, unknown> }[];
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p]));
    assert.equal(byPath["orders.0.channel"].code, "field_required");
    assert.equal(byPath["orders.0"].code, "field_unrecognized");
    assert.deepEqual(byPath["orders.0"].params.keys, ["orders.0.surprise"]);
    assert.ok(problems.every((p) => typeof p.code === "string" && p.params), JSON.stringify(problems));
    assert.match(res.body.error.messages["zh-CN"], /^请求有误：/);
    assert.match(res.body.error.messages["zh-CN"], /「orders\.0\.channel」必填/);
    assert.match(res.body.error.messages.en, /orders\.0\.channel is required/);
    const big = await t.call("GET", "/api/orders?limit=5000");
    assert.equal(big.body.error.details.problems[0].code, "field_too_big");
    assert.equal(big.body.error.details.problems[0].params.maximum, 1000);
  });

  it("stores and returns alert texts in both languages", async function () {
    const id = await importOne();
    await event(id, "payment.confirmed", {});
    await event(id, "refund.succeeded", { stockRestored: false });
    const alerts = (await t.call("GET", `/api/alerts?orderId=${id}`)).body.alerts as any[];
    const stock = alerts.find((a) => a.sourceId === "refund_stock_not_restored");
    assert.ok(stock, JSON.stringify(alerts));
    assert.equal(stock.message, "Channel refund succeeded but the ERP stock was not restored");
    assert.deepEqual(stock.messages, { "zh-CN": "渠道退款成功，但 ERP 库存没有恢复", en: "Channel refund succeeded but the ERP stock was not restored" });
  });

  it("still takes a definition whose messages are single strings, and shows such a message in both languages", async function () {
    const ws = "ws-oldmsg";
    const admin = await t.token("lao.ban", "admin", ws);
    const def = structuredClone(standardWorkflow) as any;
    def.rules = [{ id: "paid_note", on: "payment.confirmed", action: { kind: "alert", level: "yellow", message: "Paid (old style)" } }];
    const put = await t.call("PUT", "/api/workflow", { token: admin, body: def });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const res = await t.call("POST", "/api/orders", { token: admin, body: { orders: [sampleOrder(1, { placedAt: new Date().toISOString() })] } });
    const id = res.body.results[0].id;
    await t.call("POST", "/api/events", { token: admin, body: { events: [{ source: "connector:test", sourceEventId: "p1", orderId: id, type: "payment.confirmed", data: {} }] } });
    const alert = (await t.call("GET", `/api/alerts?orderId=${id}`, { token: admin })).body.alerts.find((a: any) => a.sourceId === "paid_note");
    assert.deepEqual(alert.messages, { "zh-CN": "Paid (old style)", en: "Paid (old style)" });
    const badMsg = structuredClone(def);
    badMsg.rules[0].action.message = { "zh-CN": "只有中文" };
    const refused = await t.call("PUT", "/api/workflow", { token: admin, body: badMsg });
    assert.equal(refused.status, 400);
  });

  it("lists, per status, the moves each role may choose, for the dependent dropdowns", async function () {
    const res = await t.call("GET", "/api/workflow/moves", { token: cs });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const m = res.body;
    assert.equal(m.role, "customer_service");
    assert.deepEqual(m.moves.manual_review, ["reviewed", "cancelled", "refund_requested"]);
    assert.deepEqual(m.moves.cancelled, []);
    assert.deepEqual(m.moves, m.byRole.customer_service);
    assert.ok(m.byRole.warehouse.outbound_no_waybill.includes("in_transit"));
    assert.ok(!m.moves.outbound_no_waybill.includes("in_transit"));
    assert.deepEqual(m.byRole.auditor.paid, []);
    assert.deepEqual(m.labels.in_transit, { "zh-CN": "在途", en: "In transit" });
    assert.ok(m.terminal.includes("completed"));
    assert.equal(Object.keys(m.moves).length, standardWorkflow.states.length);
  });
});
