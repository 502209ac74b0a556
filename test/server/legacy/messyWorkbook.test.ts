import assert from "node:assert/strict";
import { findHeaderRow, planImport } from "../../../server/domain/legacy/dryRun.js";
import { sheetScore } from "../../../server/domain/legacy/headers.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { readCsv, readXlsx } from "../../../server/legacy/readWorkbook.js";
import { buildMessyWorkbook, TRUTH } from "./messyWorkbook.js";
import { scoreRows } from "./score.js";

const NOW = new Date("2026-01-20T02:00:00Z");

describe("legacy import: the messy workbook", () => {
  it("dry-runs at least 95 % of its rows right, every row's outcome explained", async () => {
    const sheets = await readXlsx(await buildMessyWorkbook());
    assert.deepEqual(sheets.map((s) => s.name), ["订单登记", "汇总"]);
    const grid = [...sheets].sort((a, b) => sheetScore(b) - sheetScore(a))[0];
    assert.equal(grid.name, "订单登记", "the orders sheet, not the summary, is picked");
    assert.deepEqual(grid.hiddenColumns, [6]);
    const header = findHeaderRow(grid);
    assert.equal(header, 4, "header found below the merged title and the note line");
    const plan = planImport(grid, header!, { flow: standardWorkflow, phrases: [], timeZone: "Asia/Shanghai", now: NOW });
    const mapped = Object.fromEntries(plan.mapping.map((m) => [m.header, m.field]));
    assert.equal(mapped["手机"], "phone", "the hidden column is mapped too");
    assert.equal(mapped["快递单号"], "waybillNo");
    assert.equal(mapped["订单号"], "externalOrderId");
    for (const r of plan.rows) {
      assert.ok(r.reason.length > 0 && r.reasonZh.length > 0, `row ${r.row} has a reason in both languages`);
    }
    const { score, wrong } = scoreRows(TRUTH, plan.rows);
    assert.ok(score >= 0.95, `score ${(score * 100).toFixed(1)} % < 95 %:\n${wrong.join("\n")}`);
    assert.equal(plan.rows.length, TRUTH.length);
    assert.deepEqual(plan.unknownStatuses.map((u) => u.phrase), ["等客户回复"]);
  });

  it("scores a broken dry run below 95 % (the score can fail)", async () => {
    const sheets = await readXlsx(await buildMessyWorkbook());
    const plan = planImport(sheets[0], 4, { flow: standardWorkflow, phrases: [], timeZone: "UTC", now: NOW });
    const { score } = scoreRows(TRUTH, plan.rows);
    assert.ok(score < 0.95, `reading the dates in UTC instead of Asia/Shanghai must be caught (score ${score})`);
  });

  it("reads the same sheet as GBK CSV", () => {
    const csv = ["订单登记表,,,", "订单号,平台,金额,状态,下单时间", "A1,天猫,1元,已发,2026/1/5 14:30", '"A2",拼多多,"1,234.00元",付了,1月6日 8:00', "合计,,1235,,"].join("\r\n");
    const encoded = encodeGbk(csv);
    assert.notDeepEqual(encoded, Buffer.from(csv, "utf8"), "the bytes are GBK, not UTF-8");
    const [grid] = readCsv(encoded);
    const plan = planImport(grid, findHeaderRow(grid)!, { flow: standardWorkflow, phrases: [], timeZone: "Asia/Shanghai", now: NOW });
    assert.deepEqual(plan.rows.map((r) => [r.row, r.outcome, r.order?.totalAmount ?? null, r.order?.status ?? null]), [
      [3, "import", "1.00", "in_transit"],
      [4, "import", "1234.00", "paid"],
      [5, "skip", null, null],
    ]);
  });
});

/** GBK bytes of text (Node decodes GBK but does not encode it): built from a reverse table of the characters used. */
function encodeGbk(text: string): Buffer {
  const decoder = new TextDecoder("gbk");
  const table = new Map<string, number[]>();
  const wanted = new Set([...text].filter((c) => c.charCodeAt(0) > 127));
  for (let hi = 0x81; hi <= 0xfe && table.size < wanted.size; hi++) {
    for (let lo = 0x40; lo <= 0xfe; lo++) {
      const ch = decoder.decode(Buffer.from([hi, lo]));
      if (wanted.has(ch) && !table.has(ch)) table.set(ch, [hi, lo]);
    }
  }
  const bytes: number[] = [];
  for (const c of text) {
    if (c.charCodeAt(0) <= 127) bytes.push(c.charCodeAt(0));
    else {
      const b = table.get(c);
      if (!b) throw new Error(`no GBK code for ${c}`);
      bytes.push(...b);
    }
  }
  return Buffer.from(bytes);
}
