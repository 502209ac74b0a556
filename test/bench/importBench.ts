import pino from "pino";
import { testConfig } from "../helpers/testServer.js";
import { startServer } from "../../server/main.js";
import { lineToRow, orderToRow } from "../../server/db/orderRows.js";
import { toNewOrders } from "../../server/http/orderView.js";
import { OrderInput } from "../../server/contracts/orders.js";
import type { Order } from "../../server/domain/order.js";
import type { Database } from "../../server/db/createKnex.js";
import { median, rawQuery, valuesInsert } from "./benchDb.js";
import { LINE_WRITE_COLUMNS, ORDER_WRITE_COLUMNS } from "../../server/db/bulkInsert.js";

/** One measured figure. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

/** `count` import rows (3 lines each) with external IDs unique to `round`. */
export function makeRows(round: number, count: number, offset: number) {
  return Array.from({ length: count }, (_, i) => {
    const n = offset + i;
    return {
      channel: "tmall",
      externalOrderId: `B${round}-${n}`,
      customer: { id: `C${n % 5000}`, name: `客户${n}`, phone: "13800000000" },
      totalAmount: "299.70",
      region: ["华东", "华南", "华北", "西南"][n % 4],
      warehouse: `WH${n % 17}`,
      tags: n % 10 === 0 ? ["618"] : [],
      placedAt: "2026-06-18T02:00:00Z",
      lines: [
        { sku: `SKU-${n % 300}`, name: "保温杯", quantity: 1, unitPrice: "99.90" },
        { sku: `SKU-${(n + 1) % 300}`, name: "杯套", quantity: 1, unitPrice: "99.90" },
        { sku: `SKU-${(n + 2) % 300}`, name: "杯刷", quantity: 1, unitPrice: "99.90" },
      ],
    };
  });
}

const ORDER_COLUMNS = ORDER_WRITE_COLUMNS.map(([n]) => n);
const LINE_COLUMNS = LINE_WRITE_COLUMNS.map(([n]) => n);
const AUDIT_COLUMNS = ["workspace_id", "order_id", "order_version", "at", "actor", "source", "action", "field", "old_value", "new_value", "prev_hash", "hash"];
const CHANGE_COLUMNS = ["workspace_id", "kind", "order_id", "order_version", "data", "at"];

/** The rows an import of `inputs` writes, with server-side fields filled in as the server would. */
function rawRows(inputs: ReturnType<typeof makeRows>, idPrefix: string) {
  const drafts = toNewOrders(inputs.map((r) => OrderInput.parse(r)));
  const now = new Date().toISOString();
  const orders: Order[] = drafts.map((d, k) => ({
    ...d,
    id: `${idPrefix}-${String(k + 1).padStart(5, "0")}`,
    workspaceId: "default",
    status: "pending_payment",
    workflowVersion: 1,
    version: 1,
    paidAt: null,
    outboundAt: null,
    statusSince: now,
    createdAt: now,
    updatedAt: now,
  }));
  const hash = "0".repeat(64);
  return {
    orders: orders.map((o) => orderToRow(o, hash)),
    lines: orders.flatMap((o) => (o.lines ?? []).map((l) => lineToRow("default", o.id, l))),
    audit: orders.map((o) => ({ workspace_id: "default", order_id: o.id, order_version: 1, at: now, actor: "admin", source: "api:import", action: "created", field: "status", old_value: null, new_value: o.status, prev_hash: null, hash })),
    changes: orders.map((o) => ({ workspace_id: "default", kind: "order.created", order_id: o.id, order_version: 1, data: { status: o.status, channel: o.channel, externalOrderId: o.externalOrderId }, at: now })),
  };
}

/**
 * Batch import through the real HTTP API (batches of 1,000 orders × 3 lines) against raw
 * multi-row INSERTs of the same rows into the same tables (same indexes, same constraints,
 * one transaction per 1,000 orders, statements sent straight on the driver), interleaved
 * per round. The strict baseline writes only the orders and lines; a second one adds the
 * audit and feed rows the import also writes.
 */
export async function importBench(db: Database, opts: { orders: number; rounds: number }): Promise<BenchResult[]> {
  const config = testConfig({ bodyLimitBytes: 64 * 1024 * 1024 });
  const server = await startServer(config, { db, logger: pino({ level: "silent" }) });
  const url = `http://127.0.0.1:${server.port}/api/orders`;
  const headers = { authorization: `Bearer ${config.adminToken}`, "content-type": "application/json" };
  const batch = 1000;
  const apiRates: number[] = [];
  const rawRates: number[] = [];
  const rawAllRates: number[] = [];
  const raw = async (round: number, tag: string, withTrail: boolean): Promise<number> => {
    let elapsed = 0;
    for (let i = 0; i < opts.orders; i += batch) {
      const rows = rawRows(makeRows(1000 * (withTrail ? 2 : 1) + round, Math.min(batch, opts.orders - i), i), `${tag}${round}x${i}`);
      const start = performance.now();
      await db.knex.transaction(async (trx) => {
        const run = (q: { sql: string; params: unknown[] }) => rawQuery(trx, q.sql, q.params);
        await run(valuesInsert("orders", ORDER_COLUMNS, rows.orders, ["tags", "extra"]));
        await run(valuesInsert("order_lines", LINE_COLUMNS, rows.lines, ["flags"]));
        if (withTrail) {
          await run(valuesInsert("audit_log", AUDIT_COLUMNS, rows.audit, ["old_value", "new_value"]));
          await run(valuesInsert("changes", CHANGE_COLUMNS, rows.changes, ["data"]));
        }
      });
      elapsed += performance.now() - start;
    }
    return opts.orders / (elapsed / 1000);
  };
  try {
    for (let round = 0; round < opts.rounds; round++) {
      rawRates.push(await raw(round, "RW", false));
      rawAllRates.push(await raw(round, "RA", true));

      const inputs = makeRows(round, opts.orders, 0);
      const bodies = [];
      for (let i = 0; i < inputs.length; i += batch) bodies.push(JSON.stringify({ orders: inputs.slice(i, i + batch) }));
      const apiStart = performance.now();
      for (const body of bodies) {
        const res = await fetch(url, { method: "POST", headers, body });
        if (res.status !== 200) throw new Error(`import failed: ${res.status} ${await res.text()}`);
        await res.arrayBuffer();
      }
      apiRates.push(opts.orders / ((performance.now() - apiStart) / 1000));
    }
  } finally {
    await server.close();
  }
  const api = median(apiRates);
  const rawRate = median(rawRates);
  const rawAll = median(rawAllRates);
  const runs = (xs: number[]) => `rounds: ${xs.map((x) => Math.round(x).toLocaleString("en-US")).join(", ")}`;
  return [
    { name: "import via POST /api/orders (1,000 orders × 3 lines per request)", value: Math.round(api), unit: "orders/s", note: `goal ≥ 5,000; IDs, dedupe, audit chain, change feed included; ${runs(apiRates)}` },
    { name: "raw multi-row INSERT of the same orders + lines", value: Math.round(rawRate), unit: "orders/s", note: runs(rawRates) },
    { name: "raw multi-row INSERT of orders + lines + audit + feed rows", value: Math.round(rawAll), unit: "orders/s", note: runs(rawAllRates) },
    { name: "import / raw (orders + lines) ratio", value: Number((api / rawRate).toFixed(2)), unit: "×", note: "goal ≥ 0.5" },
    { name: "import / raw (all rows) ratio", value: Number((api / rawAll).toFixed(2)), unit: "×" },
  ];
}
