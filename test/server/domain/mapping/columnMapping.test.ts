import assert from "node:assert/strict";
import { cellText, mappingProblems, readTable, readTime, suggestMapping, type SheetTable } from "../../../../server/domain/mapping/columnMapping.js";

const TAOBAO = ["订单编号", "买家会员名", "买家实际支付金额", "订单状态", "收货人姓名", "联系手机", "订单创建时间", "订单付款时间", "物流单号", "物流公司", "宝贝标题", "宝贝总数量"];

describe("columnMapping", function () {
  it("suggests a mapping from a Taobao export's headers, each field once", function () {
    const m = suggestMapping(TAOBAO);
    assert.equal(m["订单编号"], "externalOrderId");
    assert.equal(m["买家实际支付金额"], "totalAmount");
    assert.equal(m["收货人姓名"], "customerName");
    assert.equal(m["买家会员名"], undefined, "customerName already taken by the first fitting header");
    assert.equal(m["订单付款时间"], "paidAt");
    assert.equal(m["物流单号"], "waybillNo");
    assert.equal(m["宝贝总数量"], "quantity");
    assert.deepEqual(mappingProblems(m, TAOBAO), []);
  });

  it("says what a mapping lacks or gets wrong for a file", function () {
    assert.deepEqual(mappingProblems({ 订单编号: "externalOrderId" }, ["订单编号"]), ["totalAmount: no column gives the order amount (totalAmount, unitPrice or lineAmount)"]);
    assert.match(mappingProblems({ 单号: "externalOrderId", 金额: "totalAmount" }, ["订单编号", "金额"]).join(), /单号: no such column/);
    assert.match(mappingProblems({ a: "totalAmount", b: "totalAmount", c: "externalOrderId" }, ["a", "b", "c"]).join(), /mapped from 2 columns/);
  });

  it("reads the text exports wrap long numbers in", function () {
    assert.equal(cellText('="3301234567890123"'), "3301234567890123");
    assert.equal(cellText("`3301234567890123\t"), "3301234567890123");
    assert.equal(cellText(" 张三 "), "张三");
  });

  it("reads wall-clock times in the file's zone and spreadsheet dates as wall clock", function () {
    assert.equal(readTime("2026-01-15 10:30:00", "Asia/Shanghai"), "2026-01-15T02:30:00.000Z");
    assert.equal(readTime("2026/1/5 8:05", "Asia/Shanghai"), "2026-01-05T00:05:00.000Z");
    assert.equal(readTime(new Date(Date.UTC(2026, 0, 15, 10, 30)), "Asia/Shanghai"), "2026-01-15T02:30:00.000Z");
    assert.equal(readTime("2026-07-01 12:00", "America/New_York"), "2026-07-01T16:00:00.000Z", "summer time");
    assert.equal(readTime("2026-02-30 10:00", "Asia/Shanghai"), null);
    assert.equal(readTime("yesterday", "Asia/Shanghai"), null);
  });

  it("makes one order of the rows sharing an order number, and names every unreadable row by line and column", function () {
    const table: SheetTable = {
      headerLine: 1,
      headers: ["订单编号", "实付款", "商品名称", "数量", "单价", "付款时间"],
      rows: [
        { line: 2, cells: ["A1", "¥1,299.00", "沙发", "1", "1000", "2026-01-15 10:00:00"] },
        { line: 3, cells: ["A1", "", "靠垫", "3", "99.67", ""] },
        { line: 4, cells: ["", "", "", "", "", ""] },
        { line: 5, cells: ["A2", "abc", "桌子", "1", "10", ""] },
        { line: 6, cells: ["A3", "10", "椅子", "1.5", "10", "明天"] },
      ],
    };
    const mapping = { 订单编号: "externalOrderId", 实付款: "totalAmount", 商品名称: "itemName", 数量: "quantity", 单价: "unitPrice", 付款时间: "paidAt" } as const;
    const { orders, problems } = readTable(table, mapping, { currency: "CNY", timeZone: "Asia/Shanghai" });
    assert.deepEqual(orders.map((o) => o.externalOrderId), ["A1"]);
    assert.equal(orders[0].totalAmount, 129_900);
    assert.deepEqual(orders[0].lines.map((l) => [l.name, l.quantity, l.unitPrice, l.amount]), [["沙发", 1, 100_000, 100_000], ["靠垫", 3, 9_967, 29_901]]);
    assert.equal(orders[0].paidAt, "2026-01-15T02:00:00.000Z");
    assert.deepEqual(
      problems.map((p) => `${p.line} ${p.column}`),
      ["5 实付款", "6 数量", "6 付款时间"],
    );
    assert.match(problems[0].reason, /"abc"/);
  });
});
