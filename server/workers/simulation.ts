import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Worker, isMainThread, parentPort, workerData } from "node:worker_threads";
import type { WorkflowDefinition } from "../contracts/workflow.js";
import { orderStream, type StreamOptions } from "../domain/sandbox/orderStream.js";
import type { SyntheticOrder } from "../domain/sandbox/script.js";
import { Simulator, type SimulateOptions } from "../domain/sandbox/simulate.js";
import { mergeReports, type SimulationReport } from "../domain/sandbox/simulationReport.js";

/** Where synthetic orders come from; a database-backed source plugs in here. */
export type StreamSource = (shard: { index: number; count: number }) => Iterable<SyntheticOrder> | AsyncIterable<SyntheticOrder>;

/** A stream source of seeded synthetic orders. */
export function syntheticSource(opts: Omit<StreamOptions, "shard">): StreamSource {
  return (shard) => orderStream({ ...opts, shard });
}

/** Replays one shard of `source` through `flow`, on the calling thread. */
export async function simulateShard(flow: WorkflowDefinition, source: StreamSource, shard: { index: number; count: number }, opts: SimulateOptions = {}): Promise<SimulationReport> {
  const sim = new Simulator(flow, opts);
  const orders = source(shard);
  if (Symbol.iterator in orders) for (const order of orders) sim.add(order);
  else for await (const order of orders) sim.add(order);
  return sim.report();
}

const KIND = "ordersheet.simulation";

interface WorkerInput {
  kind: typeof KIND;
  flow: WorkflowDefinition;
  stream: Omit<StreamOptions, "shard">;
  shard: { index: number; count: number };
  opts: SimulateOptions;
}

/**
 * A worker running this module. Under tsx (a .ts file) the worker first registers tsx's
 * loader, since loader hooks of the main thread do not reach worker threads.
 */
function startWorker(input: WorkerInput): Worker {
  const self = import.meta.url;
  if (!self.endsWith(".ts")) return new Worker(new URL(self), { workerData: input });
  // tsx's ESM register (its "import" export), found without import.meta.resolve: under a test
  // runner this module may itself be compiled to CommonJS.
  const tsxRoot = path.dirname(createRequire(self).resolve("tsx/package.json"));
  const api = pathToFileURL(path.join(tsxRoot, "dist/esm/api/index.mjs")).href;
  const boot = `import(${JSON.stringify(api)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(self)}); });`;
  return new Worker(boot, { eval: true, workerData: input });
}

/**
 * Replays a seeded synthetic stream through `flow` on `workers` threads (never the calling
 * one, so a server keeps answering meanwhile) and merges the shard reports — the same report
 * as one thread would give.
 */
export async function simulateInWorkers(flow: WorkflowDefinition, stream: Omit<StreamOptions, "shard">, workers: number, opts: SimulateOptions = {}): Promise<SimulationReport> {
  const count = Math.max(1, workers);
  const parts = Array.from({ length: count }, (_, index) => {
    const input: WorkerInput = { kind: KIND, flow, stream, shard: { index, count }, opts };
    return new Promise<SimulationReport>((done, fail) => {
      const w = startWorker(input);
      w.once("message", (r: SimulationReport) => done(r));
      w.once("error", fail);
      w.once("exit", (code) => code !== 0 && fail(new Error(`simulation worker ${index} exited with code ${code}`)));
    });
  });
  const reports = await Promise.all(parts);
  return count === 1 ? reports[0] : mergeReports(reports);
}

if (!isMainThread && (workerData as Partial<WorkerInput> | null)?.kind === KIND) {
  const input = workerData as WorkerInput;
  simulateShard(input.flow, syntheticSource(input.stream), input.shard, input.opts).then(
    (r) => parentPort?.postMessage(r),
    (err: unknown) => {
      throw err;
    },
  );
}

/**
 * Runs at most `limit` jobs at once and queues the rest in arrival order: simulations are
 * CPU-bound, so more threads than cores only slow every one of them (and the server).
 */
export function limitConcurrency<A extends unknown[], R>(limit: number, job: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  let running = 0;
  const waiting: (() => void)[] = [];
  return async (...args: A) => {
    if (running >= limit) await new Promise<void>((go) => waiting.push(go));
    running++;
    try {
      return await job(...args);
    } finally {
      running--;
      waiting.shift()?.();
    }
  };
}
