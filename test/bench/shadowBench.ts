import ExcelJS from "exceljs";
import pino from "pino";
import type { Database } from "../../server/db/createKnex.js";
import { startServer } from "../../server/main.js";
import { testConfig } from "../helpers/testServer.js";
import type { BenchResult } from "./importBench.js";

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
const PLATFORMS = ["天猫", "tmall", "抖音小店", "拼多多", "小程序", "京东", "淘宝", "TM"];
const MONEY = (n: number) => [`¥${(100 + (n % 900)).toLocaleString("en-US")}.00`, `${100 + (n % 900)}元`, `￥${100 + (n % 900)}`, 100 + (n % 900) + 0.5][n % 4];
const DATE = (n: number) => [`2026/1/${1 + (n % 28)} 14:30`, `2026-01-${String(1 + (n % 28)).padStart(2, "0")} 13:41`, `1月${1 + (n % 28)}日 19:16`][n % 3];
const STATUS = ["已发", "付了", "发货了", "已签收", "取消", "待发货", "出库了", "shipped"];
const CARRIERS = ["顺丰", "中通", "圆通快递", "SF", "韵达"];

/** A 50,000-row hand-kept sheet in the shape of the messy test workbook (title, note, Chinese headers, mixed formats, totals). */
async function buildSheet(rows: number): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  const ws = wb.addWorksheet("订单登记");
  ws.getCell("A1").value = "2026年1月 订单登记表";
  ws.mergeCells("A1:O1");
  ws.getCell("A2").value = "说明：金额含运费";
  const headers = ["序号", "订单号", "平台", "下单时间", "客户姓名", "手机", "收货地址", "商品", "数量", "金额", "状态", "快递公司", "快递单号", "备注", "经办人"];
  headers.forEach((h, j) => (ws.getRow(4).getCell(j + 1).value = h));
  for (let n = 0; n < rows; n++) {
    const status = STATUS[n % STATUS.length];
    const shipped = ["已发", "发货了", "已签收", "shipped"].includes(status);
    ws.addRow([
      n + 1, `L${String(n).padStart(8, "0")}`, PLATFORMS[n % PLATFORMS.length], DATE(n), `客户${n}`, `+86 138 ${String(n % 10000).padStart(4, "0")} 5678`, `浙江省杭州市西湖区文三路${n % 500}号`,
      ["餐桌", "餐椅", "书架", "衣柜"][n % 4], `${1 + (n % 3)}件`, MONEY(n), status, shipped ? CARRIERS[n % CARRIERS.length] : "", shipped ? `WB${n}` : "", "", ["小王", "小李", "小张"][n % 3],
    ]);
  }
  ws.addRow(["合计"]);
  ws.getColumn(6).hidden = true;
  return Buffer.from(await wb.xlsx.writeBuffer());
}

/**
 * `--only shadow`: a 50,000-row legacy sheet dry-run and imported through
 * `POST /api/legacy/imports` (goal < 30 s each), beside a plain exceljs parse of the same
 * file (load and read every cell) as the baseline.
 */
export async function shadowBench(db: Database, opts: { rows: number }): Promise<BenchResult[]> {
  const bytes = await buildSheet(opts.rows);
  const t0 = performance.now();
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load(bytes as unknown as ArrayBuffer);
  let cells = 0;
  wb.worksheets[0].eachRow((row) => row.eachCell(() => cells++));
  const parse = (performance.now() - t0) / 1000;

  const config = testConfig();
  const server = await startServer(config, { db, logger: pino({ level: "silent" }) });
  const post = async (query: string) => {
    const start = performance.now();
    const res = await fetch(`${server.url}/api/legacy/imports${query}`, { method: "POST", headers: { authorization: `Bearer ${config.adminToken}`, "content-type": XLSX }, body: new Uint8Array(bytes) });
    const json = (await res.json()) as { counts?: Record<string, number>; rows?: { why: { code: string } }[] };
    const seconds = (performance.now() - start) / 1000;
    if (res.status !== 200 || !json.counts) throw new Error(`POST /api/legacy/imports${query} failed: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
    const codes = new Map<string, number>();
    for (const r of json.rows ?? []) codes.set(r.why.code, (codes.get(r.why.code) ?? 0) + 1);
    return { seconds, counts: json.counts, codes };
  };
  try {
    console.log(`  (parse ${parse.toFixed(2)} s)`);
    const dry = await post("?dryRun=1");
    console.log(`  (dry run ${dry.seconds.toFixed(2)} s)`);
    const imported = await post("");
    const fmt = (m: Map<string, number>) => [...m].map(([k, v]) => `${k} ${v.toLocaleString("en-US")}`).join(", ");
    return [
      { name: `plain exceljs parse of the same ${(bytes.length / 2 ** 20).toFixed(1)} MiB file (load, read ${cells.toLocaleString("en-US")} cells)`, value: Number(parse.toFixed(2)), unit: "s" },
      { name: `dry run of ${opts.rows.toLocaleString("en-US")} rows via POST /api/legacy/imports?dryRun=1`, value: Number(dry.seconds.toFixed(2)), unit: "s", note: `goal < 30 s; ${(dry.seconds / parse).toFixed(1)}× the parse; ${fmt(dry.codes)}` },
      { name: `import of ${opts.rows.toLocaleString("en-US")} rows (orders, then each walked to its sheet status through the engine)`, value: Number(imported.seconds.toFixed(2)), unit: "s", note: `goal < 30 s; ${(imported.seconds / parse).toFixed(1)}× the parse; ${fmt(imported.codes)}` },
    ];
  } finally {
    await server.close();
  }
}
