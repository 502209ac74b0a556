import { JushuitanConfig, JushuitanCredentials } from "../../contracts/erpConnectors.js";
import type { Channel } from "../../domain/channels.js";
import type { StatusMapEntry } from "../../domain/connectors/statusMaps.js";
import { InputError } from "../../domain/errors.js";
import { fromBeijing, toBeijing, unixSeconds } from "../cn/beijingTime.js";
import { channelOf, fen, RecordEvents } from "../cn/mapping.js";
import { budgetFor } from "../cn/RequestBudget.js";
import type { Connector, MappedRecord, ParsedWebhook, PullContext, PulledPage } from "../sdk/Connector.js";
import { ConnectorHttpError } from "../sdk/HttpClient.js";
import { JST_CODES, JST_LIMITS, JstAnswer, jushuitanSign, JstOrdersData, JstOutData, type JstOrder, type JstOutbound, type JstRecord } from "./jushuitanProtocol.js";

/**
 * The cursor: a modified window `[since, until]` (≤ 7 days, fixed while it is paged), which
 * stream of it is being read (orders, then outbound records), and where in that stream:
 * orders page by `start_ts` (the row version the vendor advises paging by, so a row changed
 * mid-scan is read again later rather than skipped), outbound records by `page_index`.
 */
interface JstState {
  since?: string;
  until?: string;
  stream?: "orders" | "outbound";
  startTs?: number;
  page?: number;
}

/** A window ending this close to now means the pull has caught up. */
const CAUGHT_UP_MS = 60_000;

/** How often the platform's own rate-limit answer (199/200) is waited out within one page. */
const MAX_LIMITED = 5;

/**
 * JuShuiTan (聚水潭) ERP: orders (`/open/orders/single/query`) and sales outbound records
 * (`/open/orders/out/simple/query`) by modified window, signed as the open platform asks,
 * within its limits (5 requests a second and 100 a minute per app, kept client-side, and
 * its 199/200 answers waited out). JuShuiTan sends no webhooks here.
 */
export class JushuitanConnector implements Connector<JstRecord, JushuitanConfig, JushuitanCredentials> {
  readonly kind = "jushuitan" as const;
  readonly platform = "jushuitan" as const;
  readonly configSchema = JushuitanConfig;
  readonly credentialsSchema = JushuitanCredentials;

  async pullPage(ctx: PullContext<JushuitanConfig, JushuitanCredentials>): Promise<PulledPage<JstRecord>> {
    const state = ctx.state as JstState;
    const now = ctx.now;
    const since = state.since ?? ctx.config.initialSince ?? new Date(now.getTime() - 86_400_000).toISOString();
    if (Date.parse(since) >= now.getTime() - 1000) return { records: [], nextState: ctx.state, done: true, highWaterAt: null };
    const until = state.until ?? new Date(Math.min(now.getTime(), Date.parse(since) + ctx.config.windowDays * 86_400_000)).toISOString();
    const stream = state.stream ?? "orders";
    const biz: Record<string, unknown> = {
      modified_begin: toBeijing(since),
      modified_end: toBeijing(until),
      page_size: ctx.config.pageSize,
      ...(ctx.config.shopId ? { shop_id: ctx.config.shopId } : {}),
    };
    if (stream === "orders") Object.assign(biz, { date_type: 0, page_index: 1, is_get_total: false, ...(state.startTs !== undefined ? { start_ts: state.startTs } : {}) });
    else Object.assign(biz, { page_index: state.page ?? 1 });

    const path = stream === "orders" ? "/open/orders/single/query" : "/open/orders/out/simple/query";
    const data = await this.call(ctx, path, biz);

    let records: JstRecord[];
    let hasNext: boolean;
    let next: JstState;
    if (stream === "orders") {
      const page = parseData(JstOrdersData, data);
      const orders = page.orders ?? [];
      records = orders.map((order) => ({ kind: "order", order, channel: channelOf(order.shop_id, ctx.config) }));
      const maxTs = orders.reduce<number | null>((m, o) => (o.ts === null || o.ts === undefined ? m : m === null || o.ts > m ? o.ts : m), null);
      hasNext = page.has_next && orders.length > 0;
      if (hasNext && maxTs === null) throw new ConnectorHttpError("bad_response", "orders carry no ts, so the next page cannot be asked for");
      next = hasNext ? { since, until, stream, startTs: maxTs! + 1 } : ctx.config.shipments ? { since, until, stream: "outbound", page: 1 } : { since: until };
    } else {
      const page = parseData(JstOutData, data);
      const outs = page.datas ?? [];
      records = outs.map((out) => ({ kind: "outbound", out, channel: channelOf(out.shop_id, ctx.config) }));
      hasNext = page.has_next && outs.length > 0;
      next = hasNext ? { since, until, stream, page: (state.page ?? 1) + 1 } : { since: until };
    }
    const highWaterAt = records.reduce<string | null>((m, r) => {
      const at = this.updatedAt(r);
      return at && (m === null || at > m) ? at : m;
    }, null);
    // The window is finished and reached (about) the present: the rest waits for the next run.
    const done = next.until === undefined && Date.parse(next.since!) >= now.getTime() - CAUGHT_UP_MS;
    return { records, nextState: next as Record<string, unknown>, done, highWaterAt };
  }

  /** One signed call, within the limits; the platform's error codes become run errors in plain words. */
  private async call(ctx: PullContext<JushuitanConfig, JushuitanCredentials>, path: string, biz: Record<string, unknown>): Promise<unknown> {
    const c = ctx.credentials;
    const budget = budgetFor(`jushuitan:${c.appKey}`, JST_LIMITS);
    for (let limited = 0; ; limited++) {
      await budget.take(ctx.http.sleep);
      const params: Record<string, string> = {
        app_key: c.appKey,
        access_token: c.accessToken,
        timestamp: unixSeconds(new Date()),
        charset: "utf-8",
        version: "2",
        biz: JSON.stringify(biz),
      };
      params.sign = jushuitanSign(params, c.appSecret);
      const res = await ctx.http.json(`${ctx.config.baseUrl.replace(/\/$/, "")}${path}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded;charset=utf-8", accept: "application/json" },
        body: new URLSearchParams(params).toString(),
        timeoutMs: ctx.config.timeoutMs,
      });
      const answer = JstAnswer.safeParse(res.body);
      if (!answer.success) throw new ConnectorHttpError("bad_response", "the answer has no numeric code");
      const { code, msg } = answer.data;
      const said = `JuShuiTan code ${code}${msg ? `: ${msg}` : ""}`;
      switch (code) {
        case JST_CODES.ok:
          return answer.data.data;
        case JST_CODES.perSecond:
        case JST_CODES.perMinute:
          if (limited >= MAX_LIMITED) throw new ConnectorHttpError("rate_limited", `${said} (still limited after ${MAX_LIMITED} waits)`);
          // Over 5/s: a second clears it; over 100/min: the minute must pass.
          await budget.pause(code === JST_CODES.perSecond ? 1000 : 60_000, ctx.http.sleep);
          continue;
        case JST_CODES.token:
        case JST_CODES.noRefresh:
          throw new ConnectorHttpError("token_expired", said);
        case JST_CODES.badSign:
          throw new ConnectorHttpError("bad_signature", said);
        case JST_CODES.ipWhitelist:
          throw new ConnectorHttpError("ip_not_allowed", said);
        case JST_CODES.clockSkew:
          throw new ConnectorHttpError("clock_skew", said);
        default:
          throw new ConnectorHttpError("upstream", said);
      }
    }
  }

  updatedAt(r: JstRecord): string | null {
    return fromBeijing(r.kind === "order" ? r.order.modified : r.out.modified);
  }

  cursorTime(state: Record<string, unknown>): string | null {
    return typeof state.since === "string" ? state.since : null;
  }

  verifyWebhook(): { ok: false; reason: string } {
    return { ok: false, reason: "the JuShuiTan connector takes no webhooks: its data is pulled" };
  }

  parseWebhook(): ParsedWebhook<JstRecord> {
    throw new InputError("the JuShuiTan connector takes no webhooks");
  }

  map(r: JstRecord, table: readonly StatusMapEntry[], source: string): MappedRecord {
    return r.kind === "order" ? this.mapOrder(r.order, table, source, r.channel as Channel) : this.mapOutbound(r.out, table, source, r.channel as Channel);
  }

  private mapOrder(o: JstOrder, table: readonly StatusMapEntry[], source: string, channel: Channel): MappedRecord {
    const externalOrderId = o.so_id?.trim() || `JST-${o.o_id}`;
    const modified = fromBeijing(o.modified);
    const sample = { o_id: o.o_id, so_id: o.so_id ?? null, shop_id: o.shop_id, status: o.status, modified: o.modified };
    const ev = new RecordEvents({ source, idPrefix: `jushuitan:${o.o_id}`, channel, externalOrderId, occurredAt: modified, sample });
    ev.status(table, "status", o.status, { paidAt: fromBeijing(o.pay_date), outboundAt: fromBeijing(o.send_date), warehouse: o.wms_co_name });
    ev.waybill(o.logistics_company, o.l_id);
    const lines = (o.items ?? []).map((it, i) => {
      const quantity = Math.max(0, Math.round(it.qty ?? 0));
      const unitPrice = fen(it.price);
      return { lineNo: i + 1, sku: (it.sku_id || "(no sku)").slice(0, 100), name: (it.name ?? "").slice(0, 300), quantity, unitPrice, amount: it.amount !== null && it.amount !== undefined ? fen(it.amount) : unitPrice * quantity, flags: {} };
    });
    const address = [o.receiver_state, o.receiver_city, o.receiver_district, o.receiver_address].filter((p) => p && p.trim()).join(" ") || null;
    return {
      order: {
        channel,
        externalOrderId,
        customer: { id: null, name: o.receiver_name ?? null, phone: o.receiver_mobile ?? null, address },
        totalAmount: fen(o.pay_amount ?? o.paid_amount),
        currency: "CNY",
        region: o.receiver_state ?? null,
        warehouse: o.wms_co_name ?? null,
        carrier: null,
        waybillNo: null,
        tags: [],
        extra: { jstOrderId: o.o_id },
        placedAt: fromBeijing(o.order_date),
        promisedAt: null,
        lines,
      },
      events: ev.events,
      unmapped: ev.unmapped,
    };
  }

  private mapOutbound(x: JstOutbound, table: readonly StatusMapEntry[], source: string, channel: Channel): MappedRecord {
    const externalOrderId = x.so_id?.trim() || `JST-${x.o_id}`;
    const sample = { io_id: x.io_id, o_id: x.o_id, so_id: x.so_id ?? null, status: x.status, modified: x.modified };
    const ev = new RecordEvents({ source, idPrefix: `jushuitan:${x.o_id}`, channel, externalOrderId, occurredAt: fromBeijing(x.modified), sample });
    // The waybill's id is the order's, so the same waybill read from the order and from its outbound enters once.
    ev.waybill(x.logistics_company, x.l_id);
    ev.status(table, "out_status", x.status, { outboundAt: fromBeijing(x.io_date), warehouse: x.wms_co_name }, `out:${x.io_id}:${x.status}`);
    const lines = (x.items ?? []).map((it, i) => {
      const quantity = Math.max(0, Math.round(it.qty ?? 0));
      const unitPrice = fen(it.price);
      return { lineNo: i + 1, sku: (it.sku_id || "(no sku)").slice(0, 100), name: (it.name ?? "").slice(0, 300), quantity, unitPrice, amount: unitPrice * quantity, flags: {} };
    });
    return {
      order: {
        channel,
        externalOrderId,
        customer: { id: null, name: null, phone: null, address: null },
        totalAmount: fen(x.pay_amount),
        currency: "CNY",
        region: null,
        warehouse: x.wms_co_name ?? null,
        carrier: null,
        waybillNo: null,
        tags: [],
        extra: { jstOrderId: x.o_id },
        placedAt: null,
        promisedAt: null,
        lines,
      },
      events: ev.events,
      unmapped: ev.unmapped,
    };
  }
}

function parseData<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: { path: PropertyKey[]; message: string }[] } } }, data: unknown): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    throw new ConnectorHttpError("bad_response", `data.${i.path.map(String).join(".")}: ${i.message}`);
  }
  return parsed.data;
}
