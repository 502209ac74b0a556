import { WangdiantongConfig, WangdiantongCredentials } from "../../contracts/erpConnectors.js";
import type { Channel } from "../../domain/channels.js";
import type { StatusMapEntry } from "../../domain/connectors/statusMaps.js";
import { InputError } from "../../domain/errors.js";
import { fromBeijing, toBeijing, unixSeconds } from "../cn/beijingTime.js";
import { channelOf, fen, RecordEvents } from "../cn/mapping.js";
import type { Connector, MappedRecord, ParsedWebhook, PullContext, PulledPage } from "../sdk/Connector.js";
import { ConnectorHttpError } from "../sdk/HttpClient.js";
import { WDT_RETRY_CODES, WdtAnswer, wangdiantongSign, type WdtRecord } from "./wangdiantongProtocol.js";

/** The cursor: a modified-time window being paged (`page_no` from 0) and its size when paging began. */
interface WdtState {
  since?: string;
  until?: string;
  page?: number;
  total?: number;
}

const CAUGHT_UP_MS = 60_000;
/** Waits on a retry-later code within one page, and how long each is. */
const MAX_RETRY_LATER = 5;
const RETRY_LATER_MS = 30_000;

/**
 * Wangdiantong (旺店通) WMS/ERP: sales outbound (stockout) records from
 * `stockout_order_query_trade.php` by modified-time window (≤ 60 minutes), paged by
 * `page_no` from 0 to `total_count`; a window whose total changes while it is paged is
 * read again from page 0. Each record gives the order its waybill and, once shipped, its
 * outbound time. Signed with the length-prefixed MD5 algorithm. Wangdiantong sends no
 * webhooks here.
 */
export class WangdiantongConnector implements Connector<WdtRecord, WangdiantongConfig, WangdiantongCredentials> {
  readonly kind = "wangdiantong" as const;
  readonly platform = "wangdiantong" as const;
  readonly configSchema = WangdiantongConfig;
  readonly credentialsSchema = WangdiantongCredentials;

  async pullPage(ctx: PullContext<WangdiantongConfig, WangdiantongCredentials>): Promise<PulledPage<WdtRecord>> {
    const state = ctx.state as WdtState;
    const now = ctx.now.getTime();
    const since = state.since ?? ctx.config.initialSince ?? new Date(now - 3_600_000).toISOString();
    if (Date.parse(since) >= now - 1000) return { records: [], nextState: ctx.state, done: true, highWaterAt: null };
    const until = state.until ?? new Date(Math.min(now, Date.parse(since) + ctx.config.windowMinutes * 60_000)).toISOString();
    const page = state.page ?? 0;
    const answer = await this.call(ctx, "stockout_order_query_trade.php", {
      start_time: toBeijing(since),
      end_time: toBeijing(until),
      page_no: String(page),
      page_size: String(ctx.config.pageSize),
    });
    const list = answer.stockout_list ?? [];
    const total = answer.total_count ?? list.length;
    const records = list.map((stockout) => ({ stockout, channel: channelOf(stockout.shop_no ?? null, ctx.config) }));
    let next: WdtState;
    if (state.total !== undefined && state.total !== total) next = { since, until, page: 0 };
    else if ((page + 1) * ctx.config.pageSize < total && list.length > 0) next = { since, until, page: page + 1, total };
    else next = { since: until };
    const highWaterAt = records.reduce<string | null>((m, r) => {
      const at = fromBeijing(r.stockout.modified);
      return at && (m === null || at > m) ? at : m;
    }, null);
    const done = next.until === undefined && Date.parse(next.since!) >= now - CAUGHT_UP_MS;
    return { records, nextState: next as Record<string, unknown>, done, highWaterAt };
  }

  private async call(ctx: PullContext<WangdiantongConfig, WangdiantongCredentials>, method: string, biz: Record<string, string>) {
    for (let waited = 0; ; waited++) {
      const params: Record<string, string> = { sid: ctx.config.sid, appkey: ctx.credentials.appkey, timestamp: unixSeconds(new Date()), ...biz };
      params.sign = wangdiantongSign(params, ctx.credentials.appsecret);
      const res = await ctx.http.json(`${ctx.config.baseUrl.replace(/\/$/, "")}/${method}`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded;charset=utf-8", accept: "application/json" },
        body: new URLSearchParams(params).toString(),
        timeoutMs: ctx.config.timeoutMs,
      });
      const parsed = WdtAnswer.safeParse(res.body);
      if (!parsed.success) {
        const i = parsed.error.issues[0];
        throw new ConnectorHttpError("bad_response", `${i.path.join(".")}: ${i.message}`);
      }
      const a = parsed.data;
      if (a.code === 0) return a;
      const said = `Wangdiantong code ${a.code}${a.message ? `: ${a.message}` : ""}`;
      if (WDT_RETRY_CODES.has(a.code)) {
        if (waited >= MAX_RETRY_LATER) throw new ConnectorHttpError("rate_limited", `${said} (still refused after ${MAX_RETRY_LATER} waits)`);
        await ctx.http.sleep(RETRY_LATER_MS);
        continue;
      }
      // The classic API answers refusals with a code and a Chinese message; the message says which.
      if (/签名|sign/i.test(a.message ?? "")) throw new ConnectorHttpError("bad_signature", said);
      if (/appkey|卖家账号|sid|授权|过期/i.test(a.message ?? "")) throw new ConnectorHttpError("unauthorized", said);
      if (/白名单|\bip\b/i.test(a.message ?? "")) throw new ConnectorHttpError("ip_not_allowed", said);
      if (/时间戳|timestamp/i.test(a.message ?? "")) throw new ConnectorHttpError("clock_skew", said);
      throw new ConnectorHttpError("upstream", said);
    }
  }

  updatedAt(r: WdtRecord): string | null {
    return fromBeijing(r.stockout.modified);
  }

  cursorTime(state: Record<string, unknown>): string | null {
    return typeof state.since === "string" ? state.since : null;
  }

  verifyWebhook(): { ok: false; reason: string } {
    return { ok: false, reason: "the Wangdiantong connector takes no webhooks: its data is pulled" };
  }

  parseWebhook(): ParsedWebhook<WdtRecord> {
    throw new InputError("the Wangdiantong connector takes no webhooks");
  }

  map(r: WdtRecord, table: readonly StatusMapEntry[], source: string): MappedRecord {
    const s = r.stockout;
    const channel = r.channel as Channel;
    const externalOrderId = s.src_tid?.trim() || s.src_order_no?.trim() || `WDT-${s.order_no}`;
    const sample = { stockout_id: s.stockout_id, order_no: s.order_no, src_tid: s.src_tid ?? null, status: s.status, modified: s.modified };
    const ev = new RecordEvents({ source, idPrefix: `wangdiantong:${s.order_no}`, channel, externalOrderId, occurredAt: fromBeijing(s.modified), sample });
    ev.waybill(s.logistics_name, s.logistics_no);
    // Shipped (95) and completed (110) both mean it left: one outbound event per stockout.
    ev.status(table, "stockout_status", s.status, { outboundAt: fromBeijing(s.consign_time), warehouse: s.warehouse_name ?? s.warehouse_no }, (target) => `stockout:${target}`);
    const lines = (s.goods_list ?? []).map((g, i) => {
      const quantity = Math.max(0, Math.round(g.num ?? 0));
      const unitPrice = fen(g.sell_price);
      return { lineNo: i + 1, sku: (g.spec_no || "(no sku)").slice(0, 100), name: (g.goods_name ?? "").slice(0, 300), quantity, unitPrice, amount: g.share_amount !== null && g.share_amount !== undefined ? fen(g.share_amount) : unitPrice * quantity, flags: {} };
    });
    return {
      order: {
        channel,
        externalOrderId,
        customer: { id: null, name: s.receiver_name ?? null, phone: s.receiver_mobile ?? null, address: [s.receiver_area, s.receiver_address].filter((x) => x && x.trim()).join(" ") || null },
        totalAmount: fen(s.paid),
        currency: "CNY",
        region: s.receiver_area?.split(/\s+/)[0] || null,
        warehouse: s.warehouse_name ?? s.warehouse_no ?? null,
        carrier: null,
        waybillNo: null,
        tags: [],
        extra: { wdtStockoutNo: s.order_no },
        placedAt: null,
        promisedAt: null,
        lines,
      },
      events: ev.events,
      unmapped: ev.unmapped,
    };
  }
}
