import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A trade as the server keeps it (Youzan field names; times in Beijing wall-clock). */
export interface YzTrade {
  tid: string;
  status: string;
  created: string;
  update_time: string;
  pay_time: string | null;
  consign_time: string | null;
  payment: string;
  receiver_name: string;
  receiver_tel: string;
  items: { outer_sku_id: string; title: string; num: number; price: string; payment: string }[];
}

export interface YzSeen {
  path: string;
  body: Record<string, any>;
  answer: "page" | "token" | "429" | "token_refused" | "error";
}

/**
 * A local server speaking Youzan cloud's protocol as research-2026-12.md §4.2 documents it:
 * `POST /auth/token` (silent grant for a self-use app: `client_id, client_secret,
 * authorize_type: "silent", grant_id: kdt_id, refresh`) answering `{success, code: 200,
 * data: {access_token, expires, …}}`; `POST /api/youzan.trades.sold.get/{version}
 * ?access_token=…` with `start_update/end_update, page_no, page_size` answering
 * `data.total_results` and `data.full_order_info_list[].full_order_info`; a refused token as
 * `gw_err_resp` (4201/4202, [U]); `429` with `Retry-After`; and push messages signed with
 * `Event-Sign = md5_hex(client_id + raw body + client_secret)`.
 */
export class YouzanProtocolServer {
  clientId = "yz_client_test";
  clientSecret = "yz_secret_test";
  kdtId = "40000001";
  trades: YzTrade[] = [];
  readonly requests: YzSeen[] = [];
  rateLimit = { remaining: 0, retryAfter: "3" };
  private valid = new Set<string>();
  tokensIssued = 0;
  private server?: http.Server;
  url = "";

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /** Every token issued so far stops working (expired or revoked on the platform). */
  revokeTokens(): void {
    this.valid.clear();
  }

  reset(): void {
    this.trades = [];
    this.requests.length = 0;
    this.rateLimit = { remaining: 0, retryAfter: "3" };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json;charset=utf-8", ...headers });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? "/", "http://x");
    let body: Record<string, any> = {};
    try {
      body = JSON.parse(Buffer.concat(chunks).toString("utf8") || "{}");
    } catch {
      return send(400, { success: false, code: 400, message: "invalid JSON" });
    }
    const seen: YzSeen = { path: url.pathname, body, answer: "page" };
    this.requests.push(seen);
    if (req.method === "POST" && url.pathname === "/auth/token") {
      seen.answer = "token";
      if (body.client_id !== this.clientId || body.client_secret !== this.clientSecret) return send(200, { success: false, code: 4010, message: "client_id或client_secret错误" });
      if (body.authorize_type !== "silent" || String(body.grant_id) !== this.kdtId) return send(200, { success: false, code: 4011, message: "授权店铺不存在" });
      const token = crypto.randomBytes(12).toString("hex");
      this.valid.add(token);
      this.tokensIssued += 1;
      return send(200, { success: true, code: 200, message: null, data: { access_token: token, expires: Date.now() + 7 * 86_400_000, scope: "trade", authority_id: this.kdtId } });
    }
    const m = /^\/api\/([\w.]+)\/(\d+\.\d+\.\d+)$/.exec(url.pathname);
    if (req.method !== "POST" || !m) return send(404, { success: false, code: 404, message: "not found" });
    if (!this.valid.has(url.searchParams.get("access_token") ?? "")) {
      seen.answer = "token_refused";
      return send(200, { gw_err_resp: { err_code: 4201, err_msg: "access_token无效或已过期" } });
    }
    if (this.rateLimit.remaining > 0) {
      this.rateLimit.remaining -= 1;
      seen.answer = "429";
      return send(429, { gw_err_resp: { err_code: 429, err_msg: "请求过于频繁" } }, { "retry-after": this.rateLimit.retryAfter });
    }
    if (m[1] !== "youzan.trades.sold.get") return send(200, { success: false, code: 404, message: "only youzan.trades.sold.get is served here" });
    const pageSize = Number(body.page_size ?? 40);
    const pageNo = Number(body.page_no ?? 1);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) {
      seen.answer = "error";
      return send(200, { success: false, code: 141500101, message: "page_size 不能超过 100" });
    }
    const rows = this.trades
      .filter((t) => (!body.start_update || t.update_time >= body.start_update) && (!body.end_update || t.update_time <= body.end_update))
      .sort((a, b) => (a.update_time === b.update_time ? (a.tid < b.tid ? -1 : 1) : a.update_time < b.update_time ? -1 : 1));
    const page = rows.slice((pageNo - 1) * pageSize, pageNo * pageSize);
    return send(200, { success: true, code: 200, message: "successful", data: { total_results: rows.length, full_order_info_list: page.map((t) => ({ full_order_info: fullOrderInfo(t) })) } });
  }

  /** Pushes a message as Youzan does: JSON body, `Event-Sign` over client_id + raw body + client_secret. */
  async push(url: string, opts: { trade: YzTrade; secret?: string | null; msgId?: string; type?: string; test?: boolean; statusOnly?: boolean; tamper?: boolean; version?: number }): Promise<{ status: number; body: any }> {
    const t = opts.trade;
    const msg = opts.statusOnly ? { tid: t.tid, status: t.status, update_time: t.update_time } : { tid: t.tid, full_order_info: fullOrderInfo(t) };
    const raw = JSON.stringify({
      client_id: this.clientId,
      id: t.tid,
      kdt_id: Number(this.kdtId),
      kdt_name: "测试小店",
      mode: 1,
      msg: encodeURIComponent(JSON.stringify(msg)),
      sendCount: 0,
      status: t.status,
      test: opts.test ?? false,
      type: opts.type ?? "TRADE_ORDER_STATE",
      version: opts.version ?? 1764600000,
      ...(opts.msgId ? { msg_id: opts.msgId } : {}),
    });
    const headers: Record<string, string> = { "content-type": "application/json", "event-type": opts.type ?? "TRADE_ORDER_STATE", "client-id": this.clientId };
    const secret = opts.secret === undefined ? this.clientSecret : opts.secret;
    if (secret !== null) headers["event-sign"] = crypto.createHash("md5").update(this.clientId + raw + secret).digest("hex");
    const res = await fetch(url, { method: "POST", headers, body: opts.tamper ? raw.replace('"mode":1', '"mode":0') : raw });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body };
  }
}

function fullOrderInfo(t: YzTrade) {
  return {
    order_info: { tid: t.tid, status: t.status, created: t.created, update_time: t.update_time, pay_time: t.pay_time, consign_time: t.consign_time, success_time: null },
    buyer_info: { buyer_phone: t.receiver_tel, fans_nickname: "买家", yz_open_id: `open-${t.tid}` },
    address_info: { receiver_name: t.receiver_name, receiver_tel: t.receiver_tel, delivery_province: "上海市", delivery_city: "上海市", delivery_district: "徐汇区", delivery_address: "漕溪北路 1 号" },
    pay_info: { payment: t.payment, total_fee: t.payment },
    orders: t.items,
  };
}

export const bj = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace("T", " ");

/** A made-up trade updated `minutesAgo` before now. */
export function yzTrade(n: number, minutesAgo: number, over: Partial<YzTrade> = {}): YzTrade {
  const at = Date.now() - minutesAgo * 60_000;
  return {
    tid: `E2026120${String(1000000 + n)}`,
    status: "WAIT_SELLER_SEND_GOODS",
    created: bj(at - 600_000),
    update_time: bj(at),
    pay_time: bj(at - 300_000),
    consign_time: null,
    payment: "66.00",
    receiver_name: `李${n}`,
    receiver_tel: "13900000000",
    items: [{ outer_sku_id: `YZ-${n}`, title: "茶叶礼盒", num: 1, price: "66.00", payment: "66.00" }],
    ...over,
  };
}
