import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/** One trace line as Kdniao sends it. */
export interface Trace {
  AcceptTime: string;
  AcceptStation: string;
  Action?: string;
}

/** A waybill as the server tracks it. */
export interface Waybill {
  ShipperCode: string;
  LogisticCode: string;
  OrderCode?: string;
  State: string;
  StateEx?: string;
  Traces: Trace[];
}

/** One API request as the server saw it. */
export interface SeenCall {
  requestType: string;
  data: Record<string, any>;
  answer: "ok" | "bad_sign" | "429";
}

/** Carrier codes this server knows (a subset of Kdniao's list). */
const SHIPPERS = new Set(["SF", "YTO", "ZTO", "STO", "YD", "JD", "EMS", "JTSD", "YZPY", "DBL"]);

/** base64 of the lower-case hex MD5 of RequestData + ApiKey, as Kdniao documents DataSign. */
export function dataSign(requestData: string, apiKey: string): string {
  return Buffer.from(crypto.createHash("md5").update(requestData + apiKey, "utf8").digest("hex")).toString("base64");
}

/**
 * A local server speaking Kdniao's documented protocol (research-2026-12 §3): form POSTs of
 * `RequestData` (URL-encoded JSON), `EBusinessID`, `RequestType`, `DataSign`, `DataType=2`
 * to one endpoint; DataSign = base64(md5hex(RequestData + ApiKey)) URL-encoded once, refused
 * with `Success: false` when wrong; 1008 subscribes a waybill (answer `{EBusinessID,
 * UpdateTime, Success, Reason, EstimatedDeliveryTime}`), 1002 answers its snapshot; a rate
 * limit answered 429 with Retry-After. It also pushes (101) to a subscriber's callback,
 * signed the same way, and keeps the replies.
 */
export class KdniaoProtocolServer {
  eBusinessId = "1237100";
  apiKey = "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17";
  readonly waybills = new Map<string, Waybill>();
  readonly subscriptions: { ShipperCode: string; LogisticCode: string; OrderCode: string; Callback?: string }[] = [];
  readonly calls: SeenCall[] = [];
  /** Answer the next N requests with 429 and this Retry-After. */
  rateLimit = { remaining: 0, retryAfter: "3" };
  private server?: http.Server;
  url = "";

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, "127.0.0.1", () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/Ebusiness/EbusinessOrderHandle.aspx`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  reset(): void {
    this.waybills.clear();
    this.subscriptions.length = 0;
    this.calls.length = 0;
    this.rateLimit.remaining = 0;
  }

  track(w: Waybill): void {
    this.waybills.set(`${w.ShipperCode}:${w.LogisticCode}`, w);
  }

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
    const requestType = form.get("RequestType") ?? "";
    const requestData = form.get("RequestData") ?? "";
    let data: Record<string, any> = {};
    try {
      data = JSON.parse(requestData);
    } catch {
      // judged below by its signature like any other
    }
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
      res.end(JSON.stringify(body));
    };
    const now = beijing(new Date());
    if (this.rateLimit.remaining > 0) {
      this.rateLimit.remaining -= 1;
      this.calls.push({ requestType, data, answer: "429" });
      send(429, { Success: false, Reason: "请求过于频繁" }, { "retry-after": this.rateLimit.retryAfter });
      return;
    }
    if (req.method !== "POST" || !(req.headers["content-type"] ?? "").startsWith("application/x-www-form-urlencoded") || form.get("DataType") !== "2") {
      send(400, { Success: false, Reason: "请求格式错误" });
      return;
    }
    if (form.get("EBusinessID") !== this.eBusinessId || form.get("DataSign") !== dataSign(requestData, this.apiKey)) {
      this.calls.push({ requestType, data, answer: "bad_sign" });
      send(200, { EBusinessID: form.get("EBusinessID"), UpdateTime: now, Success: false, Reason: "数据签名验证失败" });
      return;
    }
    this.calls.push({ requestType, data, answer: "ok" });
    if (requestType === "1008") {
      if (!SHIPPERS.has(data.ShipperCode)) {
        send(200, { EBusinessID: this.eBusinessId, UpdateTime: now, Success: false, Reason: "快递公司编码不存在于快递鸟系统中" });
        return;
      }
      this.subscriptions.push({ ShipperCode: data.ShipperCode, LogisticCode: data.LogisticCode, OrderCode: data.OrderCode, Callback: data.Callback });
      send(200, { EBusinessID: this.eBusinessId, UpdateTime: now, Success: true, Reason: "", EstimatedDeliveryTime: "" });
      return;
    }
    if (requestType === "1002") {
      const w = this.waybills.get(`${data.ShipperCode}:${data.LogisticCode}`);
      send(200, {
        EBusinessID: this.eBusinessId,
        OrderCode: data.OrderCode ?? "",
        ShipperCode: data.ShipperCode,
        LogisticCode: data.LogisticCode,
        Success: true,
        Reason: w ? "" : "暂无轨迹信息",
        State: w ? Number(w.State) : 0,
        Traces: w?.Traces ?? [],
      });
      return;
    }
    send(200, { EBusinessID: this.eBusinessId, UpdateTime: now, Success: false, Reason: `RequestType ${requestType} 不支持` });
  }

  /** The form body of a 101 push of these waybills' snapshots, signed with `key` (default: the account's). */
  pushBody(items: Waybill[], opts: { key?: string; encodeSignTwice?: boolean; tamper?: boolean; requestType?: string } = {}): string {
    const requestData = JSON.stringify({
      EBusinessID: this.eBusinessId,
      PushTime: beijing(new Date()),
      Count: String(items.length),
      Data: items.map((w) => ({ EBusinessID: this.eBusinessId, OrderCode: w.OrderCode ?? "", ShipperCode: w.ShipperCode, LogisticCode: w.LogisticCode, Success: true, Reason: "", State: w.State, ...(w.StateEx ? { StateEx: w.StateEx } : {}), Location: "", Traces: w.Traces })),
    });
    let sign = dataSign(requestData, opts.key ?? this.apiKey);
    if (opts.encodeSignTwice) sign = encodeURIComponent(sign);
    const sent = opts.tamper ? requestData.replace(/"State":"(\d)"/, '"State":"3"') : requestData;
    return new URLSearchParams({ RequestData: sent, EBusinessID: this.eBusinessId, RequestType: opts.requestType ?? "101", DataSign: sign, DataType: "2" }).toString();
  }

  /** Pushes the snapshots to `callback` as Kdniao does; returns its status and reply. */
  async push(callback: string, items: Waybill[], opts: Parameters<KdniaoProtocolServer["pushBody"]>[1] = {}): Promise<{ status: number; body: any }> {
    const res = await fetch(callback, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded;charset=utf-8" }, body: this.pushBody(items, opts) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // kept as text
    }
    return { status: res.status, body };
  }
}

/** `yyyy-MM-dd HH:mm:ss` in Beijing time. */
export function beijing(at: Date): string {
  const b = new Date(at.getTime() + 8 * 3_600_000).toISOString();
  return `${b.slice(0, 10)} ${b.slice(11, 19)}`;
}
