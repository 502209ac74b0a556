import assert from "node:assert/strict";
import { findHeaderRow, headerFingerprint, matchHeader, suggestMapping } from "../../../../server/domain/legacy/headers.js";
import { phraseTable } from "../../../../server/domain/legacy/statusPhrases.js";
import { nextStepToward, passedThrough } from "../../../../server/domain/legacy/statusWalk.js";
import { furnitureWorkflow, standardWorkflow } from "../../../../server/domain/workflow/templates.js";

describe("legacy headers, status phrases and the status walk", () => {
  it("maps Chinese and English headers with a confidence; a duplicate claim is left for a person", () => {
    const m = suggestMapping(["序号", "订单号", "平台", "下单时间", "客户姓名", "手机", "收货地址", "商品", "数量", "实付金额(元)", "状态", "快递", "快递单号", "备注", "经办人", "Order ID"]);
    const f = Object.fromEntries(m.map((c) => [c.header, [c.field, c.confidence]]));
    assert.deepEqual(f["订单号"], ["externalOrderId", 1]);
    assert.deepEqual(f["实付金额(元)"], ["amount", 0.9]);
    assert.deepEqual(f["快递"], ["carrier", 0.9]);
    assert.deepEqual(f["快递单号"], ["waybillNo", 1]);
    assert.deepEqual(f["Order ID"], [null, 0.3], "a second order-number column is not guessed");
    assert.equal(matchHeader("收货人手机")?.field, "phone");
    assert.equal(matchHeader("2026年1月订单登记表（客服部）"), null);
    assert.equal(headerFingerprint(["订单号", "金额"]), headerFingerprint([" 订单号", "金额 "]));
    assert.notEqual(headerFingerprint(["订单号", "金额"]), headerFingerprint(["金额", "订单号"]));
  });

  it("finds the header row below a title and a note line", () => {
    const grid = {
      name: "s",
      hiddenColumns: [],
      rows: [["2026年1月订单"], ["说明：金额、状态、订单号请如实填写（不填的找小王问清楚再写）"], [], ["订单号", "金额", "状态", "备注"], ["A1", "1", "已发", ""]],
    };
    assert.equal(findHeaderRow(grid), 4);
    assert.equal(findHeaderRow({ name: "x", hiddenColumns: [], rows: [["平台", "订单数", "金额"]] }), null, "two order columns are not a header");
  });

  it("maps free-text statuses to states of either template, with suggestions for unknown phrases and the team's own phrases first", () => {
    const std = phraseTable(standardWorkflow, []);
    const get = (t: ReturnType<typeof phraseTable>, v: string) => {
      const r = t.lookup(v);
      return r.ok ? r.state : `!${r.code}`;
    };
    for (const [phrase, state] of [["已发", "in_transit"], ["发货了", "in_transit"], ["Shipped", "in_transit"], ["付了", "paid"], ["出库了", "outbound_no_waybill"], ["退款中", "refund_requested"], ["已取消", "cancelled"], ["在途", "in_transit"]]) {
      assert.equal(get(std, phrase), state, phrase);
    }
    const furn = phraseTable(furnitureWorkflow, []);
    for (const [phrase, state] of [["已发", "line_haul"], ["付了", "payment_succeeded"], ["签收", "signed"], ["完成", "settled"], ["板材出库", "boards_outbound"], ["退款中", "!status_not_in_workflow"]]) {
      assert.equal(get(furn, phrase), state, `furniture ${phrase}`);
    }
    const unknown = std.lookup("发货中");
    assert.equal(unknown.ok, false);
    assert.equal(!unknown.ok && unknown.suggestions[0]?.state, "in_transit", "suggests the closest known phrase's state");
    const own = phraseTable(standardWorkflow, [{ phrase: "发货中", state: "printed" }, { phrase: "已发", state: "waybill_uploaded" }]);
    assert.equal(get(own, "发货中"), "printed");
    assert.equal(get(own, "已发"), "waybill_uploaded", "the team's phrase replaces the shipped one");
    assert.equal(get(std, ""), "!status_missing");
  });

  it("walks toward a status by the events that report the sheet's facts, skipping what the sheet does not state", () => {
    const facts = { carrier: "SF", waybillNo: "SF1", placedAt: "2026-01-05T06:30:00.000Z", statusText: "已发" };
    const now = new Date("2026-01-20T00:00:00Z");
    assert.deepEqual(nextStepToward(standardWorkflow, "pending_payment", "in_transit", facts, "admin", new Set(), now), {
      transition: "pay", to: "paid", type: "payment.confirmed", data: { paidAt: facts.placedAt },
    });
    const fromReviewed = nextStepToward(standardWorkflow, "reviewed", "in_transit", facts, "admin", new Set(), now);
    assert.ok(fromReviewed && ["waybill.assigned", "wms.printed"].includes(fromReviewed.type), "an automatic move that could have happened already is not waited for");
    assert.notEqual(nextStepToward(standardWorkflow, "pending_payment", "in_transit", facts, "admin", new Set(["pending_payment\u0000pay", "pending_payment\u0000pay_offline"]), now)?.to, "refund_requested", "no detour through a refund the sheet does not state");
    const noWaybill = nextStepToward(standardWorkflow, "reviewed", "in_transit", { ...facts, waybillNo: null }, "admin", new Set(), now);
    assert.notEqual(noWaybill?.type, "waybill.assigned", "no waybill is invented");
    assert.equal(nextStepToward(standardWorkflow, "manual_review", "reviewed", facts, "warehouse", new Set(), now), null, "a role without the manual move gets no step");
    assert.equal(nextStepToward(furnitureWorkflow, "payment_succeeded", "risk_approved", facts, "admin", new Set(), now)?.type, "milestone");
    assert.ok(passedThrough(standardWorkflow, "paid", "manual_review"));
    assert.ok(!passedThrough(standardWorkflow, "paid", "signed"), "signing is never automatic");
  });
});
