import http from "node:http";
import { parentPort, workerData } from "node:worker_threads";

/**
 * Worker side of the feed latency bench: `clients` long-polling clients of GET
 * /api/changes. Each change's latency is the time its response was read here minus the
 * commit time the writer reports for that (order, version). Absolute times
 * (timeOrigin + now) are comparable between threads.
 *
 * In production each client is a separate Excel on its own computer; here all of them share
 * one thread on the machine that also runs the server and the database. To keep that
 * stand-in from measuring itself, clients use plain `node:http` on a keep-alive agent
 * (not fetch) and take the (order, version) keys and the cursor out of the body with one
 * scan instead of building objects for every change. The body is read whole, as a real
 * client reads it, before its time is taken.
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
let stopping = false;
let responses = 0;
let errors = 0;
let unparsed = 0;
const now = () => performance.timeOrigin + performance.now();
const agent = new http.Agent({ keepAlive: true, maxSockets: clients + 10 });
const inFlight = new Set<http.ClientRequest>();

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
  if (m.stop) {
    stopping = true;
    for (const req of inFlight) req.destroy();
  }
});

/** One long-poll: resolves with the whole body and the time it was read. */
function get(cursor: string): Promise<{ status: number; body: string; t: number }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${url}/api/changes?since=${cursor}&wait=10&limit=5000`, { agent, headers: { authorization: `Bearer ${token}` } }, (res) => {
      const parts: Buffer[] = [];
      res.on("data", (b: Buffer) => parts.push(b));
      res.on("end", () => {
        inFlight.delete(req);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString("utf8"), t: now() });
      });
      res.on("error", reject);
    });
    inFlight.add(req);
    req.on("error", (e) => {
      inFlight.delete(req);
      reject(e);
    });
  });
}

// The server writes each change as {"seq":…,"kind":…,"orderId":…,"orderVersion":…,…} and the
// page's cursor last; the bench fails loudly (unparsed) if that shape ever changes.
const KEY = /"orderId":(?:"([^"]*)"|null),"orderVersion":(\d+|null)/g;
const CURSOR = /"cursor":"(\d+)"\}$/;

async function client(): Promise<void> {
  let cursor = since;
  while (!stopping) {
    try {
      const { status, body, t } = await get(cursor);
      if (status !== 200) throw new Error(`HTTP ${status}`);
      responses += 1;
      for (const m of body.matchAll(KEY)) {
        const k = `${m[1] ?? null}:${m[2]}`;
        const ct = commits.get(k);
        if (ct !== undefined) latencies.push(t - ct);
        else {
          let list = pending.get(k);
          if (!list) pending.set(k, (list = []));
          list.push(t);
        }
      }
      const c = CURSOR.exec(body);
      if (!c) {
        unparsed += 1;
        throw new Error("no cursor in the page");
      }
      cursor = c[1];
    } catch {
      if (!stopping) errors += 1;
    }
  }
}

parentPort!.postMessage({ ready: true });
await Promise.all(Array.from({ length: clients }, () => client()));
agent.destroy();
// Give late commit reports a moment, then answer.
await new Promise((r) => setTimeout(r, 200));
const sorted = Float64Array.from(latencies).sort();
const pct = (p: number) => (sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] : NaN);
parentPort!.postMessage({ done: true, count: sorted.length, unmatched: [...pending.values()].reduce((a, l) => a + l.length, 0), responses, errors: errors + unparsed, p50: pct(50), p90: pct(90), p99: pct(99), max: sorted.length ? sorted[sorted.length - 1] : NaN });
