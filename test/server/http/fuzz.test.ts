import assert from "node:assert/strict";
import fs from "node:fs";
import type { Role } from "../../../server/contracts/roles.js";
import { freePort, startChildServer, stopChild, tempDataDir, waitHealthy, type ChildServer } from "../../helpers/childServer.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

/**
 * A fuzz walk over every route of GET /api/openapi.json: path parameters, queries, bodies
 * and headers that are malformed, deep, wide, oversized, wrongly encoded and wrongly typed.
 * Every answer must be below 500, every 4xx in the error envelope with a readable message
 * quoting no SQL, and the server must still serve afterwards. The walk is driven by a
 * seeded PRNG (FUZZ_SEED overrides the default) so a failure reproduces; each violation is
 * reported with the seed and the request that caused it.
 */

const PROFILE: [number, string][] = [];
const SEED = Number(process.env.FUZZ_SEED ?? 20261202);
const BODY_LIMIT = 256 * 1024;

/** SQL, driver wording or table names that must never reach a client. */
const SQL_LEAK = [
  /\b(insert|select|update|delete)\b.*\b(into|from|set)\b/i,
  /violates/i,
  /syntax error at/i,
  /relation "/i,
  /invalid byte sequence/i,
  /\b(from|into|update|join)\s+"?(orders|order_lines|audit_log|audit_entries|events_inbox|change_feed|edits|tokens|users|workspaces|rejections)\b/i,
  /\b(table|column|constraint|relation|index)\s+"\w+"/i,
];

/** A notification target the walk creates (a robot on a port nothing listens on: no message leaves the test). */
const FUZZ_TARGET = { kind: "dingtalk", name: "fuzz robot", webhookUrl: "http://127.0.0.1:9/robot/send?access_token=fuzz", secret: "SECfuzz" };

/** mulberry32: small, fast and deterministic. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Json = any;

/** A JSON fragment sent as written (numbers JSON.stringify cannot write, duplicate keys …). */
class Raw {
  constructor(readonly text: string) {}
}

/** JSON text of a value that may hold Raw fragments. */
function toJsonText(value: unknown): string {
  const raws: string[] = [];
  const text = JSON.stringify(value, (_k, v) => {
    if (v instanceof Raw) {
      raws.push(v.text);
      return `@@RAW_${raws.length - 1}@@`;
    }
    return v;
  });
  return text === undefined ? "" : text.replace(/"@@RAW_(\d+)@@"/g, (_m, i: string) => raws[Number(i)]);
}

function nestedArray(depth: number, leaf: unknown = 1): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = [v];
  return v;
}
function nestedObject(depth: number, leaf: unknown = "x"): unknown {
  let v: unknown = leaf;
  for (let i = 0; i < depth; i++) v = { d: v };
  return v;
}
function wideObject(keys: number): Record<string, number> {
  const o: Record<string, number> = {};
  for (let i = 0; i < keys; i++) o[`k${i}`] = i;
  return o;
}

/** Values put in place of a field of a valid body. */
const HOSTILE_VALUES: unknown[] = [
  null, true, false, 0, -1, 1.5, 2 ** 53 + 1, 1e308, -1e308,
  new Raw("-0"), new Raw("1e400"), new Raw("-1e400"), new Raw("123456789012345678901234567890"), new Raw("1e-400"),
  "", " ", "NaN", "-Infinity", "Infinity", "-1", "1e309", "0x1F", "99999999999999999999",
  "a\u0000b", "\u0000", "\uD800", "x\uDFFFy", "\uDBFF\uDBFF", "😀", "中文字段", "\u202Eevil", "\uFEFF", "\t\r\n",
  "x".repeat(10_000), "' OR 1=1 --", "'; drop table orders; --", "${7*7}", "__proto__", "constructor",
  "2026-13-45T99:99:99Z", "0000-01-01T00:00:00Z", "9999-12-31T23:59:59.999Z",
  [], {}, [null], { "": 1 }, new Raw('{"__proto__":{"polluted":1}}'), new Raw('{"a":1,"a":2}'),
  nestedArray(70), nestedObject(70), Array.from({ length: 10_000 }, (_, i) => i),
];

/** Path parameter values: valid-looking ones come from the test's data, these are hostile (sent as written). */
const HOSTILE_SEGMENTS = [
  "%ZZ", "%", "%E0%A4%A", "%ED%A0%80", "%C0%AE", "%C3%28", "%FF%FE", "%00", "a%00b", "%F0%9F%98%80", "%E4%B8%AD%E6%96%87",
  "..", "%2e%2e", "%2F", "a%2Fb", "%25", "%20", "-1", "0", "1e309", "NaN", "null", "undefined", "__proto__", "constructor",
  "tok_" + "A".repeat(41), "tok_%00", "'%20OR%201=1--", "x".repeat(10_000), "%41".repeat(3000), "\u4e2d\u6587", "😀",
];

/** Query values (sent as written, so malformed encoding reaches the server). */
const HOSTILE_QUERY = [
  "", "%ZZ", "%", "%00", "%ED%A0%80", "%E0%A4%A", "-1", "0", "1.5", "1e309", "NaN", "Infinity", "99999999999999999999999",
  "true", "maybe", "x".repeat(5000), "%E4%B8%AD", "[object%20Object]", "'%20OR%201=1--", "2026-13-45",
];

interface FuzzRequest {
  label: string;
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string | Uint8Array;
  /** The caller's role; null: the request carries its own Authorization (or none). */
  role: Role | null;
}

interface Outcome {
  status: number;
  body: Json;
  text: string;
}

/** Describes a request for a failure message (trimmed: some are megabytes). */
function describeRequest(r: FuzzRequest): string {
  const body = r.body === undefined ? "" : typeof r.body === "string" ? r.body : `<${r.body.length} bytes> ${Buffer.from(r.body.subarray(0, 80)).toString("hex")}`;
  const trim = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}… (${s.length} chars)` : s);
  return `[seed ${SEED}] ${r.label} as ${r.role ?? "no/own auth"}: ${r.method.toUpperCase()} ${trim(r.path, 200)} ${JSON.stringify(r.headers ?? {}).slice(0, 200)} ${trim(body, 300)}`;
}

/** What is wrong with an answer, if anything. */
function violationOf(res: Outcome): string | undefined {
  if (res.status >= 500) return `answered ${res.status}: ${res.text.slice(0, 400)}`;
  if (res.status < 400) return undefined;
  const err = res.body?.error;
  if (typeof err?.code !== "string" || typeof err?.message !== "string") return `answered ${res.status} outside the envelope: ${res.text.slice(0, 400)}`;
  if (err.message.trim().length < 5) return `answered ${res.status} with no readable message: ${res.text.slice(0, 400)}`;
  const leak = SQL_LEAK.find((re) => re.test(err.message));
  if (leak) return `answered ${res.status} with a message quoting SQL (${leak}): ${err.message.slice(0, 400)}`;
  return undefined;
}

/** Resolves `$ref`s of the OpenAPI document. */
function resolver(doc: Json) {
  return function resolve(schema: Json): Json {
    let s = schema;
    for (let i = 0; s && typeof s.$ref === "string" && i < 20; i++) {
      s = doc.components.schemas[s.$ref.replace("#/components/schemas/", "")];
    }
    return s ?? {};
  };
}

/** A valid-looking value for a JSON Schema, from the document alone (hints fill in what a pattern cannot say). */
function sampleOf(schema: Json, resolve: (s: Json) => Json, hints: Record<string, unknown>, name = "", depth = 0): unknown {
  const s = resolve(schema);
  if (depth > 12) return null;
  if (name in hints) return hints[name];
  if ("const" in s) return s.const;
  if (Array.isArray(s.enum)) return s.enum[0];
  if ("default" in s) return s.default;
  const branches = s.anyOf ?? s.oneOf;
  if (Array.isArray(branches)) {
    const first = branches.map(resolve).find((b: Json) => b.type !== "null") ?? branches[0];
    return sampleOf(first, resolve, hints, name, depth + 1);
  }
  if (Array.isArray(s.allOf)) return sampleOf(s.allOf[0], resolve, hints, name, depth + 1);
  const type = Array.isArray(s.type) ? s.type.find((t: string) => t !== "null") : s.type;
  switch (type) {
    case "object": {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries<Json>(s.properties ?? {})) out[k] = sampleOf(v, resolve, hints, k, depth + 1);
      return out;
    }
    case "array":
      return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => sampleOf(s.items ?? {}, resolve, hints, name, depth + 1));
    case "string":
      if (s.format === "date-time") return "2026-01-15T02:00:00Z";
      return "sample".padEnd(Math.max(1, s.minLength ?? 1), "x").slice(0, s.maxLength ?? 64);
    case "integer":
    case "number":
      return Math.max(1, s.minimum ?? 1);
    case "boolean":
      return true;
    default:
      return "x";
  }
}

/** Every place in a JSON value, as a path of keys, with the value there. */
function placesOf(value: unknown, base: (string | number)[] = [], out: { path: (string | number)[]; value: unknown }[] = [], depth = 0): typeof out {
  out.push({ path: base, value });
  if (depth > 8 || out.length > 400) return out;
  if (Array.isArray(value)) value.slice(0, 3).forEach((v, i) => placesOf(v, [...base, i], out, depth + 1));
  else if (value && typeof value === "object" && !(value instanceof Raw)) for (const [k, v] of Object.entries(value)) placesOf(v, [...base, k], out, depth + 1);
  return out;
}

function withChange(value: unknown, at: (string | number)[], change: (parent: any, key: string | number) => void): unknown {
  const copy = structuredClone(value);
  if (at.length === 0) return copy;
  let parent: any = copy;
  for (const k of at.slice(0, -1)) parent = parent[k];
  change(parent, at[at.length - 1]);
  return copy;
}

/** The same value with the wrong JSON type. */
function wrongTypeOf(v: unknown): unknown[] {
  if (typeof v === "string") return [12345, ["x"], { v }];
  if (typeof v === "number") return [String(v), "12abc", true];
  if (typeof v === "boolean") return ["true", 1];
  if (Array.isArray(v)) return [{ "0": v[0] }, "[]", 1];
  if (v && typeof v === "object") return [[v], "{}", 0];
  return ["null", 0, {}];
}

/** The extremes of a value's own type: what passes a type check and may still overflow. */
function extremesOf(v: unknown): unknown[] {
  if (typeof v === "number") return [-1, 2 ** 31, Number.MAX_SAFE_INTEGER];
  return [];
}

function pick<T>(rand: () => number, items: readonly T[], n: number): T[] {
  const pool = [...items];
  const out: T[] = [];
  while (out.length < n && pool.length) out.push(pool.splice(Math.floor(rand() * pool.length), 1)[0]);
  return out;
}

interface Walk {
  requests: number;
  byStatus: Map<number, number>;
  violations: string[];
  routes: Set<string>;
  /** Per route (METHOD path): statuses seen for the admin. */
  adminStatuses: Map<string, Set<number>>;
}

/** A running server the walk is aimed at: in this process, or a child process of its own. */
interface Target {
  url: string;
  /** The bootstrap admin token (used to set up and to issue the walk's tokens). */
  adminToken: string;
}

interface WalkOptions {
  roles: Role[];
  /** How many places of each valid body are mutated. */
  places: number;
}

/** The fuzz walk over one server. */
function fuzzer(target: Target) {
  let doc: Json;
  const tokens = new Map<Role, string>();
  let orderSeq = 0;
  const ctx: {
    orderId: string; version: number; victim: string; victimTokenId: string; workflow: Json; policy: Json; alertId: string; conflictId: string; taskId: string;
    connectorId: string; notifyTargetId: string; notifyRouteId: string; auditRunId: string;
  } = {
    alertId: "",
    conflictId: "",
    taskId: "",
    connectorId: "",
    notifyTargetId: "",
    notifyRouteId: "",
    auditRunId: "",
    orderId: "",
    version: 1,
    victim: "fuzz.victim",
    victimTokenId: "",
    workflow: null,
    policy: null,
  };

  /** A plain JSON call as the bootstrap admin (setup, not fuzz). */
  async function call(method: string, p: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const res = await fetch(target.url + p, {
      method,
      headers: { authorization: `Bearer ${target.adminToken}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  /** A fresh token for the walk's user of `role`, issued over the API. */
  async function mint(role: Role): Promise<string> {
    const issued = await call("POST", "/api/tokens", { user: `fuzz-${role}`, role, label: "fuzz" });
    assert.equal(issued.status, 200, JSON.stringify(issued.body));
    return issued.body.token;
  }

  /** A new order with an open alert (paid, then finance reports a different receivable); answers the alert's ID. */
  let alertOrders = 0;
  async function openAlert(): Promise<string> {
    alertOrders += 1;
    const created = await call("POST", "/api/orders", { orders: [sampleOrder(50_000 + alertOrders)] });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const id = created.body.results[0].id as string;
    const raised = await call("POST", "/api/events", {
      events: [
        { source: "connector:tmall", sourceEventId: `fuzz-pay-${id}`, orderId: id, type: "payment.confirmed", data: { paidAt: "2026-01-15T02:05:00Z" } },
        { source: "finance:erp", sourceEventId: `fuzz-ar-${id}`, orderId: id, type: "finance.receivable", data: { amount: 1 } },
      ],
    });
    assert.equal(raised.status, 200, JSON.stringify(raised.body));
    const open = (await call("GET", `/api/alerts?orderId=${id}`)).body.alerts;
    assert.equal(open.length, 1, `no open alert for ${id}: ${JSON.stringify(open)} after ${JSON.stringify(raised.body)}`);
    return open[0].id;
  }

  /** A new order with an open edit conflict (two edits of its remark on the same version); answers the conflict's ID. */
  async function openConflict(): Promise<string> {
    alertOrders += 1;
    const created = await call("POST", "/api/orders", { orders: [sampleOrder(60_000 + alertOrders)] });
    const id = created.body.results[0].id as string;
    for (const value of ["一", "二"]) await call("POST", "/api/edits", { edits: [{ clientEditId: `fuzz-${id}-${value}`, orderId: id, column: "remark", baseVersion: 1, value }] });
    const open = (await call("GET", `/api/conflicts?orderId=${id}`)).body.conflicts;
    assert.equal(open.length, 1, `no open conflict for ${id}: ${JSON.stringify(open)}`);
    return open[0].id;
  }

  /** A new shipped order whose collected time the carrier and the ERP report 110 minutes apart: frozen, with an open task; answers the task's ID. */
  async function openTask(): Promise<string> {
    alertOrders += 1;
    const created = await call("POST", "/api/orders", { orders: [sampleOrder(70_000 + alertOrders)] });
    const id = created.body.results[0].id as string;
    const ev = (source: string, key: string, type: string, data: Json) => ({ source, sourceEventId: `fuzz-${key}-${id}`, orderId: id, type, data });
    await call("POST", "/api/events", {
      events: [
        ev("connector:tmall", "pay", "payment.confirmed", { paidAt: "2026-01-15T02:05:00Z" }),
        ev("wms:hz", "out", "wms.outbound", { outboundAt: "2026-01-15T03:00:00Z" }),
        ev("wms:hz", "wb", "waybill.assigned", { carrier: "SF", waybillNo: `SF${id}` }),
      ],
    });
    await call("POST", "/api/events", { events: [ev("connector:kdniao", "col1", "carrier.collected", { collectedAt: "2026-01-15T04:10:00Z" })] });
    await call("POST", "/api/events", { events: [ev("erp:jst", "col2", "carrier.collected", { collectedAt: "2026-01-15T06:00:00Z" })] });
    const open = (await call("GET", `/api/tasks?orderId=${id}`)).body.tasks;
    assert.equal(open.length, 1, `no open task for ${id}: ${JSON.stringify(open)}`);
    return open[0].id;
  }

  async function setUp(roles: Role[]): Promise<void> {
    const created = await call("POST", "/api/orders", { orders: [sampleOrder(1), sampleOrder(2)] });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    ctx.orderId = created.body.results[0].id;
    ctx.version = (await call("GET", `/api/orders/${ctx.orderId}`)).body.version;
    const victim = await call("POST", "/api/tokens", { user: ctx.victim, role: "customer_service" });
    assert.equal(victim.status, 200, JSON.stringify(victim.body));
    ctx.victimTokenId = victim.body.tokenId;
    ctx.workflow = (await call("GET", "/api/workflow")).body.definition;
    ctx.policy = (await call("GET", "/api/access/policy")).body.policy;
    // A connector to walk the connector routes with (its shop answers nothing: runs fail fast and back off).
    const connector = await call("POST", "/api/connectors", { ...connectorBody(), name: "fuzz-connector" });
    assert.equal(connector.status, 200, JSON.stringify(connector.body));
    ctx.connectorId = connector.body.id;
    const target = await call("POST", "/api/notifications/targets", FUZZ_TARGET);
    assert.equal(target.status, 200, JSON.stringify(target.body));
    ctx.notifyTargetId = target.body.id;
    const route = await call("POST", "/api/notifications/routes", { name: "fuzz", targetId: ctx.notifyTargetId, match: { levels: ["red"] } });
    assert.equal(route.status, 200, JSON.stringify(route.body));
    ctx.notifyRouteId = route.body.id;
    const run = await call("POST", "/api/audit/verify?full=1");
    assert.equal(run.status, 202, JSON.stringify(run.body));
    ctx.auditRunId = run.body.id;
    const openapi = await call("GET", "/api/openapi.json");
    assert.equal(openapi.status, 200);
    doc = openapi.body;
    for (const role of roles) tokens.set(role, await mint(role));
  }

  /** Sends one request; a 401 caused by the walk itself (a rotated token) is retried once with a fresh token. */
  async function send(r: FuzzRequest, walk: Walk): Promise<Outcome> {
    const once = async (): Promise<Outcome> => {
      const headers: Record<string, string> = { ...(r.headers ?? {}) };
      if (r.role) headers.authorization = `Bearer ${tokens.get(r.role)}`;
      try {
        const res = await fetch(target.url + r.path, { method: r.method.toUpperCase(), headers, body: typeof r.body === "string" || r.body === undefined ? r.body : new Uint8Array(r.body) });
        const text = await res.text();
        let body: Json;
        try {
          body = JSON.parse(text);
        } catch {
          body = undefined;
        }
        return { status: res.status, body, text };
      } catch (err) {
        // The server closed the connection instead of answering (or the process died).
        return { status: 599, body: undefined, text: `no answer: ${(err as Error).message} ${String((err as { cause?: unknown }).cause ?? "")}` };
      }
    };
    const started = performance.now();
    let res = await once();
    const ms = performance.now() - started;
    const key = `${r.method} ${r.path.slice(0, 40)} ${r.label.slice(0, 30)}`;
    if (process.env.FUZZ_PROFILE) PROFILE.push([ms, key]);
    if (res.status === 401 && r.role) {
      tokens.set(r.role, await mint(r.role));
      res = await once();
    }
    walk.requests++;
    walk.byStatus.set(res.status, (walk.byStatus.get(res.status) ?? 0) + 1);
    const bad = violationOf(res);
    if (bad) walk.violations.push(`${describeRequest(r)}\n    → ${bad}`);
    return res;
  }

  let connectorSeq = 0;
  function connectorBody(): Record<string, unknown> {
    connectorSeq += 1;
    return {
      kind: "shopify",
      name: `fuzz-shop-${connectorSeq}`,
      config: { shopUrl: "http://127.0.0.1:9", pageSize: 50, timeoutMs: 500 },
      credentials: { accessToken: "shpat_fuzz_token", webhookSecret: "fuzz-webhook-secret" },
    };
  }

  /** Valid-looking bodies of the routes, for mutation (the documented schema's sample is mutated too). */
  function validBodies(method: string, route: string): unknown[] {
    switch (`${method} ${route}`) {
      case "post /api/orders":
        return [{ orders: [sampleOrder(1000 + orderSeq++)] }];
      case "post /api/tokens":
        return [{ user: "fuzz.newcomer", role: "auditor", label: "fuzz", expiresInDays: 1 }];
      case "put /api/users/{name}/role":
        return [{ role: "customer_service" }];
      case "post /api/tokens/rotate":
        return [{ confirm: true, label: "rotated by fuzz" }];
      case "post /api/events":
        return [{ events: [{ source: "connector:tmall", sourceEventId: "fuzz-1", orderId: ctx.orderId, type: "payment.confirmed", data: {} }] }];
      case "post /api/orders/{id}/status":
        return [{ to: "cancelled", baseVersion: ctx.version, note: "fuzz", commandId: "fuzz-cmd" }];
      case "put /api/workflow":
        return [ctx.workflow];
      case "post /api/workflow/simulate":
        return [{ orders: 20, seed: 3, compare: false }];
      case "post /api/edits":
        return [{ edits: [{ clientEditId: "fuzz-edit", orderId: ctx.orderId, column: "remark", baseVersion: ctx.version, value: "fuzz" }] }];
      case "post /api/channels/{channel}/resume":
        return [{ note: "fuzz" }];
      case "put /api/access/policy":
        return [ctx.policy];
      case "post /api/connectors":
        return [connectorBody()];
      case "patch /api/connectors/{id}":
        return [{ schedule: "*/30 * * * *", config: { pageSize: 25 } }];
      case "put /api/connector-status-maps/{platform}":
        return [{ entries: [{ field: "financial", value: "FUZZ_STATUS", event: "none" }] }];
      case "post /api/notifications/targets":
        return [FUZZ_TARGET];
      case "patch /api/notifications/targets/{id}":
        return [{ name: "fuzz renamed", locale: "en", webhookUrl: "http://127.0.0.1:9/cgi-bin/webhook/send?key=other" }];
      case "post /api/notifications/routes":
      case "patch /api/notifications/routes/{id}":
        return [{ name: "fuzz rule", targetId: ctx.notifyTargetId, match: { kinds: ["alert"], levels: ["red", "orange"], regions: ["east"], roles: ["finance"] } }];
      default:
        return [{}];
    }
  }

  /** Valid-looking path parameter values. */
  function validParam(name: string, route: string): string {
    if (route.includes("/tokens/")) return ctx.victimTokenId;
    if (route.includes("/users/")) return ctx.victim;
    if (route.includes("/channels/")) return "tmall";
    if (route.includes("/alerts/")) return ctx.alertId;
    if (route.includes("/conflicts/")) return ctx.conflictId;
    if (route.includes("/tasks/")) return ctx.taskId;
    if (route.includes("/connectors/")) return ctx.connectorId;
    if (route.includes("/connector-status-maps/")) return "shopify";
    if (route.startsWith("/api/notifications/targets/")) return ctx.notifyTargetId;
    if (route.startsWith("/api/notifications/routes/")) return ctx.notifyRouteId;
    if (route.includes("/audit/verify/runs/")) return ctx.auditRunId;
    if (name === "id") return ctx.orderId;
    return "x";
  }

  /** Every request of the walk for one route and role. */
  function requestsFor(method: string, route: string, op: Json, role: Role, rand: () => number, resolve: (s: Json) => Json, opts: WalkOptions): FuzzRequest[] {
    const out: FuzzRequest[] = [];
    const params = (op.parameters ?? []) as Json[];
    const pathParams = params.filter((p) => p.in === "path");
    const queryParams = params.filter((p) => p.in === "query");
    const fill = (over: Record<string, string> = {}) => route.replace(/\{(\w+)\}/g, (_m, n: string) => over[n] ?? encodeURIComponent(validParam(n, route)));
    const bodySchema = op.requestBody?.content?.["application/json"]?.schema;
    const hints: Record<string, unknown> = { orderId: ctx.orderId, id: ctx.orderId, baseVersion: ctx.version, user: "fuzz.sampled", channel: "tmall", role: "auditor" };
    const bases = bodySchema ? [...validBodies(method, route), sampleOf(bodySchema, resolve, hints)] : [undefined];
    const json = { "content-type": "application/json" };
    const req = (label: string, p: string, body?: string | Uint8Array, headers: Record<string, string> | undefined = body === undefined ? undefined : json): FuzzRequest => ({
      label, method, path: p, body, headers, role,
    });
    const baseText = bases[0] === undefined ? undefined : toJsonText(bases[0]);

    // The valid-looking request first: it reaches the handler.
    for (const [i, b] of bases.entries()) out.push(req(`valid-looking #${i}`, fill(), b === undefined ? undefined : toJsonText(b)));
    // A role the route refuses is refused before the fields are looked at: its walk is the
    // parts read before the role check (path, body parsing) and a few fields.
    const allowed = !op["x-roles"] || op["x-roles"].includes(role);
    // A simulation that passes validation runs for seconds in a worker: walk it lightly.
    const light = !allowed || route === "/api/workflow/simulate";

    // Path parameters.
    for (const p of pathParams) {
      for (const seg of HOSTILE_SEGMENTS) out.push(req(`path ${p.name}=${seg.slice(0, 40)}`, fill({ [p.name]: seg }), baseText));
    }

    // Queries: each parameter with hostile and wrongly shaped values, repeated, bracketed, unknown.
    for (const q of queryParams) {
      for (const v of pick(rand, HOSTILE_QUERY, light ? 3 : 8)) out.push(req(`query ${q.name}=${v.slice(0, 40)}`, `${fill()}?${q.name}=${v}`, baseText));
      out.push(req(`query ${q.name} repeated`, `${fill()}?${q.name}=1&${q.name}=2`, baseText));
      out.push(req(`query ${q.name}[]`, `${fill()}?${q.name}[]=1&${q.name}[x]=2`, baseText));
    }
    if (!light || queryParams.length) {
      out.push(req("query unknown parameter", `${fill()}?zz_unknown=1&%ZZ=%ZZ`, baseText));
      out.push(req("query 8 KB", `${fill()}?${"a=1&".repeat(2000)}`, baseText));
    }

    if (!bodySchema) {
      // A body where none is expected must not matter or be refused cleanly.
      if (method !== "get" && method !== "delete") out.push(req("unexpected deep body", fill(), `${"[".repeat(5000)}${"]".repeat(5000)}`));
      return out;
    }

    // Bodies: each field wrongly typed, hostile, missing; extra fields at each object.
    for (const base of light ? bases.slice(0, 1) : bases) {
      const places = placesOf(base).filter((pl) => pl.path.length > 0);
      // Every number (durations, versions, counts: where extremes overflow dates and columns) and a random share of the rest.
      const numbers = places.filter((pl) => typeof pl.value === "number").slice(0, light ? 2 : 8);
      const others = pick(rand, places.filter((pl) => typeof pl.value !== "number"), light ? 4 : opts.places);
      for (const pl of [...numbers, ...others]) {
        for (const v of [...wrongTypeOf(pl.value).slice(0, light ? 1 : 3), ...extremesOf(pl.value), ...pick(rand, HOSTILE_VALUES, light ? 2 : 3)]) {
          out.push(req(`field ${pl.path.join(".")} := ${toJsonText(v).slice(0, 40)}`, fill(), toJsonText(withChange(base, pl.path, (o, k) => (o[k] = v)))));
        }
        // (A simulation without `orders` replays 10,000 synthetic orders: not for every fuzz run.)
        if (route !== "/api/workflow/simulate") out.push(req(`field ${pl.path.join(".")} removed`, fill(), toJsonText(withChange(base, pl.path, (o, k) => (Array.isArray(o) ? o.splice(Number(k), 1) : delete o[k])))));
      }
      // Each list with its first item twice (a batch naming one thing twice).
      for (const pl of placesOf(base).filter((x) => Array.isArray(x.value) && x.value.length > 0).slice(0, light ? 1 : 10)) {
        out.push(req(`list ${pl.path.join(".") || "(top)"} with its first item twice`, fill(), toJsonText(withChange(base, pl.path.length ? pl.path : [], (o, k) => o[k].push(structuredClone(o[k][0]))))));
      }
      for (const pl of placesOf(base).filter((x) => x.value && typeof x.value === "object" && !Array.isArray(x.value)).slice(0, light ? 2 : 20)) {
        out.push(req(`extra field at ${pl.path.join(".") || "(top)"}`, fill(), toJsonText(withChange(base, [...pl.path, "zz_extra"], (o, k) => (o[k] = { deep: nestedObject(70) })))));
      }
    }

    // Whole bodies: the wrong shape, deep, wide, oversized, invalid JSON, wrong encodings and types.
    const wholes: [string, string | Uint8Array, Record<string, string>?][] = [
      ["null body", "null"],
      ["number body", "12"],
      ["string body", '"x"'],
      ["array body", `[${baseText}]`],
      ["empty object", "{}"],
      ["deep 70", toJsonText(nestedArray(70))],
      ["deep 5000 arrays", `${"[".repeat(5000)}1${"]".repeat(5000)}`],
      ["deep 5000 objects", `${'{"a":'.repeat(5000)}"\\u0000"${"}".repeat(5000)}`],
      ["deep 70 inside a valid body", toJsonText({ ...(bases[0] as object), zz: nestedObject(70) })],
      ["wide 10k keys", toJsonText(wideObject(10_000))],
      ["wide 10k keys inside a valid body", toJsonText({ ...(bases[0] as object), ...wideObject(10_000) })],
      ["oversized", `{"pad":"${"x".repeat(BODY_LIMIT + 1)}"}`],
      ["invalid JSON: truncated", (baseText ?? "{}").slice(0, -1)],
      ["invalid JSON: trailing garbage", `${baseText}}}`],
      ["invalid JSON: single quotes", "{'a':1}"],
      ["invalid JSON: NaN", '{"a":NaN}'],
      ["invalid JSON: lone surrogate escape", '{"a":"\\ud800'],
      ["invalid JSON: bad escape", '{"a":"\\x41"}'],
      ["BOM", `\uFEFF${baseText}`],
      ["NUL byte outside strings", `${baseText}\u0000`],
      ["raw invalid UTF-8", Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xff, 0xfe, 0xed, 0xa0, 0x80, 0xc0, 0xae]), Buffer.from('"}')])],
      ["raw invalid UTF-8 inside a valid body", Buffer.from((baseText ?? "{}").replace(/"(fuzz|tmall|auditor|customer_service)"/, '"\u0001"'), "utf8").map((b) => (b === 1 ? 0xff : b))],
      ["UTF-16 body", Buffer.from(baseText ?? "{}", "utf16le"), { "content-type": "application/json; charset=utf-16" }],
      ["text/plain", baseText ?? "{}", { "content-type": "text/plain" }],
      ["no content type", baseText ?? "{}", {}],
      ["form encoded", "a=1&b=2", { "content-type": "application/x-www-form-urlencoded" }],
      ["multipart", "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--x--", { "content-type": "multipart/form-data; boundary=x" }],
      ["json with a bad charset", baseText ?? "{}", { "content-type": "application/json; charset=klingon" }],
      ["a content type 2 KB long", baseText ?? "{}", { "content-type": `application/json; x=${"a".repeat(2000)}` }],
      ["gzip claimed but plain", baseText ?? "{}", { "content-type": "application/json", "content-encoding": "gzip" }],
    ];
    // Variants that leave a valid body valid (headers only) would each run a simulation.
    const passesAsValid = new Set(["a content type 2 KB long", "gzip claimed but plain", "json with a bad charset", "raw invalid UTF-8 inside a valid body", "no content type"]);
    if (route === "/api/workflow/simulate") passesAsValid.add("empty object");
    for (const [label, body, headers] of wholes) if (!(light && allowed && passesAsValid.has(label))) out.push(req(label, fill(), body, headers ?? json));
    return out;
  }

  /** The authorization header itself, malformed (once per route). */
  function authRequests(method: string, route: string): FuzzRequest[] {
    const p = route.replace(/\{(\w+)\}/g, (_m, n: string) => encodeURIComponent(validParam(n, route)));
    const variants: Record<string, string>[] = [
      {},
      { authorization: "Bearer" },
      { authorization: "Bearer " },
      { authorization: `Bearer ${"a".repeat(9000)}` },
      { authorization: "Basic Zm9vOmJhcg==" },
      { authorization: "Bearer tok\u00ff\u00fe" },
      { authorization: `Bearer ${target.adminToken} extra` },
      { authorization: `bearer ${target.adminToken}`.toUpperCase() },
    ];
    return variants.map((headers, i) => ({ label: `auth #${i}`, method, path: p, headers, role: null }));
  }

  /** Walks every operation of the document; answers what it saw. */
  async function walkAll(opts: WalkOptions): Promise<{ walk: Walk; ops: number; summary: string }> {
    await setUp(opts.roles);
    const resolve = resolver(doc);
    const rand = prng(SEED);
    const walk: Walk = { requests: 0, byStatus: new Map(), violations: [], routes: new Set(), adminStatuses: new Map() };
    const ops: [string, string, Json][] = [];
    for (const [route, byMethod] of Object.entries<Json>(doc.paths)) {
      for (const [method, op] of Object.entries<Json>(byMethod)) ops.push([method, route, op]);
    }
    // Routes that change who may do what go last, so the rest is walked with the workspace as set up;
    // so does removing the walk's connector, which the other connector routes need.
    const lastOnes = ["delete /api/connectors/{id}", "put /api/access/policy", "post /api/tokens/rotate", "put /api/workflow"];
    ops.sort((a, b) => Number(lastOnes.includes(`${a[0]} ${a[1]}`)) - Number(lastOnes.includes(`${b[0]} ${b[1]}`)));

    for (const [method, route, op] of ops) {
      walk.routes.add(`${method} ${route}`);
      for (const r of authRequests(method, route)) await send(r, walk);
      for (const role of opts.roles) {
        // Bodies name the order's current version, so commands reach the engine rather than a stale-version refusal.
        ctx.version = (await call("GET", `/api/orders/${ctx.orderId}`)).body.version;
        // Earlier routes (a publish, status moves) may have ended the alert: the close route gets one that is open.
        if (route.includes("/alerts/")) ctx.alertId = await openAlert();
        if (route.includes("/conflicts/")) ctx.conflictId = await openConflict();
        if (route.includes("/tasks/")) ctx.taskId = await openTask();
        const requests = requestsFor(method, route, op, role, rand, resolve, opts);
        const note = (status: number) => {
          if (role !== "admin") return;
          const seen = walk.adminStatuses.get(`${method} ${route}`) ?? new Set<number>();
          seen.add(status);
          walk.adminStatuses.set(`${method} ${route}`, seen);
        };
        // The valid-looking request twelve times at once: races between identical writes.
        if (method !== "get" && role === "admin" && route !== "/api/workflow/simulate") {
          const raced = await Promise.all(Array.from({ length: 12 }, () => send({ ...requests[0], label: `12 at once: ${requests[0].label}` }, walk)));
          for (const res of raced) note(res.status);
        }
        for (const r of requests) note((await send(r, walk)).status);
      }
    }
    if (process.env.FUZZ_PROFILE) {
      PROFILE.sort((a, b) => b[0] - a[0]);
      console.log(PROFILE.slice(0, 40).map(([ms, k]) => `${ms.toFixed(0)} ${k}`).join("\n"));
    }
    const summary = `[seed ${SEED}] ${walk.requests} requests over ${walk.routes.size} operations; statuses ${JSON.stringify(Object.fromEntries(walk.byStatus))}`;
    return { walk, ops: ops.length, summary };
  }

  return { walkAll };
}

/** The walk's findings, asserted: nothing broke, and the walk reached the handlers. */
function assertWalk({ walk, ops, summary }: { walk: Walk; ops: number; summary: string }, minRequests: number): void {
  assert.deepEqual(walk.violations.slice(0, 30), [], `${summary}\n${walk.violations.length} violations`);
  assert.ok(ops >= 28, `the document lists ${ops} operations; the walk needs them all`);
  assert.equal(walk.routes.size, ops);
  assert.ok(walk.requests > minRequests, summary);
  // The walk must test handlers, not only the auth layer.
  const authRefusals = (walk.byStatus.get(401) ?? 0) + (walk.byStatus.get(403) ?? 0);
  assert.ok(authRefusals < walk.requests * 0.35, `most answers are not 401/403: ${summary}`);
  // As admin, every route answered 2xx to at least one request of the walk.
  const neverOk = [...walk.adminStatuses].filter(([, s]) => ![...s].some((x) => x >= 200 && x < 300)).map(([k]) => k);
  assert.deepEqual(neverOk, [], `routes that never answered the admin 2xx: ${summary}`);
}

describeEachDatabase("fuzz: every route of the OpenAPI document", function ({ db }) {
  let t: TestServer;
  before(async function () {
    t = await startTestServer(db(), { writeRateLimit: { perMinute: 0, burst: 1 }, bodyLimitBytes: BODY_LIMIT });
  });
  after(async function () {
    await t?.close();
  });

  it("walks every documented route as admin and as auditor: no 5xx, every 4xx in the envelope quoting no SQL, and the server still serves", async function () {
    this.timeout(240_000);
    const result = await fuzzer({ url: t.url, adminToken: t.adminToken }).walkAll({ roles: ["admin", "auditor"], places: 12 });
    assertWalk(result, 2000);
    const health = await fetch(`${t.url}/healthz`);
    assert.equal(health.status, 200, "still serving");
    const me = await t.call("GET", "/api/me", { token: await t.token("fuzz-after", "auditor") });
    assert.equal(me.status, 200, "the API still answers");
  });
});

describe("fuzz: a server in its own process survives the walk", function () {
  let server: ChildServer | undefined;
  let dataDir = "";
  after(async function () {
    await stopChild(server?.child);
    if (dataDir) fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("walks every documented route as admin against `server/main.ts` on PGlite; the process is alive and healthy afterwards", async function () {
    this.timeout(240_000);
    dataDir = tempDataDir("ordersheet-fuzz-");
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const adminToken = "fuzz-child-admin-token-0123456789";
    server = startChildServer({
      DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1", ORDERSHEET_ADMIN_TOKEN: adminToken, WRITE_RATE_LIMIT_PER_MINUTE: "0", BODY_LIMIT_BYTES: String(BODY_LIMIT),
    });
    const child = server.child;
    const out = () => server!.output();
    await waitHealthy(url, 60_000, server);
    const result = await fuzzer({ url, adminToken }).walkAll({ roles: ["admin"], places: 5 });
    await new Promise((r) => setTimeout(r, 200));
    assert.equal(child.exitCode, null, `the process is still running:\n${out()}`);
    assertWalk(result, 1000);
    assert.equal((await fetch(`${url}/healthz`)).status, 200, "still healthy");
    const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${adminToken}` } });
    assert.equal(me.status, 200, "and still answers the API");
  });
});

describeEachDatabase("fuzz findings, pinned", function ({ db }) {
  let t: TestServer;
  before(async function () {
    t = await startTestServer(db(), { writeRateLimit: { perMinute: 0, burst: 1 } });
  });
  after(async function () {
    await t?.close();
  });

  /** Asserts a 400 in the envelope whose message matches `expected` and quotes no SQL. */
  function assertRefused(res: { status: number; body: any }, expected: RegExp, what: string): void {
    assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
    assert.equal(violationOf({ status: res.status, body: res.body, text: JSON.stringify(res.body) }), undefined, what);
    assert.match(res.body.error.message, expected, what);
  }

  it("refuses a timer or SLA longer than ten years, naming the field, when published or simulated (a due date past year 275760 answered 500)", async function () {
    this.timeout(60_000);
    const wf = (await t.call("GET", "/api/workflow")).body.definition;
    assert.ok(wf.timers.length > 0, "the standard workflow has timers");
    const longTimer = structuredClone(wf);
    longTimer.timers[0].afterMinutes = 2 ** 52;
    assertRefused(await t.call("PUT", "/api/workflow", { body: longTimer }), /timers\.0\.afterMinutes: afterMinutes must be at most 5256000 minutes \(ten years\)/, "publish");
    assertRefused(await t.call("POST", "/api/workflow/simulate", { body: { definition: longTimer, orders: 5 } }), /definition\.timers\.0\.afterMinutes: .*ten years/, "simulate");
    const longSla = structuredClone(wf);
    longSla.states[0].slaMinutes = 5_256_001;
    assertRefused(await t.call("PUT", "/api/workflow", { body: longSla }), /states\.0\.slaMinutes: slaMinutes must be at most 5256000 minutes/, "SLA");
    const tenYears = structuredClone(wf);
    tenYears.timers[0].afterMinutes = 5_256_000;
    tenYears.states[0].slaMinutes = 5_256_000;
    const simulated = await t.call("POST", "/api/workflow/simulate", { body: { definition: tenYears, orders: 5 } });
    assert.equal(simulated.status, 200, JSON.stringify(simulated.body));
    const published = await t.call("PUT", "/api/workflow", { body: tenYears });
    assert.equal(published.status, 200, JSON.stringify(published.body));
  });

  it("refuses an instant whose day is past 9999 in some time zone, naming the field (was an order-ID message about day 100000101)", async function () {
    const late = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(1, { placedAt: "9999-12-31T23:59:59.999Z" })] } });
    assertRefused(late, /orders\.0\.placedAt: must be a date between the years 1900 and 9999/, "placedAt");
    const lastDay = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(2, { placedAt: "9999-12-31T09:59:59.999Z" })] } });
    assert.equal(lastDay.status, 200, JSON.stringify(lastDay.body));
    assert.match(lastDay.body.results[0].id, /^TM99991231-\d{5}$/);
  });
});
