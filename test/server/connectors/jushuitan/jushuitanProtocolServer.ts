import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** An order as the server keeps it (JuShuiTan field names). */
export interface JstServerOrder {
  o_id: number;
  so_id: string;
  shop_id: number;
  status: string;
  /** Beijing wall-clock `yyyy-MM-dd HH:mm:ss`. */
  modified: string;
  order_date: string;
  pay_date: string | null;
  send_date: string | null;
  pay_amount: string;
  l_id: string | null;
  logistics_company: string | null;
  receiver_name: string;
  receiver_mobile: string;
  receiver_state: string;
  receiver_city: string;
  receiver_address: string;
  items: { sku_id: string; name: string; qty: number; price: number; amount: number }[];
  ts?: number;
}

/** A sales outbound record as the server keeps it. */
export interface JstServerOutbound {
  io_id: number;
  o_id: number;
  so_id: string;
  shop_id: number;
  status: string;
  io_date: string | null;
  modified: string;
  l_id: string | null;
  logistics_company: string | null;
  pay_amount: string;
  items: { sku_id: string; name: string; qty: number; price: number }[];
}

/** One request as the server saw it. */
export interface JstSeen {
  path: string;
  biz: Record<string, any>;
  code: number;
  at: number;
}

/**
 * A local server speaking JuShuiTan's open-platform protocol as research-2026-12.md §4.1
 * documents it: form POSTs with `app_key, access_token, timestamp, charset, version, biz,
 * sign`; `sign = md5_hex_lower(app_secret + sorted key+value pairs)` checked (code 10);
 * the token (100); the timestamp within 15 minutes (140); 5 requests a second (199) and
 * 100 a minute (200) per app; `modified_begin`/`modified_end` required together and at most
 * 7 days apart; `page_size` ≤ 100; orders paged by `start_ts` (≥, rows in row-version
 * order) or `page_index`, outbound records by `page_index`; `has_next` on every page. Its
 * clock for the limits is the wall clock plus what the test advanced it by.
 */
export class JushuitanProtocolServer {
  appKey = "jst_app_test_key";
  appSecret = "jst_app_test_secret";
  accessToken = "jst_token_test";
  orders: JstServerOrder[] = [];
  outbounds: JstServerOutbound[] = [];
  readonly requests: JstSeen[] = [];
  /** Answer the next N requests with this code (e.g. 199, 100) before serving. */
  force = { code: 0, remaining: 0 };
  private ts = 1000;
  private offsetMs = 0;
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

  advance(ms: number): void {
    this.offsetMs += ms;
  }

  clock(): number {
    return Date.now() + this.offsetMs;
  }

  /** Stores orders, each given a new row version (`ts`), as the ERP's SQL Server does on every change. */
  put(...orders: JstServerOrder[]): void {
    for (const o of orders) {
      o.ts = ++this.ts;
      this.orders = this.orders.filter((x) => x.o_id !== o.o_id).concat(o);
    }
  }

  reset(): void {
    this.orders = [];
    this.outbounds = [];
    this.requests.length = 0;
    this.force = { code: 0, remaining: 0 };
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (code: number, msg: string, data?: unknown) => {
      res.writeHead(200, { "content-type": "application/json;charset=utf-8" });
      res.end(JSON.stringify({ code, msg, ...(data === undefined ? {} : { data }) }));
    };
    const path = req.url ?? "";
    if (req.method !== "POST" || !["/open/orders/single/query", "/open/orders/out/simple/query"].includes(path)) {
      res.writeHead(404).end();
      return;
    }
    if (!String(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded")) return send(1, "Content-Type must be application/x-www-form-urlencoded");
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    let biz: Record<string, any> = {};
    try {
      biz = JSON.parse(form.biz ?? "");
    } catch {
      // refused below
    }
    const seen: JstSeen = { path, biz, code: 0, at: this.clock() };
    this.requests.push(seen);
    const answer = (code: number, msg: string, data?: unknown) => {
      seen.code = code;
      send(code, msg, data);
    };
    for (const k of ["app_key", "access_token", "timestamp", "charset", "version", "biz", "sign"]) {
      if (!form[k]) return answer(1, `缺少参数 ${k}`);
    }
    if (form.app_key !== this.appKey) return answer(10, "无效的app_key");
    const { sign, ...signed } = form;
    const text = Object.keys(signed).sort().map((k) => `${k}${signed[k]}`).join("");
    if (crypto.createHash("md5").update(this.appSecret + text, "utf8").digest("hex") !== sign) return answer(10, "签名错误");
    if (form.access_token !== this.accessToken) return answer(100, "access_token无效或已过期");
    if (Math.abs(Number(form.timestamp) - Date.now() / 1000) > 15 * 60) return answer(140, "timestamp与服务器时间相差超过15分钟");
    if (this.force.remaining > 0) {
      this.force.remaining -= 1;
      const said: Record<number, string> = { 199: "每秒请求超过5次", 200: "每分钟请求超过100次", 100: "access_token无效或已过期", 110: "IP不在白名单中" };
      return answer(this.force.code, said[this.force.code] ?? "error");
    }
    // Limits counted over requests that passed the checks above, on this server's clock.
    const now = seen.at;
    const recent = this.requests.filter((r) => r !== seen && r.code !== 199 && r.code !== 200 && r.code !== 10 && r.code !== 100 && r.code !== 1);
    if (recent.filter((r) => r.at > now - 1000).length >= 5) return answer(199, "每秒请求超过5次");
    if (recent.filter((r) => r.at > now - 60_000).length >= 100) return answer(200, "每分钟请求超过100次");

    const begin = biz.modified_begin as string | undefined;
    const end = biz.modified_end as string | undefined;
    if (!begin !== !end) return answer(1, "modified_begin与modified_end必须同时存在");
    if (begin && end) {
      const span = Date.parse(end.replace(" ", "T") + "+08:00") - Date.parse(begin.replace(" ", "T") + "+08:00");
      if (!(span >= 0) || span > 7 * 86_400_000) return answer(1, "modified_begin与modified_end相差不能超过7天");
    }
    const pageSize = Number(biz.page_size ?? 30);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return answer(1, "page_size不能超过100");
    const pageIndex = Number(biz.page_index ?? 1);
    const inWindow = (m: string) => (!begin || m >= begin) && (!end || m <= end);

    if (path === "/open/orders/single/query") {
      let rows = this.orders.filter((o) => inWindow(o.modified) && (!biz.shop_id || o.shop_id === biz.shop_id));
      if (biz.start_ts !== undefined) rows = rows.filter((o) => o.ts! >= Number(biz.start_ts));
      rows.sort((a, b) => a.ts! - b.ts!);
      const page = rows.slice((pageIndex - 1) * pageSize, pageIndex * pageSize);
      return answer(0, "执行成功", {
        page_index: pageIndex,
        page_size: pageSize,
        ...(biz.is_get_total === false ? {} : { data_count: rows.length, page_count: Math.ceil(rows.length / pageSize) }),
        has_next: pageIndex * pageSize < rows.length,
        orders: page,
      });
    }
    const rows = this.outbounds.filter((o) => inWindow(o.modified)).sort((a, b) => (a.modified === b.modified ? a.io_id - b.io_id : a.modified < b.modified ? -1 : 1));
    return answer(0, "执行成功", {
      page_index: pageIndex,
      page_size: pageSize,
      data_count: rows.length,
      page_count: Math.ceil(rows.length / pageSize),
      has_next: pageIndex * pageSize < rows.length,
      datas: rows.slice((pageIndex - 1) * pageSize, pageIndex * pageSize),
    });
  }
}

/** Beijing wall-clock text of an instant. */
export const bj = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace("T", " ");

/** A made-up order modified `minutesAgo` before now. */
export function jstOrder(n: number, minutesAgo: number, over: Partial<JstServerOrder> = {}): JstServerOrder {
  const at = Date.now() - minutesAgo * 60_000;
  return {
    o_id: 80_000 + n,
    so_id: `TB${3_000_000 + n}`,
    shop_id: 10086,
    status: "WaitConfirm",
    modified: bj(at),
    order_date: bj(at - 3_600_000),
    pay_date: bj(at - 3_000_000),
    send_date: null,
    pay_amount: "128.50",
    l_id: null,
    logistics_company: null,
    receiver_name: `张${n}`,
    receiver_mobile: "13800000000",
    receiver_state: "浙江省",
    receiver_city: "杭州市",
    receiver_address: "西湖区文三路 1 号",
    items: [{ sku_id: `SKU-${n}`, name: "保温杯", qty: 1, price: 128.5, amount: 128.5 }],
    ...over,
  };
}
