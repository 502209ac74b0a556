import pino from "pino";
import type { Database } from "../../server/db/createKnex.js";
import { LocalChangeSignal } from "../../server/db/ChangeSignal.js";
import { KnexAuditStore } from "../../server/db/KnexAuditStore.js";
import { KnexEventStore, type EventOutcome } from "../../server/db/KnexEventStore.js";
import { KnexOrderStore } from "../../server/db/KnexOrderStore.js";
import { KnexTimerStore } from "../../server/db/KnexTimerStore.js";
import { KnexWorkflowStore } from "../../server/db/KnexWorkflowStore.js";
import { orderStream } from "../../server/domain/sandbox/orderStream.js";
import { SlaTimerJob } from "../../server/jobs/slaTimerJob.js";
import { RetentionJob } from "../../server/jobs/retentionJob.js";
import { KnexRetentionStore } from "../../server/db/KnexRetentionStore.js";
import { DEFAULT_RETENTION } from "../../server/config.js";
import { startServer, type RunningServer } from "../../server/main.js";
import { testConfig } from "../helpers/testServer.js";
import { median } from "./benchDb.js";
import { batchesOf, materialise, prepare, remember } from "./engineBench.js";
import { makeRows, type BenchResult } from "./importBench.js";
import { buildScaleHistory, type ScaleHistory } from "./scaleHistory.js";

const WS = "default";

/** Options of the scale bench. */
export interface ScaleBenchOptions {
  /** PostgreSQL server URL (the bench creates its two databases there). */
  url: string;
  orders: number;
  yearDb: string;
  emptyDb: string;
  reuse: boolean;
  /** Requests per list query (after 3 unmeasured). */
  requests: number;
  engineOrders: number;
  importOrders: number;
  rounds: number;
  /** Skip the full audit check of the year (it takes minutes). */
  skipFullCheck: boolean;
  /** Which groups to time (default all): lists, throughput, timers, audit. */
  parts?: string[];
}

/**
 * The audit operations the bench times, one function each, so they follow the audit API: the
 * hourly digest (the heads of the chains changed since the previous digest), the routine check
 * (what came after the checkpoint) and the full check (every chain, run to its end here).
 */
export interface AuditOps {
  digest(db: Database, now: Date): Promise<string>;
  routineCheck: ((db: Database) => Promise<string>) | null;
  fullCheck(db: Database): Promise<string>;
}

/** The audit operations of the current code. */
export const auditOps: AuditOps = {
  async digest(db, now) {
    const d = await new KnexAuditStore(db.knex).writeDigest(WS, now);
    return d ? "written" : "nothing new";
  },
  async routineCheck(db) {
    const v = await new KnexAuditStore(db.knex).verify(WS);
    if (!v.ok) throw new Error(`routine audit check failed: ${v.message}`);
    return `${(v.entriesRead ?? v.entries).toLocaleString("en-US")} entries read`;
  },
  async fullCheck(db) {
    const v = await new KnexAuditStore(db.knex).verifyFull(WS);
    if (!v.ok) throw new Error(`audit verification failed: ${v.message}`);
    return `${v.entries.toLocaleString("en-US")} entries, ${v.digestsChecked} digests`;
  },
};

const ms = (x: number) => Math.round(x * 10) / 10;

function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
}

async function timed<T>(f: () => Promise<T>): Promise<[number, T]> {
  const t = performance.now();
  const out = await f();
  return [(performance.now() - t) / 1000, out];
}

interface Pair {
  empty: BenchServer;
  year: BenchServer;
}

interface BenchServer {
  db: Database;
  server: RunningServer;
  headers: Record<string, string>;
}

async function serve(db: Database): Promise<BenchServer> {
  const config = testConfig({ bodyLimitBytes: 64 * 1024 * 1024 });
  const server = await startServer(config, { db, logger: pino({ level: "silent" }) });
  return { db, server, headers: { authorization: `Bearer ${config.adminToken}`, "content-type": "application/json" } };
}

/** p50/p95 of `GET path` (3 requests unmeasured first). */
async function latency(s: BenchServer, path: string, requests: number): Promise<{ p50: number; p95: number; rows: number }> {
  const times: number[] = [];
  let rows = 0;
  for (let i = 0; i < requests + 3; i++) {
    const t = performance.now();
    const res = await fetch(`${s.server.url}${path}`, { headers: s.headers });
    const body = (await res.json()) as { orders?: unknown[] };
    if (res.status !== 200 || !body.orders) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
    rows = body.orders.length;
    if (i >= 3) times.push(performance.now() - t);
  }
  return { p50: percentile(times, 50), p95: percentile(times, 95), rows };
}

/** A cursor half-way down the full list, as the server issues it ([updatedAt, id], base64url). */
async function deepCursor(db: Database): Promise<string> {
  const n = Number((await db.knex.raw("select count(*) as n from orders where workspace_id = ?", [WS])).rows[0].n);
  const row = (await db.knex.raw("select updated_at, id from orders where workspace_id = ? order by updated_at, id offset ? limit 1", [WS, Math.floor(n / 2)])).rows[0];
  if (!row) return "";
  return Buffer.from(JSON.stringify([new Date(row.updated_at).toISOString(), row.id]), "utf8").toString("base64url");
}

/** A day of the year's history (middle of it), in the workspace time zone. */
async function historyDay(db: Database): Promise<string> {
  const r = await db.knex.raw(`select to_char(percentile_disc(0.5) within group (order by placed_at) at time zone 'Asia/Shanghai', 'YYYY-MM-DD') as d from orders where workspace_id = ?`, [WS]);
  return r.rows[0].d ?? new Date().toISOString().slice(0, 10);
}

/** Tells this run's orders and events apart from those of earlier runs on a reused year database. */
const RUN = Date.now().toString(36);

/**
 * Events/s of the standard lifecycle through POST /api/events, 1,000 per request. Each round
 * starts as the first did on either database: no channel paused and no status conflict
 * counted today (the stream's disagreements trip the channel breaker, whose pause would
 * otherwise hold every later round's events instead of applying them).
 */
async function engineHttp(s: BenchServer, orders: number, round: number | string): Promise<number> {
  await s.db.knex("channel_pauses").where("workspace_id", WS).delete();
  await s.db.knex("conflicts").where("workspace_id", WS).andWhere("at", ">=", new Date(Date.now() - 2 * 86_400_000)).delete();
  const signal = new LocalChangeSignal();
  try {
    const store = new KnexOrderStore(s.db.knex, signal);
    const stream = [...orderStream({ orders, seed: 500 + (typeof round === "number" ? round : 99), profile: "standard" })];
    const waves = await prepare(store, stream, `S${RUN}-${round}`);
    const versions = new Map<string, number>();
    let seconds = 0;
    let events = 0;
    for (const batch of batchesOf(waves)) {
      const body = JSON.stringify({ events: materialise(batch, versions) });
      const t = performance.now();
      const res = await fetch(`${s.server.url}/api/events`, { method: "POST", headers: s.headers, body });
      const json = (await res.json()) as { results?: EventOutcome[] };
      seconds += (performance.now() - t) / 1000;
      if (res.status !== 200 || !json.results) throw new Error(`POST /api/events: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
      events += batch.length;
      remember(versions, json.results, new Map());
    }
    return events / seconds;
  } finally {
    await signal.close();
  }
}

/** Orders/s through POST /api/orders, 1,000 orders × 3 lines per request. */
async function importHttp(s: BenchServer, orders: number, round: number): Promise<number> {
  const inputs = makeRows(7000 + round, orders, 0).map((o) => ({ ...o, externalOrderId: `${RUN}-${o.externalOrderId}` }));
  const bodies: string[] = [];
  for (let i = 0; i < inputs.length; i += 1000) bodies.push(JSON.stringify({ orders: inputs.slice(i, i + 1000) }));
  const t = performance.now();
  for (const body of bodies) {
    const res = await fetch(`${s.server.url}/api/orders`, { method: "POST", headers: s.headers, body });
    if (res.status !== 200) throw new Error(`POST /api/orders: ${res.status} ${(await res.text()).slice(0, 300)}`);
    await res.arrayBuffer();
  }
  return orders / ((performance.now() - t) / 1000);
}

/** One SLA timer run over every open order (the scheduler's job, without slot claims). */
async function slaRun(db: Database, now: Date): Promise<[number, string]> {
  const signal = new LocalChangeSignal();
  try {
    const workflows = new KnexWorkflowStore(db.knex, signal);
    const job = new SlaTimerJob({ store: new KnexTimerStore(db.knex, workflows, signal), events: new KnexEventStore(db.knex, workflows, signal), logger: pino({ level: "silent" }) });
    const [seconds, sum] = await timed(() => job.run(now));
    return [seconds, `${sum.scanned.toLocaleString("en-US")} scanned, ${sum.alerts} alerts, ${sum.tasks} tasks, ${sum.transitions} moves`];
  } finally {
    await signal.close();
  }
}

/**
 * `--only scale`: builds a year of history on PostgreSQL (or reuses it) and an empty database,
 * then times the same operations on both in the same run: the order-list filters and a deep
 * page through HTTP (p50/p95), engine and import throughput through HTTP, the SLA timer run,
 * the hourly digest and the audit checks. Prints as it goes (a full run takes long).
 */
export async function scaleBench(opts: ScaleBenchOptions, log: (line: string) => void = console.log): Promise<BenchResult[]> {
  log(`building a year of history: ${opts.orders.toLocaleString("en-US")} orders${opts.reuse ? " (reusing the database if it holds them)" : ""} …`);
  const h: ScaleHistory = await buildScaleHistory({ url: opts.url, yearDb: opts.yearDb, emptyDb: opts.emptyDb, orders: opts.orders, reuse: opts.reuse, log });
  const results: BenchResult[] = [];
  const add = (r: BenchResult) => {
    results.push(r);
    log(`  ${r.name}: ${r.value.toLocaleString("en-US")} ${r.unit}${r.note ? `  (${r.note})` : ""}`);
  };
  const perMillion = (bytes: number) => Math.round((bytes / 2 ** 30 / h.orders) * 1e6 * 10) / 10;
  if (h.buildSeconds !== null) {
    add({ name: `build: ${h.orders.toLocaleString("en-US")} orders (×3 lines, ×8 audit, ×8 feed, ×6 inbox)`, value: Math.round(h.buildSeconds), unit: "s", note: Object.entries(h.phases).map(([k, v]) => `${k} ${Math.round(v)} s`).join(", ") });
  }
  add({ name: "database size per million orders", value: perMillion(h.databaseBytes), unit: "GiB", note: `whole database ${(h.databaseBytes / 2 ** 30).toFixed(1)} GiB; ${Object.entries(h.tableBytes).map(([t, b]) => `${t} ${perMillion(b)}`).join(", ")} GiB per million` });

  // A server that has run for a year has run its daily retention job all year: with the
  // default settings the change feed and the inbox keep 90 days (whole month partitions are
  // dropped). Both databases get the same run before anything is measured.
  for (const [which, db] of [["empty", h.empty], ["year", h.year]] as const) {
    const job = new RetentionJob({ store: new KnexRetentionStore(db.knex), settings: DEFAULT_RETENTION, logger: pino({ level: "silent" }) });
    const [secs, sum] = await timed(() => job.run(new Date()));
    log(`  ${which}: retention (default settings: feed ${DEFAULT_RETENTION.feedDays} days, inbox ${DEFAULT_RETENTION.inboxDays} days) ${ms(secs)} s; ${sum.partitionsDropped.length} partitions dropped${sum.partitionsDropped.length ? ` (${sum.partitionsDropped.join(", ")})` : ""}${sum.errors ? `; ${sum.errors} errors` : ""}`);
  }
  const kept = Number((await h.year.knex.raw("select pg_database_size(current_database()) as b")).rows[0].b);
  add({ name: "database size per million orders after retention (feed and inbox 90 days)", value: perMillion(kept), unit: "GiB", note: `whole database ${(kept / 2 ** 30).toFixed(1)} GiB` });

  const pair: Pair = { empty: await serve(h.empty), year: await serve(h.year) };
  const both = async (name: string, unit: string, f: (s: BenchServer, which: "empty" | "year") => Promise<number>, goal?: string, higherIsBetter = false) => {
    const e = await f(pair.empty, "empty");
    const y = await f(pair.year, "year");
    const ratio = higherIsBetter ? y / e : y / Math.max(e, 1e-9);
    add({ name, value: ms(y), unit, note: `empty ${ms(e)} ${unit}; year/empty ${ratio.toFixed(2)}×${goal ? `; goal ${goal}` : ""}` });
  };
  const part = (name: string) => !opts.parts || opts.parts.includes(name);
  try {
    // The first digest and the first routine check have nothing before them, so they cover the
    // whole year; they set the starting point the hourly digest and the routine check measured
    // below (after the engine and import rounds have written new entries) continue from.
    if (part("audit")) {
      for (const which of ["empty", "year"] as const) {
        const db = which === "year" ? h.year : h.empty;
        const [ds] = await timed(() => auditOps.digest(db, new Date()));
        const [rs, rw] = auditOps.routineCheck ? await timed(() => auditOps.routineCheck!(db)) : [0, "not available"];
        log(`  ${which}: first audit digest (every chain) ${ms(ds * 1000)} ms; first routine check (no checkpoint yet) ${ms(rs)} s (${rw})`);
      }
    }
    // Order lists through HTTP.
    if (part("lists")) {
      const day = await historyDay(h.year);
      const cursors = { empty: await deepCursor(h.empty), year: await deepCursor(h.year) };
      const lists: [string, (which: "empty" | "year") => string][] = [
        ["GET /api/orders?status=in_transit", () => "/api/orders?status=in_transit"],
        [`GET /api/orders?placedFrom=${day}&placedTo=${day}`, () => `/api/orders?placedFrom=${day}&placedTo=${day}`],
        ["GET /api/orders?region=华东", () => `/api/orders?region=${encodeURIComponent("华东")}`],
        ["GET /api/orders?channel=jd", () => "/api/orders?channel=jd"],
        ["GET /api/orders?status=in_transit&region=华东&channel=tmall", () => `/api/orders?status=in_transit&region=${encodeURIComponent("华东")}&channel=tmall`],
        ["GET /api/orders deep page (cursor half-way down the list)", (w) => `/api/orders${cursors[w] ? `?cursor=${cursors[w]}` : ""}`],
      ];
      for (const [name, path] of lists) {
        const e = await latency(pair.empty, path("empty"), opts.requests);
        const y = await latency(pair.year, path("year"), opts.requests);
        add({ name: `${name} p95`, value: ms(y.p95), unit: "ms", note: `p50 ${ms(y.p50)} ms; empty p95 ${ms(e.p95)} / p50 ${ms(e.p50)} ms; ${y.rows} rows a page; goal p95 < 50 ms` });
      }
    }

    // Engine and import throughput through HTTP, interleaved per round.
    if (part("throughput")) {
      const engine = { empty: [] as number[], year: [] as number[] };
      const imports = { empty: [] as number[], year: [] as number[] };
      // An unmeasured warm-up on each database first (the server's first requests, the pool).
      for (const w of ["empty", "year"] as const) {
        await engineHttp(pair[w], Math.min(opts.engineOrders, 500), "warm-up");
        await importHttp(pair[w], 1000, 900);
      }
      for (let r = 0; r < opts.rounds; r++) {
        // Statistics as autovacuum keeps them on a running server (it may be off on a bench
        // machine: the empty database, never analysed, would then plan its growing tables as
        // empty ones and walk the wrong index — 60 orders/s instead of thousands).
        for (const w of ["empty", "year"] as const) await pair[w].db.knex.raw("analyze");
        for (const w of ["empty", "year"] as const) {
          engine[w].push(await engineHttp(pair[w], opts.engineOrders, r));
          imports[w].push(await importHttp(pair[w], opts.importOrders, r));
        }
    }
    const runs = (xs: number[]) => xs.map((x) => Math.round(x).toLocaleString("en-US")).join(", ");
    const ratio = (x: { empty: number[]; year: number[] }) => (median(x.year) / median(x.empty)).toFixed(2);
    add({ name: "engine via POST /api/events (1,000 events per request)", value: Math.round(median(engine.year)), unit: "events/s", note: `empty ${Math.round(median(engine.empty)).toLocaleString("en-US")}; year/empty ${ratio(engine)}×; goal ≥ 0.9×; rounds year ${runs(engine.year)} / empty ${runs(engine.empty)}` });
    add({ name: "import via POST /api/orders (1,000 orders × 3 lines per request)", value: Math.round(median(imports.year)), unit: "orders/s", note: `empty ${Math.round(median(imports.empty)).toLocaleString("en-US")}; year/empty ${ratio(imports)}×; goal ≥ 0.9×; rounds year ${runs(imports.year)} / empty ${runs(imports.empty)}` });

    }

    // The SLA timer job: the first run catches up on what fell due, the next ones are the steady state.
    if (part("timers")) {
      const now = new Date();
      for (const [label, at] of [["first run", now], ["next run (steady state)", new Date(now.getTime() + 60_000)]] as const) {
        const [es, ew] = await slaRun(h.empty, at);
        const [ys, yw] = await slaRun(h.year, at);
        add({ name: `SLA timer run, ${label}`, value: ms(ys * 1000), unit: "ms", note: `${yw}; empty ${ms(es * 1000)} ms (${ew})` });
      }
    }

    // Audit: the hourly digest, the routine check of the new entries, the full check.
    if (part("audit")) {
      await both("hourly audit digest (chains changed since the previous digest)", "ms", async (s) => (await timed(() => auditOps.digest(s.db, new Date())))[0] * 1000, "< 1,000 ms");
      if (auditOps.routineCheck) {
        const check = auditOps.routineCheck;
        await both("routine audit check of the entries written since the last one", "s", async (s) => {
          const [secs, what] = await timed(() => check(s.db));
          log(`    ${s === pair.year ? "year" : "empty"}: ${what}`);
          return secs;
        }, "< 5 s");
      } else {
        log("  routine audit check of a day's new entries: not available in this version (only the full check exists)");
    }
    if (!opts.skipFullCheck) {
      const [es, ew] = await timed(() => auditOps.fullCheck(h.empty));
      log(`  full audit check of the empty database: ${ms(es)} s (${ew}); the year's now …`);
      const [ys, yw] = await timed(() => auditOps.fullCheck(h.year));
      add({ name: "full audit check of the year", value: ms(ys), unit: "s", note: `${yw}; empty ${ms(es)} s; goal < 900 s` });
    }
    }
  } finally {
    await pair.empty.server.close();
    await pair.year.server.close();
    await h.year.knex.destroy();
    await h.empty.knex.destroy();
  }
  return results;
}
