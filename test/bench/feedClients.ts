import { setMaxListeners } from "node:events";
import { parentPort, workerData } from "node:worker_threads";

/**
 * Worker side of the feed latency bench: `clients` long-polling clients of GET
 * /api/changes. Each change's latency is the time its response was read here minus the
 * commit time the writer reports for that (order, version). Absolute times
 * (timeOrigin + now) are comparable between threads.
 */
interface Input {
  url: string;
  token: string;
  clients: number;
  since: string;
}

const { url, token, clients, since } = workerData as Input;
const commits = new Map<string, number>();
const pending = new Map<string, number[]>();
const latencies: number[] = [];
const abort = new AbortController();
setMaxListeners(0, abort.signal); // every request of every client listens on the one stop signal
let responses = 0;
let errors = 0;
const now = () => performance.timeOrigin + performance.now();

parentPort!.on("message", (m: { commit?: { keys: string[]; t: number }; stop?: boolean }) => {
  if (m.commit) {
    for (const k of m.commit.keys) {
      commits.set(k, m.commit.t);
      const waiting = pending.get(k);
      if (waiting) {
        for (const r of waiting) latencies.push(r - m.commit.t);
        pending.delete(k);
      }
    }
  }
  if (m.stop) abort.abort();
});

async function client(): Promise<void> {
  let cursor = since;
  while (!abort.signal.aborted) {
    try {
      const res = await fetch(`${url}/api/changes?since=${cursor}&wait=10&limit=5000`, { headers: { authorization: `Bearer ${token}` }, signal: abort.signal });
      const body = (await res.json()) as { changes: { orderId: string | null; orderVersion: number | null }[]; cursor: string };
      const t = now();
      responses += 1;
      for (const c of body.changes) {
        const k = `${c.orderId}:${c.orderVersion}`;
        const ct = commits.get(k);
        if (ct !== undefined) latencies.push(t - ct);
        else {
          let list = pending.get(k);
          if (!list) pending.set(k, (list = []));
          list.push(t);
        }
      }
      cursor = body.cursor;
    } catch {
      if (!abort.signal.aborted) errors += 1;
    }
  }
}

parentPort!.postMessage({ ready: true });
await Promise.all(Array.from({ length: clients }, () => client()));
// Give late commit reports a moment, then answer.
await new Promise((r) => setTimeout(r, 200));
const sorted = Float64Array.from(latencies).sort();
const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
parentPort!.postMessage({ done: true, count: sorted.length, unmatched: [...pending.values()].reduce((a, l) => a + l.length, 0), responses, errors, p50: pct(50), p90: pct(90), p99: pct(99), max: sorted.length ? sorted[sorted.length - 1] : NaN });
