import crypto from "node:crypto";
import { KdniaoConfig, KdniaoCredentials } from "../../contracts/connectors.js";
import type { EventInput } from "../../contracts/events.js";
import type { UnmappedSighting } from "../../domain/connectors/ports.js";
import { lookupStatus, type StatusMapEntry, type StatusTarget } from "../../domain/connectors/statusMaps.js";
import type { TrackedWaybill, WaybillSource } from "../../domain/connectors/waybills.js";
import { InputError } from "../../domain/errors.js";
import type { Connector, MappedRecord, ParsedWebhook, PullContext, PulledPage } from "../sdk/Connector.js";
import { ConnectorHttpError } from "../sdk/HttpClient.js";
import { beijingTime, fromBeijingTime, KdniaoPush, KdniaoSnapshot, KdniaoSubscribeAnswer, kdniaoSign, REQUEST_TYPES, requestForm } from "./kdniaoProtocol.js";

/** Carrier names as orders often carry them → Kdniao ShipperCode (an instance's `carrierCodes` add to these). */
export const SHIPPER_CODES: Record<string, string> = {
  顺丰: "SF", 顺丰速运: "SF", "SF Express": "SF", 圆通: "YTO", 圆通速递: "YTO", 中通: "ZTO", 中通快递: "ZTO", 申通: "STO", 申通快递: "STO",
  韵达: "YD", 韵达快递: "YD", 极兔: "JTSD", 极兔速递: "JTSD", 邮政: "YZPY", 中国邮政: "YZPY", EMS: "EMS", 京东: "JD", 京东物流: "JD", 德邦: "DBL", 德邦快递: "DBL",
};

/** What one pull page brought about one waybill. */
export type KdniaoRecord =
  | { kind: "subscribed"; waybill: TrackedWaybill; shipperCode: string }
  | { kind: "no_shipper"; waybill: TrackedWaybill }
  | { kind: "refused"; waybill: TrackedWaybill; reason: string }
  | { kind: "trace"; orderId: string | null; snapshot: KdniaoSnapshot };

/**
 * The cursor: the change-feed position up to which new waybills were subscribed; the poll
 * round going on (when it started, and the last order id polled) or when the last one started.
 */
interface KdniaoState {
  feedSeq?: string;
  roundAt?: string;
  after?: string | null;
  lastRoundAt?: string;
}

const cut = (s: string, n = 500) => (s.length > n ? s.slice(0, n) : s);
/** Kdniao answers a refused signature or account with Success=false and a reason naming it. */
const AUTH_REASON = /签名|验证失败|用户|sign|EBusinessID|ApiKey|not exist|不存在/i;

/** Runs `fn` over `items` with at most `limit` at once, keeping their order. */
async function pool<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

/**
 * Kdniao (快递鸟) carrier tracking. A pull subscribes (1008) every waybill the workspace's
 * orders gained since the last pull (read from the change feed, so none is skipped), then,
 * at most once per `pollEveryMinutes`, queries (1002) the waybills with no trace for
 * `pollAfterHours`, page by page in order-id order. Tracking arrives mostly as pushes
 * (101/102) at `/hooks/<id>`, form-encoded and signed with `DataSign`, answered with
 * `{EBusinessID, UpdateTime, Success, Reason}`. Each snapshot's State/StateEx become
 * carrier events through the `kdniao` status table; every event id is derived from the
 * waybill and the fact, so a push and a poll of the same fact enter once.
 */
export class KdniaoConnector implements Connector<KdniaoRecord, KdniaoConfig, KdniaoCredentials> {
  readonly kind = "kdniao" as const;
  readonly platform = "kdniao" as const;
  readonly configSchema = KdniaoConfig;
  readonly credentialsSchema = KdniaoCredentials;

  constructor(private readonly waybills: WaybillSource) {}

  async pullPage(ctx: PullContext<KdniaoConfig, KdniaoCredentials>): Promise<PulledPage<KdniaoRecord>> {
    const st = ctx.state as KdniaoState;
    const c = ctx.config;
    const feedSeq = st.feedSeq ?? "0";

    // 1. Waybills gained since the last pull: subscribe them.
    const gained = await this.waybills.gained(ctx.workspaceId, feedSeq, c.pageSize);
    if (gained.waybills.length > 0 || gained.nextSeq !== feedSeq) {
      const unique = [...new Map(gained.waybills.map((w) => [`${w.carrier}\u0000${w.waybillNo}`, w])).values()];
      const records = await pool(unique, c.concurrency, (w) => this.subscribe(ctx, w));
      return { records, nextState: { ...st, feedSeq: gained.nextSeq } as Record<string, unknown>, done: false, highWaterAt: null };
    }

    // 2. The poll round of silent waybills, when one is due.
    let roundAt = st.roundAt;
    if (!roundAt) {
      if (st.lastRoundAt && ctx.now.getTime() - Date.parse(st.lastRoundAt) < c.pollEveryMinutes * 60_000) {
        return { records: [], nextState: { ...st, feedSeq } as Record<string, unknown>, done: true, highWaterAt: null };
      }
      roundAt = ctx.now.toISOString();
    }
    const silentSince = new Date(Date.parse(roundAt) - c.pollAfterHours * 3_600_000);
    const due = await this.waybills.silent(ctx.workspaceId, silentSince, st.after ?? null, c.pageSize);
    const records = (await pool(due, c.concurrency, (w) => this.query(ctx, w))).filter((r): r is KdniaoRecord => r !== null);
    const finished = due.length < c.pageSize;
    const nextState: KdniaoState = finished ? { feedSeq, lastRoundAt: roundAt } : { feedSeq, roundAt, after: due[due.length - 1].orderId };
    return { records, nextState: nextState as Record<string, unknown>, done: finished, highWaterAt: null };
  }

  private shipperCode(config: KdniaoConfig, carrier: string): string | null {
    const name = carrier.trim();
    return config.carrierCodes[name] ?? SHIPPER_CODES[name] ?? (/^[A-Z][A-Z0-9]{1,9}$/.test(name) ? name : null);
  }

  private async call(ctx: PullContext<KdniaoConfig, KdniaoCredentials>, requestType: string, data: unknown): Promise<unknown> {
    const res = await ctx.http.json(ctx.config.apiUrl, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded;charset=utf-8", accept: "application/json" },
      body: requestForm(requestType, ctx.credentials.eBusinessId, ctx.credentials.apiKey, data),
      timeoutMs: ctx.config.timeoutMs,
    });
    const body = res.body as { Success?: unknown; Reason?: unknown } | null;
    if (body && body.Success === false && typeof body.Reason === "string" && AUTH_REASON.test(body.Reason)) {
      throw new ConnectorHttpError("unauthorized", `Kdniao refused the request: ${cut(body.Reason, 200)}`);
    }
    return res.body;
  }

  private async subscribe(ctx: PullContext<KdniaoConfig, KdniaoCredentials>, w: TrackedWaybill): Promise<KdniaoRecord> {
    const shipperCode = this.shipperCode(ctx.config, w.carrier);
    if (!shipperCode) return { kind: "no_shipper", waybill: w };
    const data: Record<string, unknown> = { ShipperCode: shipperCode, LogisticCode: w.waybillNo, OrderCode: w.orderId };
    if (ctx.config.callbackUrl) data.Callback = ctx.config.callbackUrl;
    const parsed = KdniaoSubscribeAnswer.safeParse(await this.call(ctx, REQUEST_TYPES.subscribe, data));
    if (!parsed.success) throw new ConnectorHttpError("bad_response", `subscription answer: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
    if (!parsed.data.Success) return { kind: "refused", waybill: w, reason: parsed.data.Reason || "no reason given" };
    return { kind: "subscribed", waybill: w, shipperCode };
  }

  private async query(ctx: PullContext<KdniaoConfig, KdniaoCredentials>, w: TrackedWaybill): Promise<KdniaoRecord | null> {
    const shipperCode = this.shipperCode(ctx.config, w.carrier);
    if (!shipperCode) return { kind: "no_shipper", waybill: w };
    const answer = await this.call(ctx, REQUEST_TYPES.query, { OrderCode: w.orderId, ShipperCode: shipperCode, LogisticCode: w.waybillNo });
    const parsed = KdniaoSnapshot.safeParse(answer);
    if (!parsed.success) throw new ConnectorHttpError("bad_response", `query answer: ${parsed.error.issues[0].path.join(".")}: ${parsed.error.issues[0].message}`);
    if (parsed.data.Success === false) return { kind: "refused", waybill: w, reason: parsed.data.Reason || "no reason given" };
    return { kind: "trace", orderId: w.orderId, snapshot: parsed.data };
  }

  updatedAt(): string | null {
    // Pushes are full snapshots whose facts carry their own ids: none is ever stale.
    return null;
  }

  cursorTime(state: Record<string, unknown>): string | null {
    const s = state as KdniaoState;
    return s.roundAt ?? s.lastRoundAt ?? null;
  }

  verifyWebhook(rawBody: Buffer, _headers: Record<string, string | string[] | undefined>, credentials: KdniaoCredentials): { ok: true } | { ok: false; reason: string } {
    const form = new URLSearchParams(rawBody.toString("utf8"));
    const data = form.get("RequestData");
    const sign = form.get("DataSign");
    if (!data || !sign) return { ok: false, reason: "no RequestData or no DataSign: the push is not signed" };
    // A '+' of the base64 sign reads as a space when a sender forgot to URL-encode it.
    const given = Buffer.from(sign.replace(/ /g, "+"));
    const expected = Buffer.from(kdniaoSign(data, credentials.apiKey));
    if (given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) return { ok: false, reason: "DataSign does not match base64(md5(RequestData + ApiKey))" };
    const id = /"EBusinessID"\s*:\s*"?([^",}\s]+)/.exec(data)?.[1];
    if (id !== undefined && id !== credentials.eBusinessId) return { ok: false, reason: `the push is for EBusinessID ${cut(id, 50)}, not this account's` };
    return { ok: true };
  }

  parseWebhook(rawBody: Buffer): ParsedWebhook<KdniaoRecord> {
    const form = new URLSearchParams(rawBody.toString("utf8"));
    const data = form.get("RequestData") ?? "";
    const type = form.get("RequestType") ?? "";
    const eventId = `push:${crypto.createHash("md5").update(data).digest("hex")}`;
    const topic = `RequestType ${type || "(none)"}`;
    if (type !== REQUEST_TYPES.push && type !== REQUEST_TYPES.pushValueAdded) return { ignored: `RequestType ${type || "(none)"} is not a tracking push`, eventId, topic };
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      throw new InputError("invalid push: RequestData: is not JSON");
    }
    const parsed = KdniaoPush.safeParse(json);
    if (!parsed.success) {
      const i = parsed.error.issues[0];
      throw new InputError(`invalid push: RequestData.${i.path.join(".")}: ${i.message}`);
    }
    return { eventId, topic, records: parsed.data.Data.map((snapshot) => ({ kind: "trace", orderId: snapshot.OrderCode || null, snapshot }) as const) };
  }

  webhookReply(answer: { outcome: string; detail?: string }, rawBody: Buffer, credentials: KdniaoCredentials | null, now: Date): unknown {
    const data = new URLSearchParams(rawBody.toString("utf8")).get("RequestData") ?? "";
    const fromPush = /"EBusinessID"\s*:\s*"?([^",}\s]+)/.exec(data)?.[1];
    const ok = answer.outcome !== "unauthorized";
    return { EBusinessID: credentials?.eBusinessId ?? fromPush ?? "", UpdateTime: beijingTime(now), Success: ok, Reason: ok ? "" : (answer.detail ?? "refused") };
  }

  map(r: KdniaoRecord, table: readonly StatusMapEntry[], source: string): MappedRecord {
    switch (r.kind) {
      case "subscribed":
        return { events: [], unmapped: [] };
      case "no_shipper":
        return { events: [], unmapped: [sighting(r.waybill, "carrier", r.waybill.carrier || "(none)", { waybillNo: r.waybill.waybillNo })] };
      case "refused":
        return { events: [], unmapped: [sighting(r.waybill, "refused", cut(r.reason, 200), { waybillNo: r.waybill.waybillNo })] };
      case "trace":
        return mapSnapshot(r.snapshot, r.orderId, table, source);
    }
  }
}

function sighting(w: TrackedWaybill, field: string, value: string, sample: Record<string, unknown>): UnmappedSighting {
  return { channel: w.channel, externalOrderId: w.externalOrderId, orderId: w.orderId, field, value, sample };
}

/** A tracking snapshot as carrier events: implied collection, the newest trace, then signed or problem. */
function mapSnapshot(s: KdniaoSnapshot, orderId: string | null, table: readonly StatusMapEntry[], source: string): MappedRecord {
  const sample = { ShipperCode: s.ShipperCode, LogisticCode: s.LogisticCode, OrderCode: s.OrderCode ?? null, State: s.State ?? null, StateEx: s.StateEx ?? null, Traces: (s.Traces ?? []).length };
  const unmapped: UnmappedSighting[] = [];
  const where = { channel: "kdniao", externalOrderId: s.LogisticCode, ...(orderId ? { orderId } : {}) };
  if (!orderId) return { events: [], unmapped: [{ ...where, field: "OrderCode", value: "(none)", sample }] };

  let target: StatusTarget | undefined;
  let code: string | undefined;
  if (s.StateEx) {
    target = lookupStatus(table, "StateEx", s.StateEx);
    code = s.StateEx;
    if (target === undefined) unmapped.push({ ...where, field: "StateEx", value: s.StateEx, sample });
  }
  if (target === undefined && s.State) {
    target = lookupStatus(table, "State", s.State);
    code = s.State;
    if (target === undefined) unmapped.push({ ...where, field: "State", value: s.State, sample });
  }

  const traces = (s.Traces ?? []).map((t) => ({ ...t, at: fromBeijingTime(t.AcceptTime) })).filter((t) => t.at !== null);
  traces.sort((a, b) => a.at!.localeCompare(b.at!));
  const first = traces[0];
  const last = traces[traces.length - 1];
  const key = `kdniao:${s.ShipperCode}:${s.LogisticCode}`;
  const event = (id: string, type: string, data: Record<string, unknown>, occurredAt?: string | null): EventInput =>
    ({ source, sourceEventId: `${key}:${id}`, orderId, type, data, ...(occurredAt ? { occurredAt } : {}) }) as EventInput;

  const events: EventInput[] = [];
  if (target === "carrier.collected" || ((target === "carrier.update" || target === "carrier.signed") && first)) {
    events.push(event("collected", "carrier.collected", first ? { collectedAt: first.at } : {}, first?.at));
  }
  if (last) {
    const station = (last.AcceptStation ?? last.Location ?? "").trim();
    const data: Record<string, unknown> = {};
    const state = last.Action ?? code;
    if (state) data.state = cut(state, 50);
    if (station) data.location = cut(station);
    const digest = crypto.createHash("md5").update(station).digest("hex").slice(0, 10);
    events.push(event(`trace:${last.at}:${digest}`, "carrier.update", data, last.at));
  }
  if (target === "carrier.signed") events.push(event("signed", "carrier.signed", last ? { signedAt: last.at } : {}, last?.at));
  if (target === "carrier.problem") {
    const reason = cut(`State ${s.State ?? "?"}${s.StateEx ? ` / StateEx ${s.StateEx}` : ""}${s.Reason ? `: ${s.Reason}` : ""}`);
    events.push(event(`problem:${code}`, "carrier.problem", { reason }, last?.at));
  }
  return { events, unmapped };
}

