import assert from "node:assert/strict";
import type { Browser, BrowserContext, Page, Request } from "playwright-core";
import { buildAddin } from "../../../addin/build/buildAddin.js";
import { COL, columnLetter, headerRow } from "../../../addin/core/columns.js";
import { t } from "../../../addin/core/i18n.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";
import { launchChromium } from "./chromium.js";
import { fakeOfficeBundle } from "./fakeOfficeBundle.js";
import { missingRequirements, unsupportedHostText } from "../../../addin/core/hostSupport.js";
import type { WorkflowDefinition } from "../../../server/contracts/workflow.js";
import { nextStatuses } from "../../../server/domain/workflow/nextStatuses.js";


type Cell = string | number | boolean;

/** An order whose cells Excel would mangle if written untyped: a 19-digit platform ID, a long waybill, text that looks like formulas. */
const TRICKY = {
  externalOrderId: "4020123456789012345",
  waybillNo: "773012345678901234",
  customer: { name: "+86 138 0013 8000", phone: "+86 13800138000", id: "C1" },
  extra: { remark: "=HYPERLINK(\"http://x\")" },
};


/** Sheet address of a data row's cell: data row 0 is sheet row 2 (under the header). */
function cellAddress(dataRow: number, col: number, rows = 1): string {
  const letter = columnLetter(col);
  return rows === 1 ? `${letter}${dataRow + 2}` : `${letter}${dataRow + 2}:${letter}${dataRow + 1 + rows}`;
}

describeEachDatabase("task pane end to end (headless Chromium, real server, test-only Excel host)", ({ db }) => {
  let ts: TestServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let csToken: string;
  let ids: string[];
  let fake: string;
  let alertsSheet = "预警";
  const editBodies: { edits: { orderId: string; column: string; value: unknown; clientEditId: string }[] }[] = [];

  const rows = (): Promise<Cell[][]> => page.evaluate(() => (window as any).__excel.rows());
  const rowOf = async (id: string): Promise<{ index: number; values: Cell[] }> => {
    const all = await rows();
    const index = all.findIndex((r) => r[COL.key] === id);
    assert.ok(index >= 0, `${id} is on the sheet`);
    return { index, values: all[index] };
  };
  const waitForCell = (id: string, col: number, test: string, mode: "equals" | "includes" = "equals") =>
    page.waitForFunction(
      ([id, col, test, mode]) => {
        const row = ((window as any).__excel.rows() as Cell[][]).find((r) => r[0] === id);
        const v = String(row?.[col as number] ?? "");
        return mode === "equals" ? v === test : v.includes(test as string);
      },
      [id, col, test, mode] as const,
      { timeout: 15_000 },
    );
  const edit = (address: string, values: Cell[][]) => page.evaluate(([a, v]) => (window as any).__excel.edit(a, v), [address, values] as const);
  const order = async (id: string) => {
    const body = (await ts.call("GET", `/api/orders/${id}`)).body as { version: number; status: string; extra: { remark?: string } };
    return { ...body, remark: body.extra.remark };
  };

  before(async function () {
    this.timeout(120_000);
    [fake] = await Promise.all([fakeOfficeBundle(), buildAddin()]);
    ts = await startTestServer(db());
    csToken = await ts.token("小王", "customer_service");
    const created = await ts.call("POST", "/api/orders", { body: { orders: Array.from({ length: 8 }, (_, i) => sampleOrder(i + 1, { region: `区${i + 1}`, ...(i === 0 ? TRICKY : {}) })) } });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    ids = (created.body.results as { id: string }[]).map((r) => r.id);
    browser = await launchChromium();
    context = await browser.newContext({ locale: "zh-CN" });
    // The one test-only piece: the Excel host. Everything else is what the server serves.
    await context.route("**/office-js/office.js", (route) => route.fulfill({ status: 200, contentType: "application/javascript", body: fake }));
    page = await context.newPage();
    page.on("request", (req: Request) => {
      if (req.method() === "POST" && req.url().endsWith("/api/edits")) editBodies.push(JSON.parse(req.postData() ?? "{}"));
    });
    page.on("pageerror", (err) => console.error("page error:", err));
  });

  after(async function () {
    await browser?.close();
    await ts?.close();
  });

  it("serves the pane from the server, connects with URL and token, and loads the view into an Orders table", async function () {
    this.timeout(60_000);
    const res = await page.goto(`${ts.url}/addin/taskpane.html`);
    assert.equal(res?.status(), 200);
    assert.equal(await page.textContent("h1"), "订单表", "zh-CN by default");
    // A workbook never connected starts with the address the pane was served from: the first
    // connect needs only the token, and its requests stay on the pane's own origin.
    assert.equal(await page.inputValue("#server-url"), ts.url);
    await page.fill("#token", csToken);
    await page.click("#connect");
    await page.waitForSelector("#connection.ok");
    assert.match((await page.textContent("#connection")) ?? "", /小王/);
    assert.equal(await page.isChecked("#auto-sync"), true);
    await page.click("#load");
    await page.waitForFunction(() => document.querySelector("#progress-text")?.textContent?.startsWith("完成"));
    assert.equal(await page.textContent("#progress-text"), "完成：新增 8 行，更新 0 行，移出视图 0 行");

    const sheetNames: string[] = await page.evaluate(() => (window as any).__excel.sheetNames());
    assert.deepEqual([...sheetNames].sort(), ["冲突", "列表", "订单", "预警"].sort(), "sheets named in the workbook's language");
    const markers: { name: string; sheet: string; visible: boolean }[] = await page.evaluate(() => (window as any).__excel.names());
    assert.deepEqual(markers.map((m) => [m.name, m.sheet, m.visible]).sort(), [["_ordersheet_alerts", "预警", false], ["_ordersheet_conflicts", "冲突", false], ["_ordersheet_lists", "列表", false], ["_ordersheet_orders", "订单", false]], "each marked by a hidden name");
    assert.deepEqual(await page.evaluate(() => (window as any).__excel.header()), headerRow("zh-CN"));
    const all = await rows();
    assert.deepEqual(all.map((r) => r[COL.key]).sort(), [...ids].sort(), "one row per order, keyed by the hidden ID column");
    const first = await rowOf(ids[0]);
    assert.equal(first.values[COL.version], "1");
    assert.equal(first.values[COL.status], "待支付", "status shown as its label");
    const lists: Cell[][] = await page.evaluate(() => (window as any).__excel.sheetRows("列表", 3, 1));
    assert.deepEqual(lists.map((r) => r[0]), ["待支付", "已支付待审单", "人工审单"], "the dropdown's list lives on the Lists sheet");
  });

  it("writes typed cells: the amount a number with a currency format, times Shanghai serials, long IDs and +86 text never numbers or formulas", async function () {
    this.timeout(30_000);
    const { index } = await rowOf(ids[0]);
    const cell = (col: number) => page.evaluate(([r, c]) => (window as any).__excel.cell(r, c), [index, col] as const);
    assert.deepEqual(await cell(COL.amount), { value: 199.9, type: "number", format: "¥#,##0.00", formula: null }, "金额 is a number SUM can add");
    // placedAt 2026-01-15T02:00Z is 10:00 in Shanghai: the serial of that wall-clock time.
    const placed = await cell(COL.placedAt);
    assert.deepEqual({ ...placed, value: undefined }, { value: undefined, type: "number", format: "yyyy-mm-dd hh:mm", formula: null });
    const serial = Date.UTC(2026, 0, 15, 10) / 86_400_000 + 25_569; // Excel keeps 15 digits of it
    assert.ok(Math.abs(placed.value - serial) < 1e-9, `${placed.value} is the serial of 2026-01-15 10:00`);
    const updated = await cell(COL.updatedAt);
    assert.equal(updated.type, "number");
    assert.equal(updated.format, "yyyy-mm-dd hh:mm");
    assert.deepEqual(await cell(COL.externalOrderId), { value: "4020123456789012345", type: "string", format: "@", formula: null }, "all 19 digits kept");
    assert.deepEqual(await cell(COL.waybillNo), { value: "773012345678901234", type: "string", format: "@", formula: null });
    assert.deepEqual(await cell(COL.customer), { value: "+86 138 0013 8000", type: "string", format: "@", formula: null }, "a +86 phone is not a formula");
    assert.deepEqual(await cell(COL.remark), { value: '=HYPERLINK("http://x")', type: "string", format: "@", formula: null });
    assert.deepEqual(await cell(COL.version), { value: "1", type: "string", format: "@", formula: null });

    // Typing over the amount (a system column) is refused and the number comes back, typed.
    await edit(cellAddress(index, COL.amount), [["250"]]);
    await waitForCell(ids[0], COL.sync, "系统列", "includes");
    await page.waitForFunction(([r, c]) => (window as any).__excel.cell(r, c).value === 199.9, [index, COL.amount] as const);
    assert.deepEqual(await cell(COL.amount), { value: 199.9, type: "number", format: "¥#,##0.00", formula: null });
  });

  it("offers in each row's status dropdown only the moves the workflow allows this role from that row's status, and follows the server's moves", async function () {
    this.timeout(30_000);
    const flow = (await ts.call("GET", "/api/workflow")).body.definition as WorkflowDefinition;
    const label = (code: string) => flow.states.find((s) => s.code === code)!.labels["zh-CN"];
    const expected = (code: string) => [code, ...nextStatuses(flow, code, "customer_service")].map(label);
    const target = ids[1];
    const { index } = await rowOf(target);
    const dropdown = (): Promise<Cell[]> => page.evaluate(([r, c]) => (window as any).__excel.dropdown(r, c), [index, COL.status] as const);
    const before = await dropdown();
    assert.deepEqual(before, expected("pending_payment"));
    const served = (await ts.call("GET", "/api/workflow/moves", { token: csToken })).body.moves as Record<string, string[]>;
    assert.deepEqual(before, ["pending_payment", ...served.pending_payment].map(label), "the server's own moves for this role");
    assert.ok(before.length < flow.states.length, `not every status is offered: ${before.join("、")}`);
    assert.ok(!before.includes("已签收"), "an impossible move cannot be picked");

    // The server moves the order (a supervisor marks it paid; the workflow routes it on).
    const v = (await order(target)).version;
    const moved = await ts.call("POST", "/api/edits", { body: { edits: [{ clientEditId: "srv-move", orderId: target, column: "status", baseVersion: v, value: "paid" }] } });
    assert.equal(moved.body.results[0].outcome, "saved", JSON.stringify(moved.body));
    const now = (await order(target)).status;
    await waitForCell(target, COL.status, label(now));
    const after = await dropdown();
    assert.deepEqual(after, expected(now), `the list of ${now}`);
    assert.notDeepEqual(after, before, "the row's list changed with its status");
  });

  it("after the user sorts the table, a server update is written into the row holding that order", async function () {
    this.timeout(30_000);
    await page.evaluate((col) => (window as any).__excel.sortBy(col, true), COL.region);
    const sorted = await rows();
    const target = ids[2];
    const at = sorted.findIndex((r) => r[COL.key] === target);
    assert.notEqual(at, 2, "the sort moved the row away from where it was loaded");
    const v = (await order(target)).version;
    const res = await ts.call("POST", "/api/edits", { body: { edits: [{ clientEditId: "srv-1", orderId: target, column: "remark", baseVersion: v, value: "仓库来电" }] } });
    assert.equal(res.body.results[0].outcome, "saved", JSON.stringify(res.body));

    await waitForCell(target, COL.remark, "仓库来电");
    const after = await rows();
    assert.equal(after[at][COL.key], target, "the row stayed where the sort put it");
    assert.equal(after[at][COL.version], String(v + 1));
    after.forEach((row, i) => {
      if (i !== at) assert.deepEqual(row, sorted[i], `row ${i} (${row[COL.key]}) is untouched`);
    });
  });

  it("turns a 3-cell paste of statuses into 3 edits and shows each saved", async function () {
    this.timeout(30_000);
    const sheet = await rows();
    const three = sheet.slice(0, 3).map((r) => String(r[COL.key]));
    editBodies.length = 0;
    await edit(cellAddress(0, COL.status, 3), [["已取消"], ["已取消"], ["已取消"]]);
    for (const id of three) await waitForCell(id, COL.sync, "已保存");

    const sent = editBodies.flatMap((b) => b.edits);
    assert.equal(sent.length, 3, JSON.stringify(editBodies));
    assert.deepEqual(sent.map((e) => e.orderId).sort(), [...three].sort());
    assert.ok(sent.every((e) => e.column === "status" && e.value === "cancelled"));
    for (const id of three) {
      assert.equal((await order(id)).status, "cancelled");
      await waitForCell(id, COL.status, "已取消");
    }
  });

  it("shows a stale edit as a conflict in the cell, the pane and the Conflicts sheet; keep mine resolves it", async function () {
    this.timeout(30_000);
    await page.uncheck("#auto-sync"); // stop following the feed: the sheet keeps the old version
    const target = (await rows())[4][COL.key] as string;
    const before = await order(target);
    const other = await ts.call("POST", "/api/edits", { body: { edits: [{ clientEditId: "srv-2", orderId: target, column: "remark", baseVersion: before.version, value: "主管改的" }] } });
    assert.equal(other.body.results[0].outcome, "saved");

    const { index } = await rowOf(target);
    await edit(cellAddress(index, COL.remark), [["我改的"]]);
    await waitForCell(target, COL.sync, "冲突", "includes");
    await waitForCell(target, COL.remark, "主管改的"); // the server's value is back in the cell
    await page.waitForSelector("#conflicts li");
    const entry = (await page.textContent("#conflicts li a")) ?? "";
    assert.match(entry, new RegExp(target));
    assert.match(entry, /我的「我改的」，服务器「主管改的」（admin 修改）/);
    assert.doesNotMatch(entry.replace(/admin|TM\d+-\d+/g, ""), /[A-Za-z]{3,}/, `the conflict is worded in Chinese, not the server's English sentence: ${entry}`);
    const conflictSheet: Cell[][] = await page.evaluate(() => (window as any).__excel.sheetRows("冲突", 2, 7));
    assert.deepEqual(conflictSheet[1].slice(0, 5), [target, "备注", "我改的", "主管改的", "admin"]);

    await page.click("#conflicts li a");
    await page.waitForFunction(() => (window as any).__excel.selected() !== "");
    assert.equal(await page.evaluate(() => (window as any).__excel.selected()), `订单!${cellAddress(index, COL.remark)}`, "clicking the conflict selects its cell");

    await page.click("#conflicts li button[data-action=keep]");
    await waitForCell(target, COL.sync, "已保存");
    await page.waitForSelector("#conflicts li", { state: "detached" });
    const now = await order(target);
    assert.equal(now.remark, "我改的");
    assert.equal(now.version, before.version + 2);
  });

  it("shows why a status move was refused, which statuses are allowed, and the server's status again", async function () {
    this.timeout(30_000);
    const target = (await rows())[5][COL.key] as string;
    const { index } = await rowOf(target);
    const before = await order(target);
    await edit(cellAddress(index, COL.status), [["已签收"]]);
    await waitForCell(target, COL.sync, "已拒绝", "includes");
    const { values } = await rowOf(target);
    assert.equal(values[COL.status], "待支付", "the refused status is replaced by the server's");
    assert.match(String(values[COL.sync]), /可改为：.*已取消/);
    assert.match(String(values[COL.sync]), /^已拒绝：.*「待支付」.*「已签收」/, "worded from the refusal's code and parameters");
    assert.doesNotMatch(String(values[COL.sync]), /[A-Za-z]{3,}/, `no English left in the Chinese sheet: ${values[COL.sync]}`);
    assert.equal((await order(target)).version, before.version, "nothing changed on the server");

    // The pane keeps the whole reason: a details entry names the order, the column and the value,
    // and clicking it selects the refused cell.
    await page.waitForSelector("#refusals li");
    const detail = (await page.textContent("#refusals li")) ?? "";
    assert.match(detail, new RegExp(`^订单 ${target} · 状态「已签收」：已拒绝：.*可改为：.*已取消`));
    assert.equal(await page.isHidden("#refusals-none"), true);
    await page.evaluate(() => (window as any).__excel.selectOn("订单", "A1"));
    await page.click("#refusals li a");
    await page.waitForFunction((addr) => (window as any).__excel.selected() === addr, `订单!${cellAddress(index, COL.status)}`);
    await page.click("#refusals-clear");
    await page.waitForSelector("#refusals li", { state: "detached" });
    assert.equal(await page.isVisible("#refusals-none"), true);
  });

  it("keeps an offline edit through a pane reload and delivers it exactly once, even after a lost answer", async function () {
    this.timeout(60_000);
    const target = (await rows())[6][COL.key] as string;
    const before = await order(target);
    // First the server is unreachable: the edit is queued, persisted, and survives a reload.
    await page.route("**/api/edits", (route) => route.abort("internetdisconnected"));
    const { index } = await rowOf(target);
    await edit(cellAddress(index, COL.remark), [["离线时改的"]]);
    await page.waitForFunction(() => document.querySelector("#online")?.textContent === "离线：1 条修改等待发送");
    await page.reload();
    await page.waitForSelector("#connection.ok"); // reconnects with the URL and token remembered for this workbook
    await page.waitForFunction(() => document.querySelector("#online")?.textContent === "离线：1 条修改等待发送");
    assert.equal((await order(target)).version, before.version);

    // Then the request reaches the server but its answer is lost on the way back.
    await page.unroute("**/api/edits");
    let sends = 0;
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/api/edits", async (route) => {
      if (sends++ === 0) {
        await route.fetch(); // the server applies the edit ...
        return route.abort("connectionreset"); // ... and the pane never hears back
      }
      await released; // later sends wait until the state in between was checked
      return route.continue();
    });
    await page.click("#sync");
    await page.waitForFunction(() => document.querySelector("#error")?.hasAttribute("hidden") === false);
    assert.equal((await order(target)).version, before.version + 1, "applied once by the first send");
    assert.match((await rowOf(target)).values[COL.sync] as string, /待同步/, "the pane still counts the edit as unsent");

    // Back online: the resend is recognised by its clientEditId and has no second effect.
    release();
    await page.click("#sync");
    await waitForCell(target, COL.sync, "已保存");
    await page.waitForFunction(() => document.querySelector("#online")?.textContent === "在线");
    const after = await order(target);
    assert.equal(after.remark, "离线时改的");
    assert.equal(after.version, before.version + 1, "the resend changed nothing more");
    assert.ok(sends >= 2, `sent ${sends} times`);
    await page.unroute("**/api/edits");
  });

  it("lists a new alert in the pane and the Alerts sheet, colours its row, selects the coloured cell on click, and counts it in the overview, one click from filtering the sheet to it", async function () {
    this.timeout(30_000);
    // Staff renamed the alerts sheet: the pane finds it by its hidden marker, not by name.
    await page.evaluate(() => (window as any).__excel.renameSheet("预警", "今日预警"));
    alertsSheet = "今日预警";
    await page.check("#auto-sync");
    const target = (await rows())[7][COL.key] as string;
    const res = await ts.call("POST", "/api/events", { body: { events: [{ source: "finance:erp", sourceEventId: `ar-${target}`, orderId: target, type: "finance.receivable", data: { amount: 19000 } }] } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    await page.waitForSelector(`#alerts li[data-order="${target}"]`);
    // The alert reads in the staff's language: the server's Chinese text when it has one
    // (the feed brings the alert; its bilingual text follows from the alert list).
    const served = (await ts.call("GET", `/api/alerts?orderId=${target}`)).body.alerts[0] as { message: string; messages?: { "zh-CN": string } };
    const zhText = served.messages?.["zh-CN"] ?? served.message;
    await page.waitForFunction(([id, text]) => (document.querySelector(`#alerts li[data-order="${id}"] span`)?.textContent ?? "").endsWith(text), [target, zhText] as const, { timeout: 10_000 });
    await waitForCell(target, COL.status, "财务差异暂停");
    const { index } = await rowOf(target);
    await page.waitForFunction(([r, c]) => (window as any).__excel.fill(r, c) === "#FFC7CE", [index, COL.orderId] as const);
    const alertSheet: Cell[][] = await page.evaluate((name) => (window as any).__excel.sheetRows(name, 2, 4), alertsSheet);
    assert.deepEqual(alertSheet[0], ["订单号", "级别", "内容", "时间"]);
    assert.deepEqual(alertSheet[1].slice(0, 2), [target, "红色预警"]);
    await page.click(`#alerts li[data-order="${target}"] span`);
    await page.waitForFunction((a) => (window as any).__excel.selected() === a, `订单!${cellAddress(index, COL.orderId)}`);
    // The overview counts it, and one click filters the sheet to the rows with alerts.
    await page.waitForFunction(() => document.querySelector('#overview [data-kind="alerts"]')?.textContent === "预警 1");
    await page.click('#overview [data-kind="alerts"]');
    await page.waitForFunction((id) => JSON.stringify((window as any).__excel.visibleKeys()) === JSON.stringify([id]), target);
    assert.match((await page.textContent('#overview [data-kind="conflicts"]')) ?? "", /^冲突 \d+$/);
    assert.match((await page.textContent('#overview [data-kind="late"]')) ?? "", /^红\/橙 SLA \d+$/);
    await page.click('#overview [data-kind="all"]');
    await page.waitForFunction(() => (window as any).__excel.visibleKeys().length === 8);
  });

  it("closes an alert from the pane: the server keeps who closed it, the list, the Alerts sheet and the row colour clear", async function () {
    this.timeout(30_000);
    const target = (await rows())[7][COL.key] as string;
    const button = `#alerts li[data-order="${target}"] button[data-action="close"]`;
    await page.waitForSelector(button);
    assert.equal(await page.textContent(button), "关闭");
    await page.click(button);
    await page.waitForSelector(`#alerts li[data-order="${target}"]`, { state: "detached" });
    const ended = (await ts.call("GET", `/api/alerts?open=false&orderId=${target}`)).body.alerts;
    assert.equal(ended.length, 1, JSON.stringify(ended));
    assert.equal(ended[0].clearReason, "closed");
    assert.equal(ended[0].clearedBy, "小王");
    const { index } = await rowOf(target);
    await page.waitForFunction(([r, c]) => !(window as any).__excel.fill(r, c), [index, COL.orderId] as const);
    const alertSheet: Cell[][] = await page.evaluate((name) => (window as any).__excel.sheetRows(name, 2, 4), alertsSheet);
    assert.ok(!alertSheet.slice(1).some((r) => r[0] === target), JSON.stringify(alertSheet));
    await page.waitForFunction((id) => document.querySelector("#progress-text")?.textContent === `已关闭 ${id} 的预警`, target);
  });

  it("loads a narrower view by taking the rows of other orders off the table, and a wider one brings them back", async function () {
    this.timeout(30_000);
    const loadView = async (region: string) => {
      await page.fill("#f-region", region);
      await page.click("#load");
      await page.waitForFunction(() => document.querySelector("#progress-text")?.textContent?.startsWith("完成"));
      return page.textContent("#progress-text");
    };
    await page.evaluate(() => (document.querySelector("#progress-text")!.textContent = ""));
    const narrowed = await loadView("区3");
    assert.deepEqual((await rows()).map((r) => r[COL.key]), [ids[2]], "only the order of 区3 is left");
    assert.equal(narrowed, "完成：新增 0 行，更新 0 行，移出视图 7 行");
    await page.evaluate(() => (document.querySelector("#progress-text")!.textContent = ""));
    await loadView("");
    assert.deepEqual((await rows()).map((r) => r[COL.key]).sort(), [...ids].sort(), "every order is back, once");
    // Rows are still found by key after the deletions: a server change lands in the right row.
    const target = ids[5];
    const v = (await order(target)).version;
    const res = await ts.call("POST", "/api/edits", { body: { edits: [{ clientEditId: "srv-view", orderId: target, column: "remark", baseVersion: v, value: "视图之后" }] } });
    assert.equal(res.body.results[0].outcome, "saved", JSON.stringify(res.body));
    await waitForCell(target, COL.remark, "视图之后");
  });

  it("counts a view before loading it, finds an order by its platform ID, counts read rows against the total, cancels a slow load, and goes back to idle", async function () {
    this.timeout(60_000);
    const progressTexts: string[] = [];
    await page.exposeFunction("__progressSeen", (text: string) => progressTexts.push(text)).catch(() => undefined);
    await page.evaluate(() => {
      const node = document.querySelector("#progress-text")!;
      new MutationObserver(() => (window as any).__progressSeen(node.textContent ?? "")).observe(node, { childList: true, characterData: true, subtree: true });
    });
    // How many orders a view holds, before loading it.
    await page.fill("#f-q", "4020123456789012345");
    await page.click("#count");
    await page.waitForFunction(() => /此视图有|出错/.test((document.querySelector("#progress-text")?.textContent ?? "") + (document.querySelector("#error")?.hasAttribute("hidden") ? "" : "出错")), undefined, { timeout: 10_000 });
    assert.equal(await page.textContent("#progress-text"), "此视图有 1 个订单", (await page.textContent("#error-text")) ?? "");
    assert.equal(await page.isHidden("#progress"), true, "no bar when nothing runs");
    await page.click("#load");
    await page.waitForFunction(() => document.querySelector("#progress-text")?.textContent?.startsWith("完成"));
    assert.deepEqual((await rows()).map((r) => r[COL.key]), [ids[0]], "found by its platform order ID");
    assert.ok(progressTexts.includes("正在加载：已读取 1/1 行"), progressTexts.join(" | "));
    assert.equal(await page.isHidden("#progress"), true, "back to idle after writing: no bar left on screen");
    assert.equal(await page.isHidden("#cancel"), true);

    // A slow load is cancelled: the sheet stays as it was.
    await page.fill("#f-q", "");
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route("**/api/orders?*", async (route) => {
      await held;
      await route.continue().catch(() => undefined);
    });
    await page.click("#load");
    await page.waitForSelector("#cancel", { state: "visible" });
    await page.waitForFunction(() => document.querySelector("#progress-text")?.textContent === "正在加载：已读取 0/8 行");
    await page.click("#cancel");
    await page.waitForFunction(() => document.querySelector("#progress-text")?.textContent?.startsWith("已取消加载"));
    release();
    await page.unroute("**/api/orders?*");
    assert.equal(await page.textContent("#progress-text"), "已取消加载（已读取 0/8 行），表格未改动");
    assert.equal(await page.isHidden("#progress"), true);
    assert.deepEqual((await rows()).map((r) => r[COL.key]), [ids[0]], "the sheet was not changed");

    // The whole view again; "mine" is the orders this user changed.
    const mineTotal = (await ts.call("GET", "/api/orders/count?mine=1", { token: csToken })).body.total as number;
    await page.check("#f-mine");
    await page.click("#count");
    await page.waitForFunction((n) => document.querySelector("#progress-text")?.textContent === `此视图有 ${n} 个订单`, mineTotal);
    await page.uncheck("#f-mine");
    await page.click("#load");
    await page.waitForFunction(() => document.querySelector("#progress-text")?.textContent?.startsWith("完成"));
    assert.equal((await rows()).length, 8);
  });

  it("catches an edit no change event reported by reading the editable columns back, and sends it", async function () {
    this.timeout(30_000);
    const target = ids[3];
    const { index } = await rowOf(target);
    const before = await order(target);
    await page.evaluate(([a, v]) => (window as any).__excel.editSilently(a, v), [cellAddress(index, COL.remark), [["拖动填充的备注"]]] as const);
    await page.click("#sync"); // a manual sync reads back first; the periodic read does the same every minute
    await waitForCell(target, COL.sync, "已保存");
    const after = await order(target);
    assert.equal(after.remark, "拖动填充的备注");
    assert.equal(after.version, before.version + 1);
    // Read back again: nothing more to send.
    editBodies.length = 0;
    await page.click("#sync");
    await page.waitForTimeout(300);
    assert.deepEqual(editBodies, []);
  });

  it("resolves the conflicts of the rows selected on the Conflicts sheet with one button", async function () {
    this.timeout(30_000);
    await page.uncheck("#auto-sync"); // the sheet keeps the old versions: both edits meet a conflict
    const targets = [ids[4], ids[6]];
    for (const [i, target] of targets.entries()) {
      const v = (await order(target)).version;
      const other = await ts.call("POST", "/api/edits", { body: { edits: [{ clientEditId: `srv-sel-${i}`, orderId: target, column: "remark", baseVersion: v, value: `主管改的 ${i}` }] } });
      assert.equal(other.body.results[0].outcome, "saved");
      const { index } = await rowOf(target);
      await edit(cellAddress(index, COL.remark), [[`我改的 ${i}`]]);
      await waitForCell(target, COL.sync, "冲突", "includes");
    }
    await page.waitForFunction(() => document.querySelectorAll("#conflicts li").length === 2);
    const sheet: Cell[][] = await page.evaluate(() => (window as any).__excel.sheetRows("冲突", 3, 7));
    assert.deepEqual(sheet.slice(1).map((r) => r[0]).sort(), [...targets].sort());
    await page.evaluate(() => (window as any).__excel.selectOn("冲突", "B2:C3")); // any cells of both rows
    await page.click("#conflicts-take-selected");
    await page.waitForSelector("#conflicts li", { state: "detached" });
    for (const [i, target] of targets.entries()) {
      await waitForCell(target, COL.remark, `主管改的 ${i}`);
      assert.equal((await order(target)).remark, `主管改的 ${i}`, "the server's value stands");
    }
    // The server's record of each conflict ends too: taken by the clerk, not left open.
    for (const target of targets) {
      let ended: any[] = [];
      for (let tries = 0; tries < 50; tries++) {
        const open = (await ts.call("GET", `/api/conflicts?orderId=${target}`)).body.conflicts;
        ended = (await ts.call("GET", `/api/conflicts?orderId=${target}&open=false`)).body.conflicts;
        if (open.length === 0) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.deepEqual((await ts.call("GET", `/api/conflicts?orderId=${target}`)).body.conflicts, [], `no open conflict left on the server for ${target}`);
      assert.ok(ended.some((c) => c.resolution === "took_server" && c.resolvedBy === "小王"), JSON.stringify(ended));
    }
    await page.check("#auto-sync");
  });

  it("follows the server's access policy: after an admin takes a column from the role, the next load says so and an edit of it is refused in the sheet without asking the server", async function () {
    this.timeout(30_000);
    const original = (await ts.call("GET", "/api/access/policy")).body.policy;
    const changed = structuredClone(original);
    changed.roles.customer_service.editableColumns = ["status", "remark"];
    assert.equal((await ts.call("PUT", "/api/access/policy", { body: changed })).status, 200);
    try {
      assert.match((await page.textContent("#connection")) ?? "", /你可以修改：状态、地区、标签、备注/, "the columns as they were on connecting");
      const atConnect: number[] = await page.evaluate(() => (window as any).__excel.shadedColumns());
      assert.ok(atConnect.includes(COL.warehouse) && !atConnect.includes(COL.region), `customer service could edit the region, not the warehouse: ${atConnect}`);
      await page.click("#load");
      await page.waitForFunction(() => document.querySelector("#connection")?.textContent?.includes("你可以修改：状态、备注"));
      const shaded: number[] = await page.evaluate(() => (window as any).__excel.shadedColumns());
      assert.ok(shaded.includes(COL.region) && shaded.includes(COL.tags) && shaded.includes(COL.warehouse), `the columns taken away are shaded: ${shaded}`);
      assert.ok(!shaded.includes(COL.status) && !shaded.includes(COL.remark), "the columns left to edit are not");
      const target = ids[1];
      const { index, values } = await rowOf(target);
      const before = await order(target);
      editBodies.length = 0;
      await edit(cellAddress(index, COL.region), [["区九"]]);
      await waitForCell(target, COL.sync, "你的角色（客服专员）不能修改「地区」；你可以修改：状态、备注", "includes");
      await waitForCell(target, COL.region, String(values[COL.region]));
      assert.deepEqual(editBodies, [], "nothing was sent");
      assert.equal((await order(target)).version, before.version);
    } finally {
      assert.equal((await ts.call("PUT", "/api/access/policy", { body: original })).status, 200);
    }
    await page.click("#load");
    await page.waitForFunction(() => document.querySelector("#connection")?.textContent?.includes("你可以修改：状态、地区、标签、备注"));
    const restored: number[] = await page.evaluate(() => (window as any).__excel.shadedColumns());
    assert.ok(!restored.includes(COL.region) && !restored.includes(COL.tags), `the shading goes when the policy gives the columns back: ${restored}`);
  });

  it("tells staff on a host older than ExcelApi 1.14 that this Excel is too old, and touches no sheet", async function () {
    this.timeout(30_000);
    const old = await context.newPage();
    try {
      await old.goto(`${ts.url}/addin/taskpane.html?fakeExcelApi=1.13`);
      await old.waitForFunction(() => document.querySelector("#error")?.hasAttribute("hidden") === false);
      const said = (await old.textContent("#error-text")) ?? "";
      assert.equal(said, unsupportedHostText(missingRequirements((v) => Number(v.split(".")[1]) <= 13)));
      assert.match(said, /缺少订单表需要的功能：ExcelApi 1\.14（区分加载项自己的写入和你的修改）/, "what is missing, in Chinese");
      assert.match(said, /WPS 表格不能运行订单表；请改用 Microsoft 365/, "and what to use instead");
      assert.match(said, /lacks what Ordersheet needs: ExcelApi 1\.14 \(telling the add-in's own writes from your edits\)/, "and in English");
      assert.equal(await old.isVisible("#view-section"), false);
      assert.deepEqual(await old.evaluate(() => (window as any).__excel.sheetNames()), [], "no sheet was created");
    } finally {
      await old.close();
    }
  });

  it("says in plain words when the token is refused, and switches the pane and sheet to English", async function () {
    this.timeout(30_000);
    await page.selectOption("#lang", "en");
    await page.waitForFunction(() => document.querySelector("h1")?.textContent === "Ordersheet");
    assert.deepEqual(await page.evaluate(() => (window as any).__excel.header()), headerRow("en"));
    const sheetNames: string[] = await page.evaluate(() => (window as any).__excel.sheetNames());
    assert.deepEqual([...sheetNames].sort(), ["Conflicts", "Lists", "Orders", "今日预警"], "sheets still under their Chinese default names follow the language; a name staff chose stays");
    assert.match((await page.textContent("#connection")) ?? "", /^Connected: 小王 \(customer service\)/, "the connection line follows the language, with the role's name");
    const syncCells = (await rows()).map((r) => String(r[COL.sync])).filter(Boolean);
    assert.ok(syncCells.length > 0, "some Sync cells were written");
    assert.deepEqual(syncCells.filter((text) => /[\u4e00-\u9fff]/.test(text.replace(/「[^」]*」|"[^"]*"/g, ""))), [], "Sync cells already written are re-worded in English");
    assert.ok(syncCells.some((text) => text.startsWith("Refused:") || text === "Saved"), syncCells.join(" | "));
    await page.fill("#token", "not-a-token");
    await page.click("#connect");
    await page.waitForFunction(() => document.querySelector("#error")?.hasAttribute("hidden") === false);
    assert.equal(await page.textContent("#error-text"), "The server does not accept this access token (revoked or mistyped); ask your admin for a new one.");
  });
});
