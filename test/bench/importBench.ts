import pino from "pino";
import { testConfig } from "../helpers/testServer.js";
import { startServer } from "../../server/main.js";
import { lineToRow, orderToRow } from "../../server/db/orderRows.js";
import { toNewOrders } from "../../server/http/orderView.js";
import { OrderInput } from "../../server/contracts/orders.js";
import type { Order } from "../../server/domain/order.js";
import type { Database } from "../../server/db/createKnex.js";
import { median } from "./benchDb.js";

/** One measured figure. */
export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  note?: string;
}

function makeRows(round: number, count: number, offset: number) {
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

/**
 * Batch import through the real HTTP API (batches of 1,000 orders × 3 lines) against
 * raw multi-row INSERTs of the same rows into the same tables, interleaved per round.
 */
export async function importBench(db: Database, opts: { orders: number; rounds: number }): Promise<BenchResult[]> {
  const config = testConfig({ bodyLimitBytes: 64 * 1024 * 1024 });
  const server = await startServer(config, { db, logger: pino({ level: "silent" }) });
  const url = `http://127.0.0.1:${server.port}/api/orders`;
  const headers = { authorization: `Bearer ${config.adminToken}`, "content-type": "application/json" };
  const batch = 1000;
  const apiRates: number[] = [];
  const rawRates: number[] = [];
  try {
    for (let round = 0; round < opts.rounds; round++) {
      // Raw INSERTs of the same rows (own external IDs so both paths write fresh rows).
      const rawInputs = makeRows(1000 + round, opts.orders, 0);
      const drafts = toNewOrders(rawInputs.map((r) => OrderInput.parse(r)));
      const now = new Date().toISOString();
      const rawStart = performance.now();
      for (let i = 0; i < drafts.length; i += batch) {
        const slice = drafts.slice(i, i + batch);
        const orders: Order[] = slice.map((d, k) => ({
          ...d,
          id: `RW${round}${String(i + k).padStart(8, "0")}`,
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
        await db.knex.transaction(async (trx) => {
          const json = (r: Record<string, unknown>, cols: string[]) => ({ ...r, ...Object.fromEntries(cols.map((c) => [c, JSON.stringify(r[c])])) });
          await trx("orders").insert(orders.map((o) => json(orderToRow(o), ["tags", "extra"])));
          await trx("order_lines").insert(orders.flatMap((o) => (o.lines ?? []).map((l) => json(lineToRow("default", o.id, l), ["flags"]))));
        });
      }
      rawRates.push(opts.orders / ((performance.now() - rawStart) / 1000));

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
  const raw = median(rawRates);
  return [
    { name: "import via POST /api/orders (1,000 orders × 3 lines per request)", value: Math.round(api), unit: "orders/s", note: "IDs, dedupe, audit chain, change feed included" },
    { name: "raw multi-row INSERT of the same rows (orders + lines)", value: Math.round(raw), unit: "orders/s" },
    { name: "import / raw ratio", value: Number((api / raw).toFixed(2)), unit: "×", note: "goal ≥ 0.5" },
  ];
}
