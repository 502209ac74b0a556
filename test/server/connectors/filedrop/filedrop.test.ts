import assert from "node:assert/strict";
import ExcelJS from "exceljs";
import iconv from "iconv-lite";
import { describeEachDatabase } from "../../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../../helpers/testServer.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const HEADER = "订单编号,买家实际支付金额,订单状态,收货人姓名,联系手机,订单创建时间,订单付款时间,物流公司,物流单号,宝贝标题,宝贝总数量";
const MAPPING = {
  订单编号: "externalOrderId", 买家实际支付金额: "totalAmount", 订单状态: "status", 收货人姓名: "customerName", 联系手机: "customerPhone",
  订单创建时间: "placedAt", 订单付款时间: "paidAt", 物流公司: "carrier", 物流单号: "waybillNo", 宝贝标题: "itemName", 宝贝总数量: "quantity",
};

/** A Taobao-style export as Taobao writes it: GBK, ids wrapped in ="…" so Excel keeps them text. */
function taobaoCsv(rows: string[]): Buffer {
  return iconv.encode([HEADER, ...rows].join("\r\n") + "\r\n", "gbk");
}

/**
 * File drop through the real server: a shop's export uploaded through the API, read with the
 * instance's saved mapping, imported through the same door as a pull (orders, events in the
 * inbox); a re-upload imports nothing twice; one unreadable row refuses the whole file, named
 * by line, and the file is kept for admins.
 */
describeEachDatabase("File drop", ({ db }) => {
  let t: TestServer;
  before(async function () {
    t = await startTestServer(db(), {});
  });
  after(async function () {
    await t?.close();
  });

  let seq = 0;
  async function addFiledrop(config: Record<string, unknown> = {}): Promise<string> {
    seq += 1;
    const res = await t.call("POST", "/api/connectors", { body: { kind: "filedrop", name: `drop-${seq}`, config: { channel: "taobao", platform: "taobao", mapping: MAPPING, ...config } } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id;
  }

  async function upload(id: string, bytes: Buffer, type = "text/csv", name = "export.csv"): Promise<{ status: number; body: any }> {
    const res = await fetch(`${t.url}/api/connectors/${id}/files?name=${encodeURIComponent(name)}`, { method: "POST", headers: { authorization: `Bearer ${t.adminToken}`, "content-type": type }, body: new Uint8Array(bytes) });
    return { status: res.status, body: await res.json() };
  }

  const taobaoOrders = (ids: string[]) => db().knex("orders").where("channel", "taobao").whereIn("external_order_id", ids).orderBy("external_order_id").select("id", "external_order_id", "total_amount", "waybill_no", "status", "paid_at", "placed_at");
  const inbox = (id: string) => db().knex("events_inbox").where("source", `connector:${id}`).orderBy("source_event_id").select("source_event_id", "type", "outcome");

  it("validates the saved mapping with zod: an unknown order field is refused naming the header", async function () {
    const res = await t.call("POST", "/api/connectors", { body: { kind: "filedrop", name: "bad-map", config: { channel: "taobao", mapping: { 订单编号: "orderNumber" } } } });
    assert.equal(res.status, 400);
    assert.match(res.body.error.message, /config\.mapping\.订单编号: must be one of: externalOrderId/);
  });

  it("suggests a mapping from a GBK export's headers", async function () {
    const id = await addFiledrop({ mapping: {} });
    const res = await fetch(`${t.url}/api/connectors/${id}/files/suggestion`, { method: "POST", headers: { authorization: `Bearer ${t.adminToken}`, "content-type": "text/csv" }, body: new Uint8Array(taobaoCsv([])) });
    const body = await res.json();
    assert.equal(res.status, 200, JSON.stringify(body));
    assert.equal(body.encoding, "gbk");
    assert.deepEqual(body.headers, HEADER.split(","));
    assert.deepEqual(body.suggested, MAPPING);
    assert.match(body.problems.join(), /externalOrderId: no column/);
  });

  it("imports a GBK CSV export into orders and events; the same file again imports nothing twice", async function () {
    const id = await addFiledrop();
    const file = taobaoCsv([
      '="FD1001",199.00,WAIT_SELLER_SEND_GOODS,张三,="13800000001",2026-01-15 10:00:00,2026-01-15 10:05:00,顺丰,SF123450001,保温杯,2',
      '="FD1002",88.50,WAIT_BUYER_PAY,李四,="13800000002",2026-01-15 11:00:00,,,,杯套,1',
      '="FD1003",1299,TRADE_CLOSED,王五,,2026/1/16 9:00,,,,"沙发, 三人位",1',
    ]);
    const res = await upload(id, file);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual([res.body.outcome, res.body.rows, res.body.orders, res.body.created], ["imported", 3, 3, 3]);
    const orders = await taobaoOrders(["FD1001", "FD1002", "FD1003"]);
    assert.deepEqual(orders.map((o) => [o.external_order_id, Number(o.total_amount)]), [["FD1001", 19_900], ["FD1002", 8_850], ["FD1003", 129_900]]);
    assert.equal(orders[0].waybill_no, "SF123450001");
    assert.equal(new Date(orders[0].paid_at).toISOString(), "2026-01-15T02:05:00.000Z", "Beijing wall clock read as such");
    assert.equal(orders[2].status, "cancelled");
    const events = await inbox(id);
    assert.deepEqual(events.map((e) => `${e.source_event_id} ${e.type}`), [
      "filedrop:taobao:FD1001:paid payment.confirmed",
      "filedrop:taobao:FD1001:waybill:SF123450001 waybill.assigned",
      "filedrop:taobao:FD1003:status:TRADE_CLOSED order.cancelled",
    ]);

    const again = await upload(id, file, "text/csv", "export-again.csv");
    assert.equal(again.status, 200, JSON.stringify(again.body));
    assert.equal(again.body.created, 0);
    assert.deepEqual(await inbox(id), events, "no event entered twice");
    const audit = await db().knex("audit_log").where("source", `connector:${id}`).where("action", "created").count<{ count: number }[]>("* as count");
    assert.equal(Number(audit[0].count), 3, "each order created once");
    const files = await t.call("GET", `/api/connectors/${id}/files`);
    assert.deepEqual(files.body.files.map((f: any) => f.outcome), ["imported", "imported"]);
  });

  it("refuses a file with an unreadable row, naming its line and column; nothing of it is imported and the file is kept for admins", async function () {
    const id = await addFiledrop();
    const file = taobaoCsv([
      '="FD2001",10.00,WAIT_BUYER_PAY,甲,,2026-01-15 10:00:00,,,,a,1',
      '="FD2002",10.00,WAIT_BUYER_PAY,乙,,2026-01-15 10:00:00,,,,"line break\ninside",1',
      '="FD2003",十元,WAIT_BUYER_PAY,丙,,2026-01-15 10:00:00,,,,c,1',
      '="FD2004",10.00,WAIT_BUYER_PAY,丁,,2026-13-45 10:00:00,,,,d,1',
    ]);
    const res = await upload(id, file);
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error.message, /未导入任何数据/);
    assert.match(res.body.error.message, /line 5 \(买家实际支付金额\): amount "十元"/, "line 5: the header is line 1 and a quoted line break makes FD2002 span lines 3–4");
    assert.match(res.body.error.message, /line 6 \(订单创建时间\)/);
    assert.deepEqual(res.body.error.details.problems.map((p: any) => p.line), [5, 6]);
    assert.deepEqual(await taobaoOrders(["FD2001", "FD2002", "FD2003", "FD2004"]), [], "nothing half-imported");
    const files = (await t.call("GET", `/api/connectors/${id}/files`)).body.files;
    assert.equal(files.length, 1);
    assert.equal(files[0].outcome, "refused");
    assert.equal(files[0].problems.length, 2);
    const kept = await fetch(`${t.url}/api/connectors/${id}/files/${files[0].id}/content`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    assert.deepEqual(Buffer.from(await kept.arrayBuffer()), file, "the very bytes are kept");
    const cs = await t.token("cs.fd", "customer_service");
    const denied = await fetch(`${t.url}/api/connectors/${id}/files`, { method: "POST", headers: { authorization: `Bearer ${cs}`, "content-type": "text/csv" }, body: new Uint8Array(file) });
    assert.equal(denied.status, 403);
  });

  it("imports an .xlsx export (dates, numbers, multi-line orders) and keeps an unmapped status with an alert", async function () {
    const id = await addFiledrop({ mapping: { 订单号: "externalOrderId", 商品: "itemName", 数量: "quantity", 单价: "unitPrice", 下单时间: "placedAt", 状态: "status" } });
    const wb = new ExcelJS.Workbook();
    const ws = wb.addWorksheet("订单");
    ws.addRow(["订单导出 2026-01"]);
    ws.addRow(["订单号", "商品", "数量", "单价", "下单时间", "状态"]);
    ws.addRow(["FD3001", "桌子", 1, 300, new Date(Date.UTC(2026, 0, 15, 10, 0)), "WAIT_SELLER_SEND_GOODS"]);
    ws.addRow(["FD3001", "椅子", 4, 50.5, new Date(Date.UTC(2026, 0, 15, 10, 0)), "WAIT_SELLER_SEND_GOODS"]);
    ws.addRow(["FD3002", "柜子", 1, 800, new Date(Date.UTC(2026, 0, 16, 9, 30)), "LAYAWAY"]);
    const bytes = Buffer.from(await wb.xlsx.writeBuffer());
    const res = await upload(id, bytes, XLSX, "orders.xlsx");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual([res.body.orders, res.body.created, res.body.unmapped], [2, 2, 1]);
    const orders = await taobaoOrders(["FD3001", "FD3002"]);
    assert.equal(Number(orders[0].total_amount), 50_200, "300 + 4 × 50.50");
    assert.equal(new Date(orders[0].placed_at).toISOString(), "2026-01-15T02:00:00.000Z");
    const lines = await db().knex("order_lines").where("order_id", orders[0].id).orderBy("line_no").select("name", "quantity");
    assert.deepEqual(lines.map((l) => [l.name, Number(l.quantity)]), [["桌子", 1], ["椅子", 4]]);
    const health = (await t.call("GET", `/api/connectors/${id}/health`)).body;
    assert.deepEqual(health.unmappedStatuses.map((u: any) => `${u.field}=${u.value}`), ["status=LAYAWAY"]);
    const alerts = (await t.call("GET", `/api/alerts?orderId=${orders[1].id}`)).body.alerts;
    assert.ok(alerts.some((a: any) => a.source === "connector" && /LAYAWAY/.test(a.message)), JSON.stringify(alerts));
  });
});
