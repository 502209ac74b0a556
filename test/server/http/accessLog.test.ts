import assert from "node:assert/strict";
import { SENSITIVE_ACTIONS } from "../../../server/contracts/sensitiveLog.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

/** Each operation happens one minute after the one before on the server's clock. */
const T0 = Date.parse("2026-03-01T00:00:00Z");

describeEachDatabase("sensitive-operation log (GET /api/access/log)", ({ db }) => {
  let t: TestServer;
  let minute = 0;
  const clock = () => new Date(T0 + minute * 60_000);
  /** What each operation was done with: its user agent and the minute it happened at. */
  const done = new Map<string, { ua: string; at: string; actor: string }>();
  let auditor: string;

  /** Calls `path` one minute later than the last call, with a user agent naming `action`. */
  async function act(action: string, method: string, path: string, opts: { token?: string; body?: unknown; actor?: string } = {}) {
    minute += 1;
    const ua = `test-agent/${action}`;
    const res = await t.call(method, path, { token: opts.token, body: opts.body, headers: { "user-agent": ua } });
    assert.ok(res.status === 200, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    done.set(action, { ua, at: clock().toISOString(), actor: opts.actor ?? "admin" });
    return res;
  }

  async function readLog(query = "", token = auditor) {
    return t.call("GET", `/api/access/log${query}`, { token });
  }

  before(async function () {
    this.timeout(60_000);
    t = await startTestServer(db(), {}, clock);
    auditor = await t.token("sun.audit", "auditor");
    const imported = await t.call("POST", "/api/orders", {
      body: { orders: [sampleOrder(1, { customer: { name: "张三丰", phone: "13812344121", address: "浙江省杭州市西湖区文三路 90 号", id: "C1" } })] },
    });
    assert.equal(imported.status, 200);

    // Every kind of sensitive operation, each once, by the admin unless said otherwise.
    await act("pii.unmasked_read", "GET", "/api/orders");
    await act("export", "GET", "/api/orders/export?format=csv");
    const flow = (await t.call("GET", "/api/workflow")).body.definition;
    const withRule = {
      ...flow,
      name: "standard + vip alert",
      rules: [...flow.rules, { id: "vip_paid", on: "payment.confirmed", action: { kind: "alert", level: "orange", message: "VIP order paid" } }],
    };
    await act("workflow.publish", "PUT", "/api/workflow", { body: withRule });
    done.set("rule.change", done.get("workflow.publish")!);
    await t.server.db.knex("channel_pauses").insert({ workspace_id: "default", channel: "wechat", reason: "breaker", source_id: "channel_conflict_breaker", paused_at: clock().toISOString() });
    await act("connector.change", "POST", "/api/channels/wechat/resume", { body: { note: "checked" } });
    await act("audit.verify", "POST", "/api/audit/verify", { token: auditor, actor: "sun.audit" });
    const issued = await act("token.issue", "POST", "/api/tokens", { body: { user: "zhao.ops", role: "admin", label: "ops" } });
    await act("token.rotate", "POST", "/api/tokens/rotate", { token: issued.body.token, body: { confirm: true }, actor: "zhao.ops" });
    const spare = await t.call("POST", "/api/tokens", { body: { user: "wu.cs", role: "customer_service" } });
    minute += 1; // the spare token's issue is logged too; keep it off the minutes below
    await act("token.revoke", "DELETE", `/api/tokens/${spare.body.tokenId}`);
    await act("user.change", "PUT", "/api/users/wu.cs/role", { body: { role: "warehouse" } });
    await act("user.disable", "POST", "/api/users/wu.cs/disable");
    await act("user.enable", "POST", "/api/users/wu.cs/enable");
    const policy = (await t.call("GET", "/api/access/policy")).body.policy;
    policy.roles.marketing.mayExport = false;
    await act("access.policy_change", "PUT", "/api/access/policy", { body: policy });
  });
  after(async () => {
    await t?.close();
  });

  it("records every kind of sensitive operation with actor, IP, user agent and time, and the auditor reads them", async function () {
    const res = await readLog("?limit=500");
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const entries: any[] = res.body.entries;
    assert.deepEqual([...done.keys()].sort(), [...SENSITIVE_ACTIONS].sort(), "the setup covers every action");
    for (const [action, expected] of done) {
      const e = entries.find((x) => x.action === action && x.userAgent === expected.ua);
      assert.ok(e, `an entry for ${action} (${expected.ua}) in ${JSON.stringify(entries.map((x) => [x.action, x.userAgent]))}`);
      assert.equal(e.actor, expected.actor, action);
      assert.equal(e.at, expected.at, action);
      assert.match(String(e.ip), /^(::ffff:)?127\.0\.0\.1$|^::1$/, `${action}: ip ${e.ip}`);
      assert.equal(typeof e.tokenId, "string", action);
      assert.equal(typeof e.target, "string", action);
    }
    const byAction = (a: string) => entries.find((x) => x.action === a && x.userAgent === done.get(a)!.ua);
    assert.deepEqual(byAction("rule.change").detail.rules, { added: ["vip_paid"], removed: [], changed: [] });
    assert.equal(byAction("workflow.publish").detail.version, 2);
    assert.equal(byAction("connector.change").target, "channel wechat");
    assert.equal(byAction("connector.change").detail.wasPaused, true);
    assert.equal(byAction("audit.verify").detail.ok, true);
    assert.equal(byAction("token.issue").target, "zhao.ops");
    assert.deepEqual(byAction("export").detail.format, "csv");
    assert.deepEqual(byAction("pii.unmasked_read").detail.count, 1);
    // Nothing personal is written into the log itself.
    const text = JSON.stringify(entries);
    for (const pii of ["张三丰", "13812344121", "文三路"]) assert.ok(!text.includes(pii), `log holds no ${pii}`);
    // Newest first.
    const seqs = entries.map((e) => BigInt(e.seq));
    assert.deepEqual(seqs, [...seqs].sort((a, b) => (a > b ? -1 : a < b ? 1 : 0)));
  });

  it("a publish that leaves rules and timers alone records the publish and no rule change", async function () {
    const flow = (await t.call("GET", "/api/workflow")).body.definition;
    minute += 1;
    const res = await t.call("PUT", "/api/workflow", { body: { ...flow, name: "renamed only" }, headers: { "user-agent": "test-agent/rename" } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const log = await readLog("?action=workflow.publish,rule.change&limit=500");
    const mine = log.body.entries.filter((e: any) => e.userAgent === "test-agent/rename");
    assert.deepEqual(mine.map((e: any) => e.action), ["workflow.publish"]);
  });

  it("admins and auditors may read it; customer service, supervisors and warehouse get 403 in the envelope", async function () {
    assert.equal((await readLog("", t.adminToken)).status, 200);
    for (const role of ["customer_service", "supervisor", "warehouse"] as const) {
      const res = await readLog("", await t.token(`no.${role}`, role));
      assert.equal(res.status, 403, role);
      assert.equal(res.body.error.code, "forbidden");
      assert.match(res.body.error.message, /admin, auditor/);
    }
  });

  it("filters by action, actor and time", async function () {
    const exports = await readLog("?action=export");
    assert.ok(exports.body.entries.length >= 1);
    assert.ok(exports.body.entries.every((e: any) => e.action === "export"));

    const two = await readLog("?action=user.disable,user.enable");
    assert.deepEqual(two.body.entries.map((e: any) => e.action), ["user.enable", "user.disable"]);

    const byActor = await readLog("?actor=zhao.ops");
    assert.deepEqual(byActor.body.entries.map((e: any) => e.action), ["token.rotate"]);

    // [from, to): the minute of user.change up to (not including) the minute of user.enable.
    const from = done.get("user.change")!.at;
    const to = done.get("user.enable")!.at;
    const window = await readLog(`?from=${from}&to=${to}`);
    assert.deepEqual(window.body.entries.map((e: any) => e.action), ["user.disable", "user.change"]);
  });

  it("refuses bad filters with 400 naming the field", async function () {
    const cases: [string, RegExp][] = [
      ["?limit=501", /limit/],
      ["?limit=0", /limit/],
      ["?action=export,drop.table", /action.*drop\.table/],
      ["?from=yesterday", /from/],
      ["?from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z", /to.*later than from/],
      ["?cursor=abc", /cursor/],
      ["?actors=admin", /actors/],
    ];
    for (const [query, message] of cases) {
      const res = await readLog(query);
      assert.equal(res.status, 400, `${query}: ${JSON.stringify(res.body)}`);
      assert.match(res.body.error.message, message, query);
    }
  });

  it("pages newest first with a cursor that entries written meanwhile do not shift", async function () {
    const all = (await readLog("?limit=500")).body.entries.map((e: any) => e.seq);
    assert.ok(all.length >= 10, `${all.length} entries`);
    const paged: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await readLog(`?limit=3${cursor ? `&cursor=${cursor}` : ""}`);
      assert.equal(res.status, 200);
      assert.ok(res.body.entries.length <= 3);
      paged.push(...res.body.entries.map((e: any) => e.seq));
      cursor = res.body.nextCursor;
      if (pages++ === 0) {
        // A new entry after the first page lands above it, not on a later page.
        minute += 1;
        assert.equal((await t.call("GET", "/api/orders")).status, 200);
      }
    } while (cursor);
    assert.deepEqual(paged, all);
    assert.ok(pages >= 4);
  });

  it("is append-only in the database: UPDATE, DELETE and TRUNCATE are refused", async function () {
    const knex = t.server.db.knex;
    const before = await knex("sensitive_operations").count({ n: "*" }).first();
    await assert.rejects(knex("sensitive_operations").update({ actor: "someone else" }), /append-only/);
    await assert.rejects(knex("sensitive_operations").where("action", "export").delete(), /append-only/);
    await assert.rejects(knex.raw("truncate sensitive_operations"), /append-only/);
    const after = await knex("sensitive_operations").count({ n: "*" }).first();
    assert.equal(Number(after?.n), Number(before?.n));
    assert.equal(Number((await knex("sensitive_operations").where("actor", "someone else").count({ n: "*" }).first())?.n), 0);
  });

  it("is in the OpenAPI document with its roles and filters", async function () {
    const doc = (await t.call("GET", "/api/openapi.json")).body;
    const op = doc.paths["/api/access/log"]?.get;
    assert.ok(op, "GET /api/access/log documented");
    assert.deepEqual(op["x-roles"], ["admin", "auditor"]);
    assert.deepEqual(op.parameters.map((p: any) => p.name).sort(), ["action", "actor", "cursor", "from", "limit", "to"]);
  });
});
