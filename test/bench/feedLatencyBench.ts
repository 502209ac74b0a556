import { Worker } from "node:worker_threads";
import pino from "pino";
import { PgChangeSignal, LocalChangeSignal, type ChangeSignal } from "../../server/db/ChangeSignal.js";
import type { Database } from "../../server/db/createKnex.js";
import { KnexEventStore } from "../../server/db/KnexEventStore.js";
import { KnexOrderStore } from "../../server/db/KnexOrderStore.js";
import { KnexWorkflowStore } from "../../server/db/KnexWorkflowStore.js";
import { orderStream } from "../../server/domain/sandbox/orderStream.js";
import { startServer } from "../../server/main.js";
import { testConfig } from "../helpers/testServer.js";
import { batchesOf, CTX, materialise, prepare, remember } from "./engineBench.js";
import type { BenchResult } from "./importBench.js";

/** Starts the client worker (under tsx, the worker registers tsx's loader first). */
function startClients(input: { url: string; token: string; clients: number; since: string }): Worker {
  const file = new URL("./feedClients.ts", import.meta.url).href;
  const api = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(file)}); });`;
  return new Worker(boot, { eval: true, workerData: input });
}

interface ClientReport {
  count: number;
  unmatched: number;
  responses: number;
  errors: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
}

/**
 * Change-feed latency: a real server (startServer) with `clients` long-polling clients of
 * GET /api/changes?wait=… in a worker thread, while events of the standard lifecycle are
 * applied at `rate` events/s (batches of 100 every 100 ms) through KnexEventStore on the
 * same database. Latency = the client has read the change − the writer's COMMIT returned.
 * On PostgreSQL the wake-up travels by NOTIFY, as between separate server instances.
 */
export async function feedLatencyBench(db: Database, opts: { clients: number; rate: number; seconds: number; round?: number }): Promise<BenchResult[]> {
  if (db.backend !== "postgres" || !db.url) {
    return [{ name: "change-feed latency", value: 0, unit: "ms", note: "skipped: needs PostgreSQL (the writer and the server share wake-ups through NOTIFY)" }];
  }
  const config = testConfig({ bodyLimitBytes: 64 * 1024 * 1024 });
  const server = await startServer(config, { db, logger: pino({ level: "silent" }) });
  const signal: ChangeSignal = new PgChangeSignal(db.url);
  const orders = new KnexOrderStore(db.knex, signal);
  const store = new KnexEventStore(db.knex, new KnexWorkflowStore(db.knex, new LocalChangeSignal()), signal);
  const perBatch = Math.max(1, Math.round(opts.rate / 10));
  const batchCount = Math.round((opts.rate * opts.seconds) / perBatch);
  // Enough orders that the lifecycle's waves cover the run (about ten steps per order).
  const stream = [...orderStream({ orders: Math.ceil((batchCount * perBatch) / 9), seed: 4242 + (opts.round ?? 0), profile: "standard" })];
  const batches = batchesOf(await prepare(orders, stream, `F${opts.round ?? 0}`), perBatch).slice(0, batchCount);
  // An engine bench earlier in the same run may have tripped a channel's circuit breaker;
  // held events would never reach the feed.
  await db.knex("channel_pauses").where("workspace_id", CTX.workspaceId).delete();
  await db.knex.raw("analyze");
  const since = String((await db.knex("changes").max({ m: "seq" }).first())?.m ?? 0);

  const worker = startClients({ url: server.url, token: config.adminToken!, clients: opts.clients, since });
  const report = new Promise<ClientReport>((resolve, reject) => {
    worker.on("message", (m: { done?: boolean } & ClientReport) => m.done && resolve(m));
    worker.once("error", reject);
  });
  await new Promise<void>((resolve) => worker.on("message", (m: { ready?: boolean }) => m.ready && resolve()));
  await new Promise((r) => setTimeout(r, 1000)); // let every client reach its first wait

  const versions = new Map<string, number>();
  const started = performance.now();
  let sent = 0;
  try {
    for (let i = 0; i < batches.length; i++) {
      const due = started + i * 100;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const out = await store.process(CTX, materialise(batches[i], versions), new Date());
      const t = performance.timeOrigin + performance.now();
      const keys = out.filter((o) => o.outcome === "applied").map((o) => `${o.orderId}:${o.version}`);
      worker.postMessage({ commit: { keys, t } });
      remember(versions, out, new Map());
      sent += batches[i].length;
    }
    const elapsed = (performance.now() - started) / 1000;
    await new Promise((r) => setTimeout(r, 1000)); // the last changes reach the clients
    worker.postMessage({ stop: true });
    const r = await report;
    const ms = (x: number) => Number(x.toFixed(1));
    const rate = Math.round(sent / elapsed);
    return [
      { name: `change-feed latency p50 (commit → long-poll response read; ${opts.clients} waiting clients, ${rate.toLocaleString("en-US")} events/s applied of ${opts.rate.toLocaleString("en-US")} asked)`, value: ms(r.p50), unit: "ms" },
      { name: "change-feed latency p99", value: ms(r.p99), unit: "ms", note: `goal < 100 ms; p90 ${ms(r.p90)} ms, max ${ms(r.max)} ms; ${r.count.toLocaleString("en-US")} deliveries, ${r.unmatched} unmatched, ${r.responses.toLocaleString("en-US")} responses, ${r.errors} errors` },
    ];
  } finally {
    await worker.terminate();
    await signal.close();
    await server.close();
  }
}
