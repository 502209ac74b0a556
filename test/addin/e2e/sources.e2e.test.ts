import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { buildAddin } from "../../../addin/build/buildAddin.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../helpers/testServer.js";
import { launchChromium } from "./chromium.js";
import { fakeOfficeBundle } from "./fakeOfficeBundle.js";

const HEADER = "订单编号,买家实际支付金额,订单状态,收货人姓名,联系手机,订单创建时间,订单付款时间,物流公司,物流单号,宝贝标题,宝贝总数量";
const MAPPING = {
  订单编号: "externalOrderId", 买家实际支付金额: "totalAmount", 订单状态: "status", 收货人姓名: "customerName", 联系手机: "customerPhone",
  订单创建时间: "placedAt", 订单付款时间: "paidAt", 物流公司: "carrier", 物流单号: "waybillNo", 宝贝标题: "itemName", 宝贝总数量: "quantity",
};

/**
 * The 数据源 page in the task pane (issue 10): a supervisor opens it and sees each data source's
 * state and counts, with a status the platform sent that no table maps, at a glance; customer
 * service is told in words that the page is not for their role.
 */
describeEachDatabase("task pane 数据源 page (headless Chromium, real server)", ({ db }) => {
  let ts: TestServer;
  let browser: Browser;
  let context: BrowserContext;

  before(async function () {
    this.timeout(120_000);
    const [fake] = await Promise.all([fakeOfficeBundle(), buildAddin()]);
    ts = await startTestServer(db());
    const created = await ts.call("POST", "/api/connectors", { body: { kind: "filedrop", name: "淘宝导出", config: { channel: "taobao", platform: "taobao", mapping: MAPPING } } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const csv = [HEADER, "FD9001,199.00,WAIT_SELLER_SEND_GOODS,张三,13800000001,2026-01-15 10:00:00,2026-01-15 10:05:00,,,保温杯,2", "FD9002,88.50,SOMETHING_NEW,李四,13800000002,2026-01-15 11:00:00,,,,杯套,1"].join("\r\n") + "\r\n";
    const up = await fetch(`${ts.url}/api/connectors/${created.body.id}/files?name=export.csv`, {
      method: "POST",
      headers: { authorization: `Bearer ${ts.adminToken}`, "content-type": "text/csv; charset=utf-8" },
      body: new Uint8Array(Buffer.from(csv, "utf8")),
    });
    assert.equal(up.status, 200, await up.text());
    browser = await launchChromium();
    context = await browser.newContext({ locale: "zh-CN" });
    await context.route("**/office-js/office.js", (route) => route.fulfill({ status: 200, contentType: "application/javascript", body: fake }));
  });

  after(async function () {
    await browser?.close();
    await ts?.close();
  });

  async function connectedPane(token: string): Promise<Page> {
    const page = await context.newPage();
    page.on("pageerror", (err) => console.error("page error:", err));
    await page.goto(`${ts.url}/addin/taskpane.html`);
    await page.fill("#server-url", ts.url);
    await page.fill("#token", token);
    await page.click("#connect");
    await page.waitForSelector("#connection.ok");
    return page;
  }

  it("shows a supervisor each data source with its state, counts and the unmapped status, and words it again in English", async function () {
    this.timeout(60_000);
    const page = await connectedPane(await ts.token("主管老李", "supervisor"));
    await page.click("#sources-section summary");
    await page.waitForSelector("#sources li");
    const entry = (await page.textContent("#sources li")) ?? "";
    assert.match(entry, /淘宝导出（filedrop）/);
    assert.match(entry, /未映射 1/);
    assert.match(entry, /未映射状态：.*SOMETHING_NEW（1 次）/);
    assert.equal(await page.textContent("#sources-note"), "1 个数据源需要处理");

    await page.selectOption("#lang", "en");
    await page.click("#sources-refresh");
    await page.waitForFunction(() => document.querySelector("#sources-note")?.textContent === "1 data source(s) need attention");
    assert.match((await page.textContent("#sources li")) ?? "", /Unmapped status: .*SOMETHING_NEW \(1 times\)/);
    assert.equal(await page.textContent("#sources-section summary"), "Data sources");
    await page.close();
  });

  it("tells customer service in words that the page is for admins, supervisors and auditors", async function () {
    this.timeout(60_000);
    const page = await connectedPane(await ts.token("客服小王", "customer_service"));
    await page.click("#sources-section summary");
    await page.waitForFunction(() => document.querySelector("#sources-note")?.textContent?.includes("只有管理员"));
    assert.equal(await page.locator("#sources li").count(), 0);
    await page.close();
  });
});
