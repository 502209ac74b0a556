import crypto from "node:crypto";
import { YouzanConfig, YouzanCredentials } from "../../contracts/erpConnectors.js";
import type { StatusMapEntry } from "../../domain/connectors/statusMaps.js";
import { InputError } from "../../domain/errors.js";
import { fromBeijing, toBeijing } from "../cn/beijingTime.js";
import { fen, RecordEvents } from "../cn/mapping.js";
import type { Connector, MappedRecord, ParsedWebhook, PullContext, PulledPage } from "../sdk/Connector.js";
import { ConnectorHttpError } from "../sdk/HttpClient.js";
import { FullOrderInfo, PushBody, TokenAnswer, TradesData, YOUZAN_TOKEN_ERRORS, youzanPushSign } from "./youzanProtocol.js";

/** The cursor: an update-time window being paged, the page, and the window's size when paging began. */
interface YouzanState {
  since?: string;
  until?: string;
  page?: number;
  total?: number;
}

/** A window ending this close to now means the pull has caught up. */
const CAUGHT_UP_MS = 60_000;

/** Access tokens by app (its secret included, so new credentials get a new token) and shop, reused until shortly before they expire. */
const tokens = new Map<string, { token: string; expiresAt: number }>();

const header = (h: Record<string, string | string[] | undefined>, name: string): string | undefined => {
  const v = h[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * Youzan (有赞云): trades pulled with `youzan.trades.sold.get` by update-time window, paged
 * by `page_no`; a window whose `total_results` changes while it is paged (a trade updated
 * meanwhile leaves it) is read again from its first page, so nothing slips between pages;
 * and push messages verified with `Event-Sign`, deduplicated on the message id, answered
 * `{"code":0,"msg":"success"}`.
 */
export class YouzanConnector implements Connector<FullOrderInfo, YouzanConfig, YouzanCredentials> {
  readonly kind = "youzan" as const;
  readonly platform = "youzan" as const;
  readonly configSchema = YouzanConfig;
  readonly credentialsSchema = YouzanCredentials;

  async pullPage(ctx: PullContext<YouzanConfig, YouzanCredentials>): Promise<PulledPage<FullOrderInfo>> {
    const state = ctx.state as YouzanState;
    const now = ctx.now.getTime();
    const since = state.since ?? ctx.config.initialSince ?? new Date(now - 86_400_000).toISOString();
    if (Date.parse(since) >= now - 1000) return { records: [], nextState: ctx.state, done: true, highWaterAt: null };
    const until = state.until ?? new Date(Math.min(now, Date.parse(since) + ctx.config.windowHours * 3_600_000)).toISOString();
    const page = state.page ?? 1;
    const data = await this.call(ctx, "youzan.trades.sold.get", {
      start_update: toBeijing(since),
      end_update: toBeijing(until),
      page_no: page,
      page_size: ctx.config.pageSize,
    });
    const parsed = TradesData.safeParse(data);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new ConnectorHttpError("bad_response", `data.${i.path.join(".")}: ${i.message}`);
    }
    const records = (parsed.data.full_order_info_list ?? []).map((x) => x.full_order_info);
    const total = parsed.data.total_results;
    let next: YouzanState;
    if (state.total !== undefined && state.total !== total) {
      // The window changed under the pages read so far: read it again (what was read enters once).
      next = { since, until, page: 1 };
    } else if (page * ctx.config.pageSize < total && records.length > 0) {
      next = { since, until, page: page + 1, total };
    } else {
      next = { since: until };
    }
    const highWaterAt = records.reduce<string | null>((m, r) => {
      const at = fromBeijing(r.order_info.update_time);
      return at && (m === null || at > m) ? at : m;
    }, null);
    const done = next.until === undefined && Date.parse(next.since!) >= now - CAUGHT_UP_MS;
    return { records, nextState: next as Record<string, unknown>, done, highWaterAt };
  }

  private async token(ctx: PullContext<YouzanConfig, YouzanCredentials>, fresh: boolean): Promise<string> {
    const key = crypto.createHash("sha256").update(`${ctx.config.baseUrl}|${ctx.credentials.clientId}|${ctx.credentials.clientSecret}|${ctx.config.kdtId}`).digest("hex");
    const cached = tokens.get(key);
    if (!fresh && cached && cached.expiresAt > Date.now() + 60_000) return cached.token;
    const res = await ctx.http.json(`${ctx.config.baseUrl.replace(/\/$/, "")}/auth/token`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ client_id: ctx.credentials.clientId, client_secret: ctx.credentials.clientSecret, authorize_type: "silent", grant_id: ctx.config.kdtId, refresh: true }),
      timeoutMs: ctx.config.timeoutMs,
    });
    const answer = TokenAnswer.safeParse(res.body);
    if (!answer.success || !answer.data.data?.access_token) {
      const said = answer.success ? `Youzan token refused: code ${answer.data.code ?? "?"}${answer.data.message ? `: ${answer.data.message}` : ""}` : "the token answer has no access_token";
      throw new ConnectorHttpError("token_expired", said);
    }
    const expiresAt = answer.data.data.expires ?? Date.now() + 3_600_000;
    tokens.set(key, { token: answer.data.data.access_token, expiresAt });
    return answer.data.data.access_token;
  }

  /** One API call; a refused token is fetched again once. */
  private async call(ctx: PullContext<YouzanConfig, YouzanCredentials>, method: string, body: Record<string, unknown>): Promise<unknown> {
    for (let attempt = 0; ; attempt++) {
      const token = await this.token(ctx, attempt > 0);
      const url = `${ctx.config.baseUrl.replace(/\/$/, "")}/api/${method}/${ctx.config.apiVersion}?access_token=${encodeURIComponent(token)}`;
      const res = await ctx.http.json(url, {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(body),
        timeoutMs: ctx.config.timeoutMs,
      });
      const b = (res.body ?? {}) as { success?: boolean; code?: number; message?: string; data?: unknown; gw_err_resp?: { err_code?: number; err_msg?: string } };
      const gw = b.gw_err_resp;
      if (gw) {
        const said = `Youzan gateway error ${gw.err_code ?? "?"}${gw.err_msg ? `: ${gw.err_msg}` : ""}`;
        if (gw.err_code !== undefined && YOUZAN_TOKEN_ERRORS.has(gw.err_code)) {
          if (attempt === 0) continue;
          throw new ConnectorHttpError("token_expired", said);
        }
        throw new ConnectorHttpError("upstream", said);
      }
      if (b.success === false || (b.code !== undefined && b.code !== 200)) throw new ConnectorHttpError("upstream", `Youzan error ${b.code ?? "?"}${b.message ? `: ${b.message}` : ""}`);
      return b.data;
    }
  }

  updatedAt(r: FullOrderInfo): string | null {
    return fromBeijing(r.order_info.update_time);
  }

  cursorTime(state: Record<string, unknown>): string | null {
    return typeof state.since === "string" ? state.since : null;
  }

  verifyWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>, credentials: YouzanCredentials): { ok: true } | { ok: false; reason: string } {
    const sent = header(headers, "event-sign");
    if (!sent) return { ok: false, reason: "no Event-Sign header: the push is not signed" };
    const expected = Buffer.from(youzanPushSign(credentials.clientId, rawBody, credentials.clientSecret), "utf8");
    const given = Buffer.from(sent.trim().toLowerCase(), "utf8");
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return { ok: false, reason: "Event-Sign does not match md5(client_id + body + client_secret)" };
    return { ok: true };
  }

  parseWebhook(rawBody: Buffer): ParsedWebhook<FullOrderInfo> {
    let json: unknown;
    try {
      json = JSON.parse(rawBody.toString("utf8"));
    } catch {
      throw new InputError("the push body is not JSON");
    }
    const parsed = PushBody.safeParse(json);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new InputError(`invalid push body: ${i.path.join(".")}: ${i.message}`);
    }
    const p = parsed.data;
    // The message id; older pushes carry none, and a resend repeats type, business id, status and version.
    const eventId = p.msg_id || `${p.type}:${p.id}:${p.status ?? ""}:${p.version ?? ""}`;
    const topic = p.type;
    if (p.test) return { ignored: "a test push", eventId, topic };
    if (p.type !== "TRADE_ORDER_STATE") return { ignored: `push type ${p.type} carries no trade state`, eventId, topic };
    let msg: unknown;
    try {
      msg = JSON.parse(decodeURIComponent(p.msg ?? ""));
    } catch {
      throw new InputError("invalid push body: msg: must be URL-encoded JSON");
    }
    const full = FullOrderInfo.safeParse((msg as { full_order_info?: unknown })?.full_order_info);
    if (!full.success) return { ignored: "a state push without the trade's details; the next pull reads the trade", eventId, topic };
    return { eventId, topic, records: [full.data] };
  }

  webhookReply(answer: { outcome: string; detail?: string }): unknown {
    // Youzan resends until it reads {"code":0,"msg":"success"}; a refused push says why.
    return answer.outcome === "unauthorized" ? { code: 401, msg: answer.detail ?? "unauthorized" } : { code: 0, msg: "success" };
  }

  map(r: FullOrderInfo, table: readonly StatusMapEntry[], source: string): MappedRecord {
    const o = r.order_info;
    const ext = { channel: "youzan" as const, externalOrderId: o.tid };
    const sample = { tid: o.tid, status: o.status, update_time: o.update_time, created: o.created ?? null };
    const ev = new RecordEvents({ source, idPrefix: `youzan:${o.tid}`, ...ext, occurredAt: fromBeijing(o.update_time), sample });
    ev.status(table, "status", o.status, { paidAt: fromBeijing(o.pay_time), outboundAt: fromBeijing(o.consign_time), signedAt: fromBeijing(o.success_time) });
    const a = r.address_info;
    const lines = (r.orders ?? []).map((l, i) => {
      const quantity = Math.max(0, Math.round(l.num ?? 0));
      const unitPrice = fen(l.price);
      return { lineNo: i + 1, sku: (l.outer_sku_id || (l.sku_id !== null && l.sku_id !== undefined ? String(l.sku_id) : "") || "(no sku)").slice(0, 100), name: (l.title ?? "").slice(0, 300), quantity, unitPrice, amount: l.payment !== null && l.payment !== undefined ? fen(l.payment) : unitPrice * quantity, flags: {} };
    });
    return {
      order: {
        ...ext,
        customer: {
          id: r.buyer_info?.yz_open_id ?? null,
          name: a?.receiver_name ?? r.buyer_info?.fans_nickname ?? null,
          phone: a?.receiver_tel ?? r.buyer_info?.buyer_phone ?? null,
          address: a ? [a.delivery_province, a.delivery_city, a.delivery_district, a.delivery_address].filter((x) => x && x.trim()).join(" ") || null : null,
        },
        totalAmount: fen(r.pay_info?.payment ?? r.pay_info?.total_fee),
        currency: "CNY",
        region: a?.delivery_province ?? null,
        warehouse: null,
        carrier: null,
        waybillNo: null,
        tags: [],
        extra: {},
        placedAt: fromBeijing(o.created),
        promisedAt: null,
        lines,
      },
      events: ev.events,
      unmapped: ev.unmapped,
    };
  }
}
