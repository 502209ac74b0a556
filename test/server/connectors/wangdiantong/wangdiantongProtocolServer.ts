import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** A stockout as the server keeps it (Wangdiantong field names; times in Beijing wall-clock). */
export interface WdtServerStockout {
  stockout_id: number;
  order_no: string;
  src_order_no: string;
  src_tid: string;
  shop_no: string;
  status: number;
  warehouse_no: string;
  warehouse_name: string;
  consign_time: string | null;
  modified: string;
  logistics_no: string | null;
  logistics_name: string | null;
  receiver_name: string;
  receiver_mobile: string;
  receiver_area: string;
  receiver_address: string;
  paid: string;
  goods_list: { spec_no: string; goods_name: string; num: string; sell_price: string; share_amount: string }[];
}

export interface WdtSeen {
  form: Record<string, string>;
  code: number;
}

/**
 * A local server speaking Wangdiantong's classic open API as research-2026-12.md §4.3
 * documents it: form POSTs to `…/openapi2/stockout_order_query_trade.php` with `sid,
 * appkey, timestamp` (10-digit seconds) and `sign` = md5 of the sorted parameters each
 * written `{len(key):02d}-{key}:{len(value):04d}-{value}` (UTF-8 byte lengths), joined with
 * `;`, followed by the app secret; `start_time/end_time` (here at most 60 minutes apart, as
 * DOMAIN.md has it), `page_no` from 0, `page_size` ≤ 100; answers `{code, message,
 * total_count, stockout_list}`; `429` with `Retry-After`; retry-later codes on demand.
 */
export class WangdiantongProtocolServer {
  sid = "wdt_seller";
  appkey = "wdt_app_key";
  appsecret = "wdt_app_secret";
  stockouts: WdtServerStockout[] = [];
  readonly requests: WdtSeen[] = [];
  force = { code: 0, remaining: 0, http429: 0 };
  private server?: http.Server;
  url = "";

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/openapi2`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  reset(): void {
    this.stockouts = [];
    this.requests.length = 0;
    this.force = { code: 0, remaining: 0, http429: 0 };
  }

  /** The server's own rendition of the sign, written from the research notes. */
  static sign(form: Record<string, string>, secret: string): string {
    const parts = Object.keys(form)
      .filter((k) => k !== "sign")
      .sort()
      .map((k) => {
        const kl = String(Buffer.from(k, "utf8").length).padStart(2, "0");
        const vl = String(Buffer.from(form[k], "utf8").length).padStart(4, "0");
        return `${kl}-${k}:${vl}-${form[k]}`;
      });
    return crypto.createHash("md5").update(parts.join(";") + secret).digest("hex");
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json;charset=utf-8", ...headers });
      res.end(JSON.stringify(body));
    };
    if (req.method !== "POST" || req.url !== "/openapi2/stockout_order_query_trade.php") return send(404, { code: 404, message: "not found" });
    const form = Object.fromEntries(new URLSearchParams(Buffer.concat(chunks).toString("utf8")));
    const seen: WdtSeen = { form, code: 0 };
    this.requests.push(seen);
    const answer = (code: number, message: string, extra: Record<string, unknown> = {}) => {
      seen.code = code;
      send(200, { code, message, ...extra });
    };
    if (this.force.http429 > 0) {
      this.force.http429 -= 1;
      seen.code = 429;
      return send(429, { code: 429, message: "请求过于频繁" }, { "retry-after": "5" });
    }
    if (form.sid !== this.sid) return answer(1010, "卖家账号不存在");
    if (form.appkey !== this.appkey) return answer(1020, "appkey不存在");
    if (!/^\d{10}$/.test(form.timestamp ?? "") || Math.abs(Number(form.timestamp) - Date.now() / 1000) > 300) return answer(1080, "时间戳无效");
    if (form.sign !== WangdiantongProtocolServer.sign(form, this.appsecret)) return answer(1090, "签名错误");
    if (this.force.remaining > 0) {
      this.force.remaining -= 1;
      return answer(this.force.code, "系统繁忙，请稍后重试");
    }
    const start = form.start_time;
    const end = form.end_time;
    if (!start || !end) return answer(1030, "start_time和end_time不能为空");
    const span = Date.parse(end.replace(" ", "T") + "+08:00") - Date.parse(start.replace(" ", "T") + "+08:00");
    if (!(span >= 0) || span > 3_600_000) return answer(1040, "时间跨度不能超过60分钟");
    const pageNo = Number(form.page_no ?? 0);
    const pageSize = Number(form.page_size ?? 40);
    if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > 100) return answer(1050, "page_size不能超过100");
    const rows = this.stockouts
      .filter((s) => s.modified >= start && s.modified <= end)
      .sort((a, b) => (a.modified === b.modified ? a.stockout_id - b.stockout_id : a.modified < b.modified ? -1 : 1));
    return answer(0, "", { total_count: rows.length, stockout_list: rows.slice(pageNo * pageSize, (pageNo + 1) * pageSize) });
  }
}

export const bj = (ms: number) => new Date(ms + 8 * 3_600_000).toISOString().slice(0, 19).replace("T", " ");

/** A made-up shipped stockout modified `minutesAgo` before now. */
export function wdtStockout(n: number, minutesAgo: number, over: Partial<WdtServerStockout> = {}): WdtServerStockout {
  const at = Date.now() - minutesAgo * 60_000;
  return {
    stockout_id: 50_000 + n,
    order_no: `CK${202612000 + n}`,
    src_order_no: `JY${202612000 + n}`,
    src_tid: `PDD${900000 + n}`,
    shop_no: "pdd-01",
    status: 95,
    warehouse_no: "WH-SH",
    warehouse_name: "上海仓",
    consign_time: bj(at - 60_000),
    modified: bj(at),
    logistics_no: `ZTO${7_000_000 + n}`,
    logistics_name: "中通快递",
    receiver_name: `王${n}`,
    receiver_mobile: "13700000000",
    receiver_area: "上海 上海市 浦东新区",
    receiver_address: "世纪大道 100 号",
    paid: "39.90",
    goods_list: [{ spec_no: `SPEC-${n}`, goods_name: "纸巾", num: "2.0000", sell_price: "19.9500", share_amount: "39.9000" }],
    ...over,
  };
}
