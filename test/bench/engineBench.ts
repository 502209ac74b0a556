import type { Knex } from "knex";
import pino from "pino";
import type { EventInput } from "../../server/contracts/events.js";
import type { Database } from "../../server/db/createKnex.js";
import { LocalChangeSignal } from "../../server/db/ChangeSignal.js";
import { KnexEventStore, type EventOutcome } from "../../server/db/KnexEventStore.js";
import { KnexOrderStore, type NewOrder } from "../../server/db/KnexOrderStore.js";
import { KnexWorkflowStore } from "../../server/db/KnexWorkflowStore.js";
import { KnexWorkspaceStore } from "../../server/db/KnexWorkspaceStore.js";
import { standardWorkflow } from "../../server/domain/workflow/templates.js";
import { orderStream } from "../../server/domain/sandbox/orderStream.js";
import type { SyntheticOrder } from "../../server/domain/sandbox/script.js";
import { startServer } from "../../server/main.js";
import { testConfig } from "../helpers/testServer.js";
import { median, rawQuery, valuesInsert } from "./benchDb.js";
import type { BenchResult } from "./importBench.js";

const BATCH = 1000;
const WS = "default";
/** The sender of the bench's events. */
export const CTX = { workspaceId: WS, timeZone: "Asia/Shanghai", actor: { role: "admin" as const, name: "bench-connector" } };

/** One step of the stream, waiting for its wave: an event, or a manual command whose base version is known only at send time. */
export type Pending = { orderId: string; event?: EventInput; manual?: { to: string; stale: boolean; source: string; sourceEventId: string } };

/**
 * Imports the synthetic orders and lays their steps out in waves: wave k holds every
 * order's k-th step, so each order's steps arrive in their own order, and a batch never
 * holds two steps of one order (a manual command's base version is the one the sender saw).
 */
export async function prepare(orders: KnexOrderStore, stream: SyntheticOrder[], tag: string): Promise<Pending[][]> {
  const drafts: NewOrder[] = stream.map(({ order: o }) => ({
    channel: o.channel,
    externalOrderId: `${tag}-${o.externalOrderId}`,
    customer: o.customer,
    totalAmount: o.totalAmount,
    currency: o.currency,
    region: o.region,
    warehouse: o.warehouse,
    carrier: o.carrier,
    waybillNo: o.waybillNo,
    tags: o.tags,
    extra: o.extra,
    placedAt: o.placedAt,
    promisedAt: o.promisedAt,
    lines: o.lines ?? [],
  })) as NewOrder[];
  const ids = new Map<string, string>();
  for (let i = 0; i < drafts.length; i += BATCH) {
    const out = await orders.importOrders({ ...CTX, actor: "bench", source: "bench:import" }, drafts.slice(i, i + BATCH), new Date());
    out.forEach((r, k) => ids.set(stream[i + k].order.id, r.id));
  }
  const waves: Pending[][] = [];
  for (const s of stream) {
    const orderId = ids.get(s.order.id)!;
    s.steps.forEach((step, k) => {
      const wave = (waves[k] ??= []);
      if (step.kind === "event") {
        wave.push({ orderId, event: { ...step.event, orderId, sourceEventId: `${tag}:${step.event.sourceEventId}` } as EventInput });
      } else {
        wave.push({ orderId, manual: { to: step.to, stale: !!step.stale, source: `sheet:${step.actor.name}`, sourceEventId: `${tag}:${s.order.id}:manual:${k}` } });
      }
    });
  }
  return waves;
}

/** The events of one batch, manual commands based on the versions the sender last saw. */
export function materialise(batch: Pending[], versions: Map<string, number>): EventInput[] {
  return batch.map((p) => {
    if (p.event) return p.event;
    const v = versions.get(p.orderId) ?? 1;
    const m = p.manual!;
    return { source: m.source, sourceEventId: m.sourceEventId, orderId: p.orderId, type: "manual.command", data: { to: m.to, baseVersion: m.stale ? Math.max(1, v - 1) : v } } as EventInput;
  });
}

/** The waves cut into batches of at most `size` (a batch never spans two waves). */
export function batchesOf(waves: Pending[][], size = BATCH): Pending[][] {
  const out: Pending[][] = [];
  for (const wave of waves) for (let i = 0; i < wave.length; i += size) out.push(wave.slice(i, i + size));
  return out;
}

/** Notes each order's version as the answers report it, and counts outcomes. */
export function remember(versions: Map<string, number>, outcomes: EventOutcome[], mix: Map<string, number>): void {
  for (const o of outcomes) {
    if (o.orderId && o.version) versions.set(o.orderId, o.version);
    mix.set(o.outcome, (mix.get(o.outcome) ?? 0) + 1);
  }
}

/** What one engine batch wrote, located by id ranges, for the raw baseline to write again. */
interface Written {
  inbox: [number, number];
  audit: [number, number];
  changes: [number, number];
  orders: string[];
}

async function maxIds(k: Knex): Promise<[number, number, number]> {
  const r = await k.raw(
    `select (select coalesce(max(id), 0) from events_inbox) as inbox, (select coalesce(max(seq), 0) from audit_log) as audit, (select coalesce(max(seq), 0) from changes) as changes`,
  );
  const row = r.rows[0];
  return [Number(row.inbox), Number(row.audit), Number(row.changes)];
}

const INBOX_COLUMNS = ["workspace_id", "source", "source_event_id", "type", "order_id", "channel", "payload", "outcome", "result", "actor", "received_at"];
const AUDIT_COLUMNS = ["workspace_id", "order_id", "order_version", "at", "actor", "source", "action", "field", "old_value", "new_value", "prev_hash", "hash"];
const CHANGE_COLUMNS = ["workspace_id", "kind", "order_id", "order_version", "data", "at"];
const ORDER_SET = ["status", "version", "workflow_version", "region", "warehouse", "carrier", "waybill_no", "tags", "extra", "paid_at", "outbound_at", "status_since", "updated_at", "audit_head"];
const ORDER_TYPES: Record<string, string> = { version: "int", workflow_version: "int", tags: "jsonb", extra: "jsonb", paid_at: "timestamptz", outbound_at: "timestamptz", status_since: "timestamptz", updated_at: "timestamptz" };

/**
 * Writes again, with plain multi-row INSERTs and one multi-row UPDATE per batch, the rows
 * one engine batch wrote: its inbox rows (under new event ids), audit entries, feed rows,
 * and the new state of the orders it changed. Rows are read before the clock starts.
 */
async function rawReplay(k: Knex, batches: Written[], tag: string): Promise<{ seconds: number; events: number }> {
  let seconds = 0;
  let events = 0;
  for (const b of batches) {
    const inbox = (await k("events_inbox").whereBetween("id", [b.inbox[0] + 1, b.inbox[1]]).select(INBOX_COLUMNS)).map((r) => ({ ...r, source_event_id: `${tag}:${r.source_event_id}` }));
    const audit = await k("audit_log").whereBetween("seq", [b.audit[0] + 1, b.audit[1]]).select(AUDIT_COLUMNS);
    const changes = await k("changes").whereBetween("seq", [b.changes[0] + 1, b.changes[1]]).select(CHANGE_COLUMNS);
    const orders = b.orders.length ? await k("orders").where("workspace_id", WS).whereIn("id", b.orders).select(["id", ...ORDER_SET]) : [];
    const params: unknown[] = [];
    const tuples = orders.map((o) => {
      const ph = ["id", ...ORDER_SET].map((c) => {
        const v = o[c];
        params.push(ORDER_TYPES[c] === "jsonb" ? JSON.stringify(v) : v instanceof Date ? v.toISOString() : v);
        return `$${params.length}${ORDER_TYPES[c] ? `::${ORDER_TYPES[c]}` : ""}`;
      });
      return `(${ph.join(",")})`;
    });
    const update = {
      sql: `update orders o set ${ORDER_SET.map((c) => `${c} = v.${c}`).join(", ")} from (values ${tuples.join(",")}) as v(id, ${ORDER_SET.join(", ")}) where o.workspace_id = '${WS}' and o.id = v.id`,
      params,
    };
    const jsonOf = (rows: Record<string, unknown>[]) => rows.map((r) => Object.fromEntries(Object.entries(r).map(([c, v]) => [c, v instanceof Date ? v.toISOString() : v])));
    const start = performance.now();
    await k.transaction(async (trx) => {
      const run = (q: { sql: string; params: unknown[] }) => rawQuery(trx, q.sql, q.params);
      if (inbox.length) await run(valuesInsert("events_inbox", INBOX_COLUMNS, jsonOf(inbox), ["payload", "result"]));
      if (tuples.length) await run(update);
      if (audit.length) await run(valuesInsert("audit_log", AUDIT_COLUMNS, jsonOf(audit), ["old_value", "new_value"]));
      if (changes.length) await run(valuesInsert("changes", CHANGE_COLUMNS, jsonOf(changes), ["data"]));
    });
    seconds += (performance.now() - start) / 1000;
    events += inbox.length;
  }
  return { seconds, events };
}

/**
 * Engine throughput: synthetic orders of the standard lifecycle are imported, then their
 * events (payments, labels, outbound, waybills, tracking, signatures, refunds, cancels,
 * manual status commands …) go through `KnexEventStore.process` in batches of 1,000 — the
 * full path: inbox dedupe, order locks, workflow decisions with guards, order upserts,
 * audit chains, feed rows, alerts. Beside it, raw INSERTs/UPDATEs of the very rows each
 * batch wrote. Once more through HTTP POST /api/events.
 */
export async function engineBench(db: Database, opts: { orders: number; rounds: number; http?: boolean }): Promise<BenchResult[]> {
  const workspaces = new KnexWorkspaceStore(db.knex);
  if (!(await workspaces.getWorkspace(WS))) await workspaces.createWorkspace({ id: WS, name: WS, workflow: standardWorkflow });
  const signal = new LocalChangeSignal();
  const orders = new KnexOrderStore(db.knex, signal);
  const workflows = new KnexWorkflowStore(db.knex, signal);
  const store = new KnexEventStore(db.knex, workflows, signal);
  const rates: number[] = [];
  const rawRates: number[] = [];
  const mix = new Map<string, number>();
  let perOrder = 0;
  for (let round = 0; round < opts.rounds; round++) {
    // A circuit breaker of an earlier round may have paused a channel; each round starts open.
    await db.knex("channel_pauses").where("workspace_id", WS).delete();
    const stream = [...orderStream({ orders: opts.orders, seed: 100 + round, profile: "standard" })];
    const waves = await prepare(orders, stream, `E${round}`);
    // Fresh tables have no planner statistics yet; a live database has them (autovacuum).
    await db.knex.raw("analyze");
    const versions = new Map<string, number>();
    const written: Written[] = [];
    let seconds = 0;
    let events = 0;
    for (const batch of batchesOf(waves)) {
      const input = materialise(batch, versions);
      const [inbox0, audit0, changes0] = await maxIds(db.knex);
      const start = performance.now();
      const out = await store.process(CTX, input, new Date());
      seconds += (performance.now() - start) / 1000;
      events += input.length;
      remember(versions, out, mix);
      const [inbox1, audit1, changes1] = await maxIds(db.knex);
      written.push({ inbox: [inbox0, inbox1], audit: [audit0, audit1], changes: [changes0, changes1], orders: [...new Set(out.filter((o) => o.outcome === "applied").map((o) => o.orderId!))] });
    }
    perOrder = events / stream.length;
    rates.push(events / seconds);
    const raw = await rawReplay(db.knex, written, `raw${round}`);
    rawRates.push(raw.events / raw.seconds);
  }

  const results: BenchResult[] = [];
  const rate = median(rates);
  const rawRate = median(rawRates);
  const runs = (xs: number[]) => `rounds: ${xs.map((x) => Math.round(x).toLocaleString("en-US")).join(", ")}`;
  const total = [...mix.values()].reduce((a, b) => a + b, 0);
  const mixText = [...mix].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${((100 * v) / total).toFixed(0)}%`).join(", ");
  results.push(
    { name: `engine: KnexEventStore.process, batches of 1,000 (${perOrder.toFixed(1)} events per order; ${mixText})`, value: Math.round(rate), unit: "events/s", note: `goal ≥ 10,000; ${runs(rates)}` },
    { name: "raw multi-row INSERT/UPDATE of the rows those batches wrote (inbox, orders, audit, feed)", value: Math.round(rawRate), unit: "events/s", note: runs(rawRates) },
    { name: "engine / raw ratio", value: Number((rate / rawRate).toFixed(2)), unit: "×" },
  );

  if (opts.http) {
    const config = testConfig({ bodyLimitBytes: 64 * 1024 * 1024 });
    const server = await startServer(config, { db, logger: pino({ level: "silent" }) });
    try {
      const stream = [...orderStream({ orders: opts.orders, seed: 999, profile: "standard" })];
      const waves = await prepare(orders, stream, "H");
      await db.knex.raw("analyze");
      const versions = new Map<string, number>();
      const headers = { authorization: `Bearer ${config.adminToken}`, "content-type": "application/json" };
      let seconds = 0;
      let events = 0;
      for (const batch of batchesOf(waves)) {
        const body = JSON.stringify({ events: materialise(batch, versions) });
        const start = performance.now();
        const res = await fetch(`${server.url}/api/events`, { method: "POST", headers, body });
        const json = (await res.json()) as { results?: EventOutcome[] };
        seconds += (performance.now() - start) / 1000;
        if (res.status !== 200 || !json.results) throw new Error(`POST /api/events failed: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
        events += batch.length;
        remember(versions, json.results, new Map());
      }
      results.push({ name: "engine via HTTP POST /api/events (1,000 events per request)", value: Math.round(events / seconds), unit: "events/s" });
    } finally {
      await server.close();
    }
  }
  await signal.close();
  return results;
}
