import assert from "node:assert/strict";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../helpers/testServer.js";
import { buildMessyWorkbook, TRUTH } from "../legacy/messyWorkbook.js";
import { scoreRows } from "../legacy/score.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

describeEachDatabase("POST /api/legacy/imports", ({ db }) => {
  let t: TestServer;
  let workbook: Buffer;
  before(async () => {
    t = await startTestServer(db(), {}, () => new Date("2026-01-20T02:00:00Z"));
    workbook = await buildMessyWorkbook();
  });
  after(() => t.close());

  const upload = async (body: Buffer | string, query: string, type = XLSX, token = t.adminToken) => {
    const res = await fetch(`${t.url}/api/legacy/imports${query}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": type }, body: typeof body === "string" ? body : new Uint8Array(body) });
    const text = await res.text();
    let parsed: any = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed };
  };

  it("dry-runs the messy workbook: every row explained, ≥ 95 % right, nothing written but the run", async () => {
    const res = await upload(workbook, "?dryRun=1");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.equal(res.body.sheet, "订单登记");
    assert.deepEqual(res.body.sheets, ["订单登记", "汇总"]);
    assert.equal(res.body.headerRow, 4);
    assert.deepEqual(res.body.hiddenColumns, [6]);
    const { score, wrong } = scoreRows(TRUTH, res.body.rows);
    assert.ok(score >= 0.95, `score ${(score * 100).toFixed(1)} %:\n${wrong.join("\n")}`);
    for (const r of res.body.rows) assert.ok(["import", "skip", "decide"].includes(r.outcome) && r.reason && r.reasonZh, `row ${r.row} explained`);
    const first = res.body.rows.find((r: any) => r.row === 5);
    assert.deepEqual(
      { channel: first.order.channel, totalAmount: first.order.totalAmount, status: first.order.status, phone: first.order.customer.phone },
      { channel: "tmall", totalAmount: "1234.00", status: "in_transit", phone: "13812345678" },
    );
    const orders = await t.call("GET", "/api/orders");
    assert.equal(orders.body.orders.length, 0, "a dry run writes no order");
    const runs = await t.call("GET", "/api/legacy/imports");
    assert.equal(runs.body.runs[0].id, res.body.runId);
    assert.equal(runs.body.runs[0].outcome, "planned");
    const run = await t.call("GET", `/api/legacy/imports/${res.body.runId}`);
    assert.equal(run.body.rows.length, TRUTH.length, "every row's outcome is kept");
    assert.equal(run.body.rows.find((r: any) => r.row === 32).code, "total_row");
  });

  it("learns a phrase the team adds: the unknown status becomes importable", async () => {
    const before = await upload(workbook, "?dryRun=1");
    const row = before.body.rows.find((r: any) => r.row === 24);
    assert.equal(row.outcome, "decide");
    assert.deepEqual(before.body.unknownStatuses.map((u: any) => u.phrase), ["等客户回复"]);
    const bad = await t.call("POST", "/api/legacy/status-phrases", { body: { phrases: [{ phrase: "等客户回复", state: "nonsense" }] } });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /phrases\.0\.state/);
    const added = await t.call("POST", "/api/legacy/status-phrases", { body: { phrases: [{ phrase: "等客户回复", state: "已支付待审单" }] } });
    assert.equal(added.status, 200, JSON.stringify(added.body));
    assert.ok(added.body.phrases.some((p: any) => p.phrase === "等客户回复" && p.state === "paid" && p.source === "workspace"));
    const after = await upload(workbook, "?dryRun=1");
    const again = after.body.rows.find((r: any) => r.row === 24);
    assert.equal(again.outcome, "import");
    assert.equal(again.order.status, "paid");
  });

  it("remembers a confirmed mapping for the workbook", async () => {
    const plan = await upload(workbook, "?dryRun=1");
    assert.equal(plan.body.mappingConfirmed, false);
    const mapping = Object.fromEntries(plan.body.mapping.map((m: any) => [m.header, m.field]));
    mapping["备注"] = null; // the team does not want notes imported
    const put = await t.call("PUT", `/api/legacy/mappings/${plan.body.fingerprint}`, { body: { sheet: "订单登记", headerRow: 4, mapping } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const next = await upload(workbook, "?dryRun=1");
    assert.equal(next.body.mappingConfirmed, true);
    assert.equal(next.body.mapping.find((m: any) => m.header === "备注").field, null);
    assert.equal(next.body.rows.find((r: any) => r.row === 10).order.extra.legacy.note, undefined);
    const twice = await t.call("PUT", `/api/legacy/mappings/${plan.body.fingerprint}`, { body: { sheet: "订单登记", headerRow: 4, mapping: { ...mapping, 备注: "amount" } } });
    assert.equal(twice.status, 400);
    assert.match(twice.body.error.message, /mapping\.(备注|金额)/);
    // Put it back so the import below sees the suggested mapping.
    await t.call("PUT", `/api/legacy/mappings/${plan.body.fingerprint}`, { body: { sheet: "订单登记", headerRow: 4, mapping: { ...mapping, 备注: "note" } } });
  });

  it("imports: orders created and walked to their sheet status through the engine; a second import changes nothing", async () => {
    const res = await upload(workbook, "");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const imported = res.body.rows.filter((r: any) => r.outcome === "import");
    assert.ok(imported.length >= 18);
    const byRow = new Map<number, any>(res.body.rows.map((r: any) => [r.row, r]));
    const expectStatus = async (row: number, status: string) => {
      const r = byRow.get(row)!;
      assert.ok(r.orderId, `row ${row} has an order: ${r.reason}`);
      const o = await t.call("GET", `/api/orders/${r.orderId}`);
      assert.equal(o.body.status, status, `row ${row}: ${r.reason}`);
      return o.body;
    };
    const shipped = await expectStatus(5, "in_transit");
    assert.equal(shipped.totalAmountMinor, 123400);
    assert.equal(shipped.waybillNo, "SF1400000001");
    // 付了 is paid; over 500 yuan the standard workflow routes it to manual review by itself.
    await expectStatus(8, "manual_review");
    assert.equal(byRow.get(8).why.code, "imported_moved_on");
    await expectStatus(14, "cancelled");
    await expectStatus(11, "signed");
    await expectStatus(30, "refunded");
    await expectStatus(10, "refund_requested");
    const history = await t.call("GET", `/api/orders/${byRow.get(5).orderId}/history`);
    assert.equal(history.status, 200);
    assert.ok(JSON.stringify(history.body).includes(`legacy:${res.body.runId}`), "the status was reached through audited events of this run");
    assert.ok(!/refund/.test(JSON.stringify(history.body)), "no fact the sheet does not state (a refund) was made up on the way");
    for (const r of imported) assert.ok(/^imported/.test(r.why.code), `row ${r.row}: ${r.reason}`);
    if (process.env.SHOW_LEGACY) console.log(imported.map((r: any) => `${r.row} ${r.why.code} ${r.reason}`).join("\n"));

    const again = await upload(workbook, "");
    const repeat = again.body.rows.filter((r: any) => r.outcome === "import");
    assert.ok(repeat.every((r: any) => r.why.code === "already_imported"), "nothing imported twice");
    const runs = await t.call("GET", "/api/legacy/imports");
    assert.equal(runs.body.runs[0].outcome, "imported");
  });

  it("refuses what it cannot read with a clear 400, naming the field, and keeps the upload for admins", async () => {
    const notXlsx = await upload("this is not a workbook", "?dryRun=1");
    assert.equal(notXlsx.status, 400);
    assert.match(notXlsx.body.error.message, /not an \.xlsx workbook/);
    const runs = await t.call("GET", "/api/legacy/imports");
    const failed = runs.body.runs[0];
    assert.equal(failed.outcome, "failed");
    const kept = await fetch(`${t.url}/api/legacy/imports/${failed.id}/upload`, { headers: { authorization: `Bearer ${t.adminToken}` } });
    assert.equal(kept.status, 200);
    assert.equal(await kept.text(), "this is not a workbook");
    const rejections = await t.call("GET", "/api/rejections");
    assert.ok(rejections.body.rejections[0].body.includes(failed.id), "the rejection log points at the kept upload");

    const type = await upload(workbook, "?dryRun=1", "application/pdf");
    assert.equal(type.status, 400);
    assert.match(type.body.error.message, /Content-Type/);
    const sheet = await upload(workbook, "?dryRun=1&sheet=二月");
    assert.equal(sheet.status, 400);
    assert.match(sheet.body.error.message, /^sheet: /);
    const summary = await upload(workbook, "?dryRun=1&sheet=汇总");
    assert.equal(summary.status, 400);
    assert.match(summary.body.error.message, /no header row/);
    const flag = await upload(workbook, "?dryRun=maybe");
    assert.equal(flag.status, 400);
    assert.match(flag.body.error.message, /dryRun/);
    const empty = await upload("", "?dryRun=1");
    assert.equal(empty.status, 400);
    assert.match(empty.body.error.message, /^body: /);
    const viewer = await t.token("kan.kan", "auditor");
    const forbidden = await upload(workbook, "?dryRun=1", XLSX, viewer);
    assert.equal(forbidden.status, 403);
  });

  it("takes CSV (GBK or UTF-8) and documents the route in OpenAPI", async () => {
    const csv = "订单号,平台,金额,状态,下单时间\r\nC-1,抖音小店,￥88,已发,2026-01-05 13:41\r\n";
    const res = await upload(Buffer.from(csv, "utf8"), "?dryRun=1", "text/csv; charset=utf-8");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.rows.map((r: any) => [r.row, r.outcome, r.order.totalAmount, r.order.placedAt]), [[2, "import", "88.00", "2026-01-05T05:41:00.000Z"]]);
    const doc = await t.call("GET", "/api/openapi.json");
    const op = doc.body.paths["/api/legacy/imports"].post;
    assert.ok(op.requestBody.content[XLSX] && op.requestBody.content["text/csv"]);
    assert.ok(doc.body.paths["/api/legacy/status-phrases"].post);
  });
});
