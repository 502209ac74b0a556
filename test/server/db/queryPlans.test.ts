import assert from "node:assert/strict";
import type { Knex } from "knex";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../helpers/testServer.js";

/**
 * Every hot read stays on an index as history grows (issue 15). The database is loaded
 * with enough rows that a sequential scan of a big table, or a filter that throws away
 * most of it, shows in the plan; the test then makes the real requests, captures each
 * statement the server sends, and runs it again under `EXPLAIN (ANALYZE, FORMAT JSON)`.
 * A statement fails the test when its plan scans a big table sequentially or removes more
 * than a page's worth of rows by filter. New routes and stores are covered as soon as a
 * request below reaches them.
 */

const ORDERS = 24_000;
const AUDITED_ORDERS = 4_000; // × 6 entries = 24,000 audit entries, several verify pages
const BIG_TABLES = new Set(["orders", "order_lines", "audit_log", "changes", "events_inbox", "alerts", "conflicts", "timer_firings"]);
/** Rows a plan may discard by filter before it counts as a walk over the table. */
const FILTER_ALLOWANCE = 1_000;

interface PlanNode {
  "Node Type": string;
  "Relation Name"?: string;
  "Index Name"?: string;
  "Rows Removed by Filter"?: number;
  "Actual Rows"?: number;
  "Actual Loops"?: number;
  Plans?: PlanNode[];
}

/** Problems of one plan: sequential scans of big tables, and filters that discard much of one. */
function planProblems(root: PlanNode): string[] {
  const out: string[] = [];
  const stack = [root];
  while (stack.length) {
    const node = stack.pop()!;
    // A partition counts as its table (`changes_p202612`, `events_inbox_default` → the table).
    // The planner reads an empty or near-empty month partition sequentially (months ahead
    // are created early), which is no walk over history: a partition's sequential scan
    // counts only once it reads more than the allowance.
    const name = node["Relation Name"];
    const rel = name?.replace(/_(p\d{6}|default)$/, "");
    const loops = node["Actual Loops"] ?? 1;
    const removed = (node["Rows Removed by Filter"] ?? 0) * loops;
    const read = removed + (node["Actual Rows"] ?? 0) * loops;
    if (node["Node Type"] === "Seq Scan" && rel && BIG_TABLES.has(rel) && (rel === name || read > FILTER_ALLOWANCE)) out.push(`sequential scan of ${name}`);
    if (rel && BIG_TABLES.has(rel) && removed > FILTER_ALLOWANCE) out.push(`${node["Node Type"]} on ${rel} removes ${removed} rows by filter`);
    stack.push(...(node.Plans ?? []));
  }
  return out;
}

/** Loads a year-like history shape: few open orders, many finished ones, with feed, inbox and audit rows. */
async function loadHistory(knex: Knex): Promise<void> {
  await knex.raw(
    `insert into orders (workspace_id, id, channel, external_order_id, status, workflow_version, version, customer_id, customer_name,
       customer_phone, total_amount, currency, region, warehouse, placed_at, status_since, created_at, updated_at)
     select 'default', 'TM' || to_char(p, 'YYYYMMDD') || '-' || lpad(g::text, 5, '0'), (array['tmall','jd','douyin','pdd'])[g % 4 + 1],
       'H' || g, case when g % 50 = 0 then 'in_transit' when g % 50 = 1 then 'paid' else 'completed' end, 1, 3, 'C' || (g % 9000), '客户' || g,
       '1380000' || lpad((g % 10000)::text, 4, '0'), 10000 + g, 'CNY', (array['华东','华南','华北','西南','华中'])[g % 5 + 1],
       'WH-' || (g % 7), p, p + interval '2 days', p, p + interval '2 days'
     from (select g, timestamptz '2026-01-01 08:00:00+08' + g * interval '19 minutes' as p from generate_series(1, ?) g) s`,
    [ORDERS],
  );
  await knex.raw(
    `insert into order_lines (workspace_id, order_id, line_no, sku, name, quantity, unit_price, amount)
     select workspace_id, id, n, 'SKU-' || n, '商品' || n, 1, 1000, 1000 from orders, generate_series(1, 2) n`,
  );
  await knex.raw(
    `insert into audit_log (workspace_id, order_id, order_version, at, actor, source, action, field, old_value, new_value, prev_hash, hash)
     select o.workspace_id, o.id, n, o.created_at + n * interval '1 hour', 'loader', 'test', 'field.changed', 'remark', null, to_jsonb(n),
       case when n = 1 then null else md5(o.id || (n - 1)) end, md5(o.id || n)
     from (select * from orders order by id limit ?) o, generate_series(1, 6) n`,
    [AUDITED_ORDERS],
  );
  await knex.raw(
    `insert into changes (workspace_id, kind, order_id, order_version, data, at)
     select workspace_id, 'order.updated', id, 2, '{}'::jsonb, updated_at from orders`,
  );
  await knex.raw(
    `insert into events_inbox (workspace_id, source, source_event_id, type, order_id, payload, outcome, actor, received_at)
     select workspace_id, 'connector:wms', 'evt-' || id, 'carrier.collected', id, '{}'::jsonb, 'applied', 'wms', updated_at from orders`,
  );
  await knex.raw(
    `insert into alerts (workspace_id, order_id, key, source, source_id, level, message, details, raised_at, cleared_at)
     select workspace_id, id, 'sla', 'timer', 'sla', 'orange', 'late', '{}'::jsonb, updated_at,
       case when status = 'completed' then updated_at + interval '1 day' end from orders`,
  );
  await knex.raw(
    `insert into conflicts (workspace_id, order_id, channel, kind, field, details, at)
     select workspace_id, id, channel, case when g % 2 = 0 then 'stale_status' else 'stale_edit' end, 'status', '{}'::jsonb, updated_at
     from orders, generate_series(1, 1) g`,
  );
  await knex.raw("analyze");
}

describeEachDatabase("query plans over a year-shaped history", ({ db }) => {
  let t: TestServer;
  let captured: { sql: string; bindings: unknown[] }[] = [];
  const capture = (q: { sql: string; bindings?: unknown[] }) => {
    if (/^\s*(select|with)\b/i.test(q.sql)) captured.push({ sql: q.sql, bindings: q.bindings ?? [] });
  };

  before(async function () {
    this.timeout(180_000);
    t = await startTestServer(db());
    await loadHistory(db().knex);
    db().knex.on("query", capture);
  });
  after(async () => {
    db().knex.off("query", capture);
    await t?.close();
  });

  /** Runs `requests`, then explains every SELECT they sent; returns the problems found, by statement. */
  async function explainRequests(requests: () => Promise<void>): Promise<{ statements: number; problems: string[] }> {
    captured = [];
    await requests();
    const statements = captured.filter((c) => BIG_TABLE_PATTERN.test(c.sql));
    captured = [];
    const problems: string[] = [];
    db().knex.off("query", capture);
    try {
      for (const s of statements) {
        // knex reports PostgreSQL's $n placeholders; put them back as knex's `?` (and keep literal ones).
        const sql = s.sql.replace(/\?/g, "\\?").replace(/\$\d+/g, "?");
        const res = await db().knex.raw(`explain (analyze, format json) ${sql}`, s.bindings as Knex.RawBinding[]);
        const plan = (res.rows[0]["QUERY PLAN"] as { Plan: PlanNode }[])[0].Plan;
        for (const p of planProblems(plan)) problems.push(`${p}\n    in: ${s.sql.replace(/\s+/g, " ").replace(/^select .*? from/, "select … from").slice(0, 400)}`);
      }
    } finally {
      db().knex.on("query", capture);
    }
    return { statements: statements.length, problems };
  }

  const BIG_TABLE_PATTERN = new RegExp(`\\b(${[...BIG_TABLES].join("|")})\\b`);

  async function ok(method: string, path: string, body?: unknown) {
    const r = await t.call(method, path, body === undefined ? {} : { body });
    assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return r.body;
  }

  it("the sanity check itself: the old OR cursor over a deep page is caught as a filter", async function () {
    this.timeout(60_000);
    const deep = await db().knex("orders").orderBy(["updated_at", "id"]).offset(ORDERS - 100).first("updated_at", "id");
    const { problems } = await explainRequests(async () => {
      await db().knex("orders")
        .where("workspace_id", "default")
        .andWhere((w) => w.where("updated_at", ">", deep.updated_at).orWhere((w2) => w2.where("updated_at", deep.updated_at).andWhere("id", ">", deep.id)))
        .orderBy(["updated_at", "id"]).limit(51).select("id");
      await db().knex("orders").where({ workspace_id: "default" }).whereRaw("customer_name = ?", ["客户7"]).select("id");
    });
    assert.ok(problems.length >= 2, `expected both deliberately bad queries to be caught, got: ${problems.join("; ")}`);
  });

  it("order list filters, a deep page, the detail and its history stay on indexes", async function () {
    this.timeout(120_000);
    const deep = await db().knex("orders").orderBy(["updated_at", "id"]).offset(ORDERS - 100).first("updated_at", "id");
    const cursor = Buffer.from(JSON.stringify([new Date(deep.updated_at).toISOString(), deep.id]), "utf8").toString("base64url");
    const someId = deep.id as string;
    const { statements, problems } = await explainRequests(async () => {
      await ok("GET", "/api/orders?status=in_transit");
      await ok("GET", "/api/orders?status=paid&limit=500");
      await ok("GET", "/api/orders?channel=jd");
      await ok("GET", "/api/orders?region=%E5%8D%8E%E5%8D%97");
      await ok("GET", "/api/orders?placedFrom=2026-06-01&placedTo=2026-06-01");
      await ok("GET", `/api/orders?cursor=${cursor}`);
      await ok("GET", `/api/orders/${encodeURIComponent(someId)}`);
      await ok("GET", `/api/orders/${encodeURIComponent(someId)}/history`);
    });
    assert.ok(statements >= 8, `expected the requests to reach the orders tables, saw ${statements} statements`);
    assert.deepEqual(problems, []);
  });

  it("the order desk's search, views and counts stay on indexes (issue 11)", async function () {
    this.timeout(120_000);
    const some = await db().knex("orders").where({ status: "completed" }).orderBy("id").offset(5000).first("id", "external_order_id", "customer_phone");
    await db().knex("orders").where({ id: some.id }).update({ waybill_no: "YT0000012345" });
    await db().knex.raw("analyze orders");
    const { statements, problems } = await explainRequests(async () => {
      for (const q of [some.external_order_id, some.id, "YT0000012345", some.customer_phone]) {
        const found = await ok("GET", `/api/orders?q=${encodeURIComponent(q)}`);
        assert.ok(found.orders.some((o: { id: string }) => o.id === some.id), `q=${q} finds the order`);
        await ok("GET", `/api/orders/count?q=${encodeURIComponent(q)}`);
      }
      await ok("GET", "/api/orders");
      await ok("GET", "/api/orders/count");
      await ok("GET", "/api/orders?channel=jd");
      await ok("GET", "/api/orders?overdue=1");
      await ok("GET", "/api/orders/count?overdue=1");
      await ok("GET", "/api/orders?mine=1");
      await ok("GET", "/api/orders/count?mine=1");
      await ok("GET", "/api/orders?lines=1&limit=200");
    });
    assert.ok(statements >= 17, `expected the requests to reach the orders tables, saw ${statements} statements`);
    assert.deepEqual(problems, []);
  });

  it("the change feed, alerts and event intake stay on indexes", async function () {
    this.timeout(120_000);
    const head = await ok("GET", "/api/changes/head");
    const mid = String(BigInt(head.cursor) - 500n);
    const openOrder = await db().knex("orders").where({ status: "in_transit" }).first("id");
    const { statements, problems } = await explainRequests(async () => {
      await ok("GET", `/api/changes?since=${mid}&limit=200`);
      await ok("GET", "/api/alerts");
      await ok("GET", `/api/alerts?open=false&orderId=${encodeURIComponent(openOrder.id)}`);
      await ok("POST", "/api/events", {
        events: [
          { source: "connector:wms", sourceEventId: `evt-${openOrder.id}`, orderId: openOrder.id, type: "carrier.collected", data: {} },
          { source: "connector:wms", sourceEventId: "evt-new-1", orderId: openOrder.id, type: "carrier.collected", data: {} },
        ],
      });
    });
    assert.ok(statements >= 4, `expected the requests to reach the big tables, saw ${statements} statements`);
    assert.deepEqual(problems, []);
  });

  it("a batch of a thousand events looks up its inbox keys and related orders by index, not by hashing the tables", async function () {
    this.timeout(120_000);
    // Half the keys were delivered before (duplicates), half are new; the related-order
    // counts (same customer on other channels) are looked up for every order of the batch.
    const open = (await db().knex("orders").where({ status: "in_transit" }).orderBy("id").limit(500).select("id")).map((r) => r.id as string);
    const events = open.flatMap((id) => [
      { source: "connector:wms", sourceEventId: `evt-${id}`, orderId: id, type: "carrier.collected", data: {} },
      { source: "connector:wms", sourceEventId: `evt-batch-${id}`, orderId: id, type: "carrier.collected", data: {} },
    ]);
    const { statements, problems } = await explainRequests(async () => {
      await ok("POST", "/api/events", { events });
    });
    assert.ok(statements >= 3, `expected the batch to reach the inbox and the orders, saw ${statements} statements`);
    assert.deepEqual(problems, []);
  });

  it("audit verification pages by index instead of rescanning from the start", async function () {
    this.timeout(120_000);
    const { statements, problems } = await explainRequests(async () => {
      await ok("POST", "/api/audit/verify");
    });
    assert.ok(statements >= 5, `expected verify to read the audit log in several pages, saw ${statements} statements`);
    // The full check reads every entry once by design (and counts them against the tally), so a
    // sequential read of the log is linear and allowed here; what must not happen is a page that
    // re-reads and discards everything before its cursor.
    const rescans = problems.filter((p) => /removes/.test(p));
    assert.deepEqual(rescans, []);
  });
});
