import assert from "node:assert/strict";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

describeEachDatabase("sheet edits API", function ({ db }) {
  let t: TestServer;
  let li: string;
  let wang: string;
  let n = 0;

  before(async function () {
    t = await startTestServer(db());
    li = await t.token("li.li", "customer_service");
    wang = await t.token("wang.ck", "warehouse");
  });
  after(async function () {
    await t?.close();
  });

  /** A paid order routed straight through to 已审单待打单 (version 2). */
  async function reviewedOrder(): Promise<string> {
    n += 1;
    const res = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(70_000 + n)] } });
    const id = res.body.results[0].id as string;
    const paid = await t.call("POST", "/api/events", { body: { events: [{ source: "connector:tmall", sourceEventId: `pay-${id}`, orderId: id, type: "payment.confirmed", data: {} }] } });
    assert.equal(paid.body.results[0].status, "reviewed");
    return id;
  }

  const edits = (list: unknown[], token: string) => t.call("POST", "/api/edits", { body: { edits: list }, token });

  it("saves a field edit with a new version and records it in the audit trail as the sheet user", async function () {
    const id = await reviewedOrder();
    const res = await edits([{ clientEditId: "f1", orderId: id, column: "waybillNo", baseVersion: 2, value: "SF1000000001" }], wang);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    assert.deepEqual(res.body.results[0], { clientEditId: "f1", orderId: id, column: "waybillNo", outcome: "saved", version: 3, value: "SF1000000001" });
    const history = (await t.call("GET", `/api/orders/${id}/history`)).body.entries;
    const e = history.at(-1);
    assert.equal(e.source, "sheet:wang.ck");
    assert.equal(e.field, "waybillNo");
    assert.equal(e.newValue, "SF1000000001");
  });

  it("turns status edits into workflow commands, accepting the zh-CN label from the dropdown", async function () {
    const id = await reviewedOrder();
    const res = await edits([{ clientEditId: "s1", orderId: id, column: "status", baseVersion: 2, value: "已打单未出库" }], wang);
    assert.equal(res.body.results[0].outcome, "saved", JSON.stringify(res.body));
    assert.equal(res.body.results[0].value, "printed");
    assert.equal(res.body.results[0].version, 3);
    const o = (await t.call("GET", `/api/orders/${id}`)).body;
    assert.equal(o.status, "printed");
  });

  it("treats a 3-cell paste of statuses as 3 edits, each answered on its own", async function () {
    const ids = [await reviewedOrder(), await reviewedOrder(), await reviewedOrder()];
    const res = await edits(
      ids.map((id, i) => ({ clientEditId: `paste-${i}`, orderId: id, column: "status", baseVersion: 2, value: i === 2 ? "已签收" : "已打单未出库" })),
      wang,
    );
    assert.deepEqual(res.body.results.map((r: any) => r.outcome), ["saved", "saved", "refused"]);
  });

  it("answers a stale edit with a conflict: the current value and who changed it first", async function () {
    const id = await reviewedOrder();
    const first = await edits([{ clientEditId: "c1", orderId: id, column: "region", baseVersion: 2, value: "华南" }], li);
    assert.equal(first.body.results[0].outcome, "saved");
    const zhao = await t.token("zhao.kf", "customer_service");
    const stale = await edits([{ clientEditId: "c2", orderId: id, column: "region", baseVersion: 2, value: "华北" }], zhao);
    const r = stale.body.results[0];
    assert.equal(r.outcome, "conflict", JSON.stringify(r));
    assert.equal(r.currentVersion, 3);
    assert.equal(r.changedBy, "li.li");
    assert.equal(r.currentValue, "华南");
    assert.match(r.reason, /li\.li changed region after version 2/);
    const staleStatus = await edits([{ clientEditId: "c3", orderId: id, column: "status", baseVersion: 2, value: "printed" }], wang);
    assert.equal(staleStatus.body.results[0].outcome, "conflict", JSON.stringify(staleStatus.body));
    assert.equal(staleStatus.body.results[0].changedBy, "li.li");
    assert.equal(staleStatus.body.results[0].currentValue, "reviewed");
  });

  it("saves an edit based on an older version when its own cell did not change since", async function () {
    const id = await reviewedOrder();
    await edits([{ clientEditId: "fld-1", orderId: id, column: "region", baseVersion: 2, value: "华南" }], li);
    // A carrier scan moves the order on meanwhile.
    const scan = await t.call("POST", "/api/events", { body: { events: [{ source: "wms:hz", sourceEventId: `print-${id}`, orderId: id, type: "wms.printed", data: {} }] } });
    assert.equal(scan.body.results[0].outcome, "applied", JSON.stringify(scan.body));
    const other = await edits([{ clientEditId: "fld-2", orderId: id, column: "warehouse", baseVersion: 2, value: "HZ-2" }], wang);
    assert.equal(other.body.results[0].outcome, "saved", JSON.stringify(other.body));
    assert.equal(other.body.results[0].version, 5);
    const remark = await edits([{ clientEditId: "fld-3", orderId: id, column: "remark", baseVersion: 3, value: "加急" }], wang);
    assert.equal(remark.body.results[0].outcome, "saved", JSON.stringify(remark.body));
    // The status, though, is where concurrent moves matter: a stale status edit still conflicts.
    const status = await edits([{ clientEditId: "fld-4", orderId: id, column: "status", baseVersion: 3, value: "cancelled" }], li);
    assert.equal(status.body.results[0].outcome, "conflict", JSON.stringify(status.body));
  });

  it("refuses a move the workflow does not allow, with the reason and the allowed statuses", async function () {
    const id = await reviewedOrder();
    const res = await edits([{ clientEditId: "r1", orderId: id, column: "status", baseVersion: 2, value: "signed" }], li);
    const r = res.body.results[0];
    assert.equal(r.outcome, "refused");
    assert.match(r.reason, /no transition leads/);
    assert.equal(r.currentValue, "reviewed");
    assert.ok(r.allowed.includes("cancelled"), JSON.stringify(r.allowed));
    const unknown = await edits([{ clientEditId: "r2", orderId: id, column: "status", baseVersion: 2, value: "发货了" }], li);
    assert.equal(unknown.body.results[0].outcome, "refused");
    assert.match(unknown.body.results[0].reason, /not a status of this workflow/);
  });

  it("refuses columns the role may not edit and values of the wrong shape", async function () {
    const id = await reviewedOrder();
    const res = await edits(
      [
        { clientEditId: "x1", orderId: id, column: "waybillNo", baseVersion: 2, value: "SF1" },
        { clientEditId: "x2", orderId: id, column: "region", baseVersion: 2, value: "华北" },
      ],
      wang,
    );
    assert.equal(res.body.results[0].outcome, "refused");
    assert.match(res.body.results[0].reason, /waybill number/);
    assert.equal(res.body.results[1].outcome, "refused");
    assert.match(res.body.results[1].reason, /role warehouse may not edit region/);
    const bad = await t.call("POST", "/api/edits", { body: { edits: [{ clientEditId: "x3", orderId: id, column: "totalAmount", baseVersion: 2, value: "1" }] }, token: li });
    assert.equal(bad.status, 400);
    assert.match(bad.body.error.message, /column/);
  });

  it("lets a row's field and status edits made together build on each other", async function () {
    const id = await reviewedOrder();
    const res = await edits(
      [
        { clientEditId: "m1", orderId: id, column: "waybillNo", baseVersion: 2, value: "YT2000000002" },
        { clientEditId: "m2", orderId: id, column: "carrier", baseVersion: 2, value: "YTO" },
        { clientEditId: "m3", orderId: id, column: "status", baseVersion: 2, value: "已打单未出库" },
      ],
      wang,
    );
    assert.deepEqual(res.body.results.map((r: any) => r.outcome), ["saved", "saved", "saved"], JSON.stringify(res.body));
    const o = (await t.call("GET", `/api/orders/${id}`)).body;
    assert.equal(o.waybillNo, "YT2000000002");
    assert.equal(o.carrier, "YTO");
  });

  it("makes a resend harmless: the same clientEditIds answer as before and apply once", async function () {
    const id = await reviewedOrder();
    const batch = [
      { clientEditId: "once-1", orderId: id, column: "remark", baseVersion: 2, value: "客户要求周末送货" },
      { clientEditId: "once-2", orderId: id, column: "status", baseVersion: 2, value: "已签收" },
      { clientEditId: "once-3", orderId: id, column: "status", baseVersion: 3, value: "已打单未出库" },
    ];
    const first = await edits(batch, li);
    assert.deepEqual(first.body.results.map((r: any) => r.outcome), ["saved", "refused", "refused"], JSON.stringify(first.body));
    const second = await edits(batch, li);
    assert.deepEqual(second.body.results, first.body.results);
    const o = (await t.call("GET", `/api/orders/${id}`)).body;
    assert.equal(o.version, 3);
    assert.equal(o.extra.remark, "客户要求周末送货");
    const remarks = (await t.call("GET", `/api/orders/${id}/history`)).body.entries.filter((e: any) => e.field === "extra.remark");
    assert.equal(remarks.length, 1);
  });

  it("refuses edits from read-only auditors", async function () {
    const auditor = await t.token("qian.sj", "auditor");
    const id = await reviewedOrder();
    const res = await edits([{ clientEditId: "a1", orderId: id, column: "remark", baseVersion: 2, value: "x" }], auditor);
    assert.equal(res.status, 403);
  });
});
