import pino from "pino";
import type { Database } from "../../server/db/createKnex.js";
import { startServer } from "../../server/main.js";
import { testConfig } from "../helpers/testServer.js";
import { KdniaoProtocolServer, beijing, type Waybill } from "../server/connectors/kdniao/kdniaoProtocolServer.js";
import { ShopifyProtocolServer, shopOrder, type ShopOrder } from "../server/connectors/shopify/shopifyProtocolServer.js";
import type { BenchResult } from "./importBench.js";

/** Tracking updates per order on the peak day (collected, in transit …, out for delivery, signed). */
const UPDATES = 12;
/** Waybill snapshots per Kdniao push (a push carries several, `Count` says how many). */
const PER_PUSH = 20;
/** Requests in flight at once, on both paths. */
const SENDERS = 4;
/** Shopify page size (the GraphQL maximum) = the baseline's orders per import request. */
const PAGE = 250;

/** Runs `fn` over `items` with `limit` in flight. */
async function inFlight<T>(items: T[], limit: number, fn: (t: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(Array.from({ length: limit }, async () => {
    while (next < items.length) await fn(items[next++]);
  }));
}

/** The snapshot of a waybill after update `u` (0-based): State 1 first, 2 in transit, 202 out for delivery, 3 signed last. */
function snapshot(orderId: string, waybillNo: string, u: number, base: number): Waybill {
  const traces = Array.from({ length: u + 1 }, (_, k) => ({ AcceptTime: beijing(new Date(base + k * 3_600_000)), AcceptStation: `【中转${k}】快件已到达 ${waybillNo.slice(-4)}` }));
  const last = u === UPDATES - 1;
  return { ShipperCode: "SF", LogisticCode: waybillNo, OrderCode: orderId, State: u === 0 ? "1" : last ? "3" : "2", ...(u === UPDATES - 2 ? { StateEx: "202" } : last ? { StateEx: "301" } : {}), Traces: traces };
}

/** The same facts a snapshot brings, as /api/events inputs (what the Kdniao mapping yields that is new). */
function snapshotEvents(w: Waybill, u: number): Record<string, unknown>[] {
  const at = (k: number) => new Date(Date.parse(w.Traces[k].AcceptTime.replace(" ", "T") + "+08:00")).toISOString();
  const key = `bench:${w.LogisticCode}`;
  const ev = (id: string, type: string, data: Record<string, unknown>, occurredAt: string) => ({ source: "bench:api", sourceEventId: `${key}:${id}`, orderId: w.OrderCode, type, data, occurredAt });
  const out = [];
  if (u === 0) out.push(ev("collected", "carrier.collected", { collectedAt: at(0) }, at(0)));
  out.push(ev(`trace:${u}`, "carrier.update", { state: w.StateEx ?? w.State, location: w.Traces[u].AcceptStation }, at(u)));
  if (u === UPDATES - 1) out.push(ev("signed", "carrier.signed", { signedAt: at(u) }, at(u)));
  return out;
}

/**
 * A peak day through the connectors beside the same data sent straight to the API, in the
 * same run: `orders` Shopify orders (paid, fulfilled with a waybill) pulled from the Shopify
 * protocol server by a Shopify connector, then ~12 tracking updates per order pushed by the
 * Kdniao protocol server to the Kdniao connector's webhook (signed, 20 waybills a push, 4 in
 * flight); against the same orders posted to /api/orders (250 a request) with their status
 * events, and the same tracking facts posted to /api/events (one push's worth a request, 4
 * in flight). Run as baseline, connectors, connectors, baseline on two halves of the day so
 * the growth of the tables weighs on both paths alike.
 */
export async function connectorsBench(db: Database, opts: { orders: number }): Promise<BenchResult[]> {
  const config = testConfig({ bodyLimitBytes: 64 * 1024 * 1024 });
  const server = await startServer(config, { db, logger: pino({ level: "silent" }) });
  const shop = new ShopifyProtocolServer();
  const kd = new KdniaoProtocolServer();
  await shop.start();
  await kd.start();
  // A budget that never throttles: the bench measures this server, not Shopify's plan.
  shop.setBucket(1e12, 1e12);
  const base = `http://127.0.0.1:${server.port}`;
  const headers = { authorization: `Bearer ${config.adminToken}`, "content-type": "application/json" };
  const api = async (method: string, path: string, body?: unknown): Promise<any> => {
    const res = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (res.status !== 200) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
    return JSON.parse(text);
  };
  const dayStart = Date.now() - 40 * 3_600_000;
  const half = Math.ceil(opts.orders / 2);
  const t = { connOrders: 0, connEvents: 0, apiOrders: 0, apiEvents: 0, connEventCount: 0, apiEventCount: 0, pushes: 0 };
  const count = async (source: string) => Number((await db.knex("events_inbox").where("source", source).count<{ c: string }[]>("* as c"))[0].c);

  const makeOrders = (from: number, n: number): ShopOrder[] =>
    Array.from({ length: n }, (_, i) => {
      const k = from + i;
      const at = new Date(dayStart + k * 1000).toISOString();
      return shopOrder(k, {
        createdAt: at, updatedAt: at, processedAt: at, fulfillment: "FULFILLED",
        lineItems: [{ sku: `SKU-${k % 300}`, title: "保温杯", quantity: 2, price: "29.95" }],
        fulfillments: [{ createdAt: at, company: "SF", number: `SF${String(7_000_000_000 + k)}` }],
      });
    });

  /** Pushes the day's tracking for these orders (round by round, as the day goes) and returns the seconds it took. */
  const tracking = async (orders: { id: string; waybillNo: string }[], send: (snaps: Waybill[], u: number) => Promise<void>): Promise<number> => {
    const batches: { snaps: Waybill[]; u: number }[] = [];
    for (let u = 0; u < UPDATES; u++) {
      for (let i = 0; i < orders.length; i += PER_PUSH) batches.push({ u, snaps: orders.slice(i, i + PER_PUSH).map((o, j) => snapshot(o.id, o.waybillNo, u, dayStart + (i + j) * 1000)) });
    }
    const start = performance.now();
    await inFlight(batches, SENDERS, (b) => send(b.snaps, b.u));
    return (performance.now() - start) / 1000;
  };

  const connectorsPhase = async (p: number, orders: ShopOrder[]) => {
    shop.orders = orders;
    const shopify = await api("POST", "/api/connectors", {
      kind: "shopify", name: `bench-shop-${p}`, paused: false,
      config: { shopUrl: shop.url, pageSize: PAGE, initialSince: new Date(dayStart - 60_000).toISOString(), timeoutMs: 60_000 },
      credentials: { accessToken: shop.accessToken, webhookSecret: "bench-secret" },
    });
    const start = performance.now();
    await api("POST", `/api/connectors/${shopify.id}/run`);
    await server.connectors.settled(shopify.id);
    t.connOrders += (performance.now() - start) / 1000;
    const health = await api("GET", `/api/connectors/${shopify.id}/health`);
    if (health.lastError || health.counts.pulled !== orders.length) throw new Error(`the Shopify pull did not take every order: ${JSON.stringify(health)}`);

    const kdniao = await api("POST", "/api/connectors", {
      kind: "kdniao", name: `bench-kdniao-${p}`, paused: false,
      config: { apiUrl: kd.url }, credentials: { eBusinessId: kd.eBusinessId, apiKey: kd.apiKey },
    });
    const rows = await db.knex("orders").where("channel", "shopify").whereIn("external_order_id", orders.map((o) => String(o.id))).select("id", "waybill_no");
    const hook = `${base}/hooks/${kdniao.id}`;
    const before = await count(`connector:${kdniao.id}`);
    t.connEvents += await tracking(rows.map((r) => ({ id: r.id, waybillNo: r.waybill_no })), async (snaps) => {
      const res = await fetch(hook, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded;charset=utf-8" }, body: kd.pushBody(snaps) });
      const reply = (await res.json()) as { Success?: boolean };
      if (res.status !== 200 || reply.Success !== true) throw new Error(`push refused: ${res.status} ${JSON.stringify(reply)}`);
      t.pushes += 1;
    });
    t.connEventCount += (await count(`connector:${kdniao.id}`)) - before;
  };

  const baselinePhase = async (orders: ShopOrder[]) => {
    const inputs = orders.map((o) => ({
      channel: "shopify", externalOrderId: `API-${o.id}`, customer: { id: String(o.customer.id), name: `${o.customer.lastName}${o.customer.firstName}`, phone: null },
      totalAmount: o.total, currency: o.currency, placedAt: o.createdAt, lines: o.lineItems.map((l) => ({ sku: l.sku, name: l.title, quantity: l.quantity, unitPrice: l.price })),
    }));
    const start = performance.now();
    for (let i = 0; i < inputs.length; i += PAGE) {
      const slice = inputs.slice(i, i + PAGE);
      await api("POST", "/api/orders", { orders: slice });
      const events = slice.flatMap((o, j) => {
        const s = orders[i + j];
        const loc = { source: "bench:api", channel: "shopify", externalOrderId: o.externalOrderId, occurredAt: s.updatedAt };
        return [
          { ...loc, sourceEventId: `${o.externalOrderId}:paid`, type: "payment.confirmed", data: { paidAt: s.processedAt } },
          { ...loc, sourceEventId: `${o.externalOrderId}:waybill`, type: "waybill.assigned", data: { carrier: "SF", waybillNo: `A${s.fulfillments[0].number}` } },
          { ...loc, sourceEventId: `${o.externalOrderId}:outbound`, type: "wms.outbound", data: { outboundAt: s.fulfillments[0].createdAt } },
        ];
      });
      await api("POST", "/api/events", { events });
    }
    t.apiOrders += (performance.now() - start) / 1000;
    const rows = await db.knex("orders").where("channel", "shopify").whereIn("external_order_id", inputs.map((o) => o.externalOrderId)).select("id", "waybill_no");
    const before = await count("bench:api");
    t.apiEvents += await tracking(rows.map((r) => ({ id: r.id, waybillNo: r.waybill_no })), async (snaps, u) => {
      await api("POST", "/api/events", { events: snaps.flatMap((w) => snapshotEvents(w, u)) });
    });
    t.apiEventCount += (await count("bench:api")) - before;
  };

  try {
    const first = makeOrders(0, half);
    const second = makeOrders(half, opts.orders - half);
    await baselinePhase(first);
    await connectorsPhase(0, first);
    await connectorsPhase(1, second);
    await baselinePhase(second);
  } finally {
    await server.close();
    await shop.stop();
    await kd.stop();
  }
  const connOrders = opts.orders / t.connOrders;
  const apiOrders = opts.orders / t.apiOrders;
  const connEvents = t.connEventCount / t.connEvents;
  const apiEvents = t.apiEventCount / t.apiEvents;
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  return [
    { name: "Shopify pull (GraphQL pages of 250, orders imported + payment/waybill/outbound events)", value: Math.round(connOrders), unit: "orders/s", note: `${n(opts.orders)} orders in ${t.connOrders.toFixed(1)} s` },
    { name: "same orders via POST /api/orders + their events via POST /api/events (250 a request)", value: Math.round(apiOrders), unit: "orders/s", note: `${t.apiOrders.toFixed(1)} s` },
    { name: "Shopify pull / API ratio", value: Number((connOrders / apiOrders).toFixed(2)), unit: "×", note: "goal ≥ 0.8" },
    { name: `Kdniao pushes (signed 101, ${PER_PUSH} waybills a push, ${SENDERS} in flight, ${UPDATES} updates an order)`, value: Math.round(connEvents), unit: "events/s", note: `${n(t.connEventCount)} new events from ${n(t.pushes)} pushes in ${t.connEvents.toFixed(1)} s` },
    { name: "same tracking facts via POST /api/events (one push's worth a request)", value: Math.round(apiEvents), unit: "events/s", note: `${n(t.apiEventCount)} events in ${t.apiEvents.toFixed(1)} s` },
    { name: "Kdniao push / API ratio", value: Number((connEvents / apiEvents).toFixed(2)), unit: "×", note: "goal ≥ 0.8" },
  ];
}
