import pino from "pino";
import { performance } from "node:perf_hooks";
import type { Database } from "../../server/db/createKnex.js";
import { standardWorkflow } from "../../server/domain/workflow/templates.js";
import { startServer } from "../../server/main.js";
import { testConfig } from "../helpers/testServer.js";
import { median } from "./benchDb.js";
import type { BenchResult } from "./importBench.js";

const WS = "scopebench";
const REGIONS = ["华东", "华南", "华北", "西南"];
const CHANNELS = ["taobao", "tmall", "jd"];
/** A typical narrow scope: one region of 4, 5 of 17 warehouses, 2 of 3 channels (about 5 % of the orders). */
const SCOPE = { regions: ["华东"], warehouses: ["WH0", "WH1", "WH2", "WH3", "WH4"], channels: ["taobao", "tmall"] };

function orderRow(n: number) {
  return {
    channel: CHANNELS[n % 3],
    externalOrderId: `RS-${n}`,
    customer: { id: `C${n % 5000}`, name: `客户${n}`, phone: "13800000000", address: null },
    totalAmount: "99.90",
    region: REGIONS[Math.floor(n / 3) % 4],
    warehouse: `WH${n % 17}`,
    placedAt: "2026-06-18T02:00:00Z",
    lines: [{ sku: `SKU-${n % 300}`, name: "保温杯", quantity: 1, unitPrice: "99.90" }],
  };
}

/**
 * The cost of row scope on the order list: the same `GET /api/orders` pages (500 orders each,
 * walking the keyset cursor) read by two finance users of one workspace (masked personal data, so no unmasked-read log write per page), one unrestricted and
 * one scoped to about 5 % of the orders (store filter plus row-level security under the app
 * role), interleaved per round in the same run. Reports each page time and their ratio.
 */
export async function rowScopeBench(db: Database, opts: { orders?: number; pages?: number; rounds?: number } = {}): Promise<BenchResult[]> {
  const total = opts.orders ?? 50_000;
  const pages = opts.pages ?? 4;
  const rounds = opts.rounds ?? 3;
  const config = testConfig({ bodyLimitBytes: 64 * 1024 * 1024, writeRateLimit: { perMinute: 0, burst: 0 } });
  const server = await startServer(config, { db, logger: pino({ level: "silent" }) });
  const base = `http://127.0.0.1:${server.port}`;
  try {
    if (!(await server.workspaces.getWorkspace(WS))) await server.workspaces.createWorkspace({ id: WS, name: WS, workflow: standardWorkflow });
    const admin = (await server.workspaces.issueToken(WS, "bench.admin", "admin")).token;
    const plain = (await server.workspaces.issueToken(WS, "bench.all", "finance")).token;
    const scoped = (await server.workspaces.issueToken(WS, "bench.scoped", "finance")).token;
    const call = async (token: string, method: string, path: string, body?: unknown) => {
      const res = await fetch(base + path, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
      return JSON.parse(text);
    };
    for (let i = 0; i < total; i += 1000) {
      await call(admin, "POST", "/api/orders", { orders: Array.from({ length: Math.min(1000, total - i) }, (_, k) => orderRow(i + k)) });
    }
    await call(admin, "PUT", "/api/users/bench.scoped/scope", SCOPE);

    /** Milliseconds per page over up to `pages` consecutive pages of 500. */
    const walk = async (token: string): Promise<{ msPerPage: number }> => {
      let cursor: string | null = null;
      let read = 0;
      const started = performance.now();
      while (read < pages) {
        const page: { orders: unknown[]; nextCursor: string | null } = await call(token, "GET", `/api/orders?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`);
        read += 1;
        cursor = page.nextCursor;
        if (!cursor) break;
      }
      return { msPerPage: (performance.now() - started) / read };
    };
    await walk(plain); // warm both paths (plans, caches, token cache)
    await walk(scoped);
    const plainMs: number[] = [];
    const scopedMs: number[] = [];
    for (let r = 0; r < rounds; r++) {
      plainMs.push((await walk(plain)).msPerPage);
      scopedMs.push((await walk(scoped)).msPerPage);
    }
    const p = median(plainMs);
    const s = median(scopedMs);
    const fmt = (xs: number[]) => xs.map((x) => x.toFixed(1)).join(" / ");
    return [
      { name: `order list page of 500, unrestricted (${total.toLocaleString("en-US")} orders)`, value: Math.round(p * 10) / 10, unit: "ms/page", note: `median of rounds ${fmt(plainMs)}` },
      { name: "order list page of 500, scoped to 1 region × 5 warehouses × 2 channels (store filter + row-level security)", value: Math.round(s * 10) / 10, unit: "ms/page", note: `median of rounds ${fmt(scopedMs)}` },
      { name: "scoped ÷ unrestricted page time", value: Math.round((s / p) * 100) / 100, unit: "×", note: "the scope holds about 5 % of the orders, so to fill 500 a scoped page reads through about 20 times as many rows" },
    ];
  } finally {
    await server.close();
  }
}
