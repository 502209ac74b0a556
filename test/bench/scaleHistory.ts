import knex, { type Knex } from "knex";
import { createDatabase, type Database } from "../../server/db/createKnex.js";
import { migrateLatest } from "../../server/db/migrate.js";
import { ensureMonthlyPartitions, isPartitioned } from "../../server/db/partitions.js";
import { KnexWorkspaceStore } from "../../server/db/KnexWorkspaceStore.js";
import { standardWorkflow } from "../../server/domain/workflow/templates.js";

/**
 * A year of order history written straight into a freshly migrated PostgreSQL database with
 * set-based SQL (generate_series, one statement per table per day), in the project's own
 * schema: orders with 3 lines, 8 hash-chained audit entries (valid chains: the hashes are
 * computed in SQL over the exact canonical JSON text `auditWriter.entryHash` hashes), 8 feed
 * rows and 6 inbox rows each; 2 % (the newest) still open; spread over 365 days with a daily
 * curve (weekends, 618, 双11, 双12, the Spring Festival dip) and an hour-of-day curve.
 */

const WS = "default";
const TZ = "Asia/Shanghai";
/** The tables the year fills; their plain (non-constraint) indexes are built after the load. */
const FILLED = ["orders", "order_lines", "audit_log", "changes", "events_inbox", "order_id_counters"];
/** Channel of each of 10 slots (weights 3:2:2:1:1:1) and the slot's rank within its channel. */
const SLOT_CHANNEL = ["tmall", "tmall", "tmall", "jd", "jd", "douyin", "douyin", "pinduoduo", "taobao", "wechat"];
const SLOT_CODE = ["TM", "TM", "TM", "JD", "JD", "DY", "DY", "PDD", "TB", "WX"];
const SLOT_RANK = [0, 1, 2, 0, 1, 0, 1, 0, 0, 0];
const SLOT_WIDTH = [3, 3, 3, 2, 2, 2, 2, 1, 1, 1];
const PATHS = {
  completed: ["pending_payment", "paid", "reviewed", "printed", "waybill_uploaded", "in_transit", "signed", "completed"],
  cancelled: ["pending_payment", "paid", "reviewed", "cancelled"],
  refunded: ["pending_payment", "paid", "reviewed", "printed", "waybill_uploaded", "in_transit", "refund_requested", "refunded"],
};
/** Open orders by where they stand (percent of the open ones): the status path each has walked. */
const OPEN: [number, string[]][] = [
  [6, ["pending_payment"]],
  [3, ["pending_payment", "paid"]],
  [3, ["pending_payment", "paid", "manual_review"]],
  [10, ["pending_payment", "paid", "reviewed"]],
  [6, ["pending_payment", "paid", "reviewed", "printed"]],
  [8, PATHS.completed.slice(0, 5)],
  [44, PATHS.completed.slice(0, 6)],
  [3, [...PATHS.completed.slice(0, 6), "delivery_exception"]],
  [14, PATHS.completed.slice(0, 7)],
  [3, ["pending_payment", "paid", "reviewed", "refund_requested"]],
];
/** Minutes after placing at which the k-th audit entry (and feed row) happened. */
const OFFSETS = [0, 3, 25, 200, 400, 700, 3000, 13000];
const INBOX_TYPES = ["payment.confirmed", "wms.printed", "waybill.assigned", "carrier.collected", "carrier.update", "carrier.signed"];
const REGIONS = ["华东", "华南", "华北", "西南", "华中", "西北", "东北"];
const CARRIERS = ["SF", "ZTO", "YTO", "JD"];

/** Where the history goes and how much of it. */
export interface ScaleHistoryOptions {
  /** A PostgreSQL server URL (its database part is replaced). */
  url: string;
  /** Database names: the year and the empty one (dropped and created again). */
  yearDb: string;
  emptyDb: string;
  orders: number;
  /** Keep an existing year database holding about `orders` orders instead of building it again. */
  reuse?: boolean;
  /** The history ends at this moment (default now). */
  end?: Date;
  log?: (line: string) => void;
}

/** What building took and produced. */
export interface ScaleHistory {
  year: Database;
  empty: Database;
  orders: number;
  buildSeconds: number | null;
  phases: Record<string, number>;
  databaseBytes: number;
  tableBytes: Record<string, number>;
  reused: boolean;
}

/** `url` pointing at database `name`. */
export function databaseUrl(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

async function recreate(url: string, name: string): Promise<void> {
  const admin = knex({ client: "pg", connection: databaseUrl(url, "postgres"), pool: { min: 0, max: 1 } });
  try {
    await admin.raw(`drop database if exists "${name}" with (force)`);
    await admin.raw(`create database "${name}"`);
  } finally {
    await admin.destroy();
  }
}

async function exists(url: string, name: string): Promise<boolean> {
  const admin = knex({ client: "pg", connection: databaseUrl(url, "postgres"), pool: { min: 0, max: 1 } });
  try {
    return (await admin.raw("select 1 from pg_database where datname = ?", [name])).rows.length > 0;
  } finally {
    await admin.destroy();
  }
}

/** A fresh database with the project's migrations and the default workspace (standard workflow). */
async function migrated(url: string, name: string): Promise<Database> {
  await recreate(url, name);
  const db = createDatabase({ url: databaseUrl(url, name), poolMax: 10 });
  await migrateLatest(db.knex);
  await new KnexWorkspaceStore(db.knex).createWorkspace({ id: WS, name: WS, timeZone: TZ, workflow: standardWorkflow });
  return db;
}

/** Relative order volume of each day: weekends, the big sales, the Spring Festival dip. */
function dayWeight(day: Date): number {
  const m = day.getUTCMonth() + 1;
  const d = day.getUTCDate();
  let w = [0, 6].includes(day.getUTCDay()) ? 1.2 : 1;
  if (m === 6 && d === 18) w *= 4;
  else if (m === 6 && d >= 1 && d < 18) w *= 1.6;
  if (m === 11 && d === 11) w *= 6;
  else if (m === 11 && d < 11) w *= 1.8;
  if (m === 12 && d === 12) w *= 3;
  if (m === 2 && d >= 1 && d <= 20) w *= 0.5;
  return w;
}

interface Day {
  /** Midnight of the day in Asia/Shanghai, as a UTC instant. */
  start: Date;
  /** YYYYMMDD in Asia/Shanghai. */
  label: string;
  count: number;
  /** Orders of all earlier days. */
  offset: number;
}

/** The 365 days ending the day before `end` (Asia/Shanghai), with their share of `orders`. */
export function yearDays(orders: number, end: Date): Day[] {
  const shanghaiMidnight = (t: number) => {
    const local = t + 8 * 3600_000;
    return local - (local % 86_400_000) - 8 * 3600_000;
  };
  const last = shanghaiMidnight(end.getTime()) - 86_400_000;
  const days = Array.from({ length: 365 }, (_, i) => new Date(last - (364 - i) * 86_400_000));
  const weights = days.map((d) => dayWeight(new Date(d.getTime() + 8 * 3600_000)));
  const total = weights.reduce((a, b) => a + b, 0);
  let given = 0;
  return days.map((start, i) => {
    const count = i === days.length - 1 ? orders - given : Math.round((orders * weights[i]) / total);
    const day = { start, label: new Date(start.getTime() + 8 * 3600_000).toISOString().slice(0, 10).replace(/-/g, ""), count, offset: given };
    given += count;
    return day;
  });
}

const lit = (xs: readonly (string | number)[]) => `array[${xs.map((x) => (typeof x === "number" ? String(x) : `'${x}'`)).join(",")}]`;

/** The open orders' paths as a CASE over `h % 100`. */
function openPathSql(): string {
  let upto = 0;
  const arms = OPEN.map(([pct, p]) => {
    upto += pct;
    return `when (h / 7) % 100 < ${upto} then ${lit(p)}::text[]`;
  });
  return `case ${arms.join(" ")} else ${lit(PATHS.completed.slice(0, 6))}::text[] end`;
}

/**
 * One day's orders in the session's temp table `scale_gen` (one row per order), then their
 * audit entries with bodies, hashed into chains by a recursive CTE, then every table's rows.
 */
async function fillDay(k: Knex, day: Day, total: number, end: Date): Promise<void> {
  const openFrom = Math.floor(total * 0.98);
  await k.transaction(async (trx) => {
    await trx.raw("set local synchronous_commit = off");
    await trx.raw("truncate scale_gen, scale_audit");
    await trx.raw(
      `insert into scale_gen (id, g, h, slot, seq, channel, placed_at, path, ats)
       select x.id, x.g, x.h, x.slot, x.seq, x.channel, x.placed_at, x.path,
              array(select date_trunc('milliseconds', least(x.placed_at + make_interval(mins => (${lit(OFFSETS)})[k]), ?::timestamptz - make_interval(secs => 9 - k)))
                    from generate_series(1, 8) k order by k)
       from (
         select n, g, h, slot, seq, channel, placed_at,
                (${lit(SLOT_CODE)})[slot + 1] || ? || '-' || case when length(seq::text) < 5 then lpad(seq::text, 5, '0') else seq::text end as id,
                case when g >= ${openFrom} then ${openPathSql()}
                     when h % 100 < 6 then ${lit(PATHS.cancelled)}::text[]
                     when h % 100 < 12 then ${lit(PATHS.refunded)}::text[]
                     else ${lit(PATHS.completed)}::text[] end as path
         from (
           select n, n + ? as g, ((n + ?) * 2654435761) % 4294967296 as h, (n - 1) % 10 as slot,
                  ((n - 1) / 10) * (${lit(SLOT_WIDTH)})[(n - 1) % 10 + 1] + (${lit(SLOT_RANK)})[(n - 1) % 10 + 1] + 1 as seq,
                  (${lit(SLOT_CHANNEL)})[(n - 1) % 10 + 1] as channel,
                  date_trunc('milliseconds', ?::timestamptz + make_interval(secs => 86400 * (u - 0.12 * sin(2 * pi() * u)))) as placed_at
           from (select n, (n - 0.5) / ? as u from generate_series(1, ?) n) s
         ) y
       ) x`,
      [end.toISOString(), day.label, day.offset, day.offset, day.start.toISOString(), day.count, day.count],
    );
    // Audit entries: the created entry, one per status step, then sheet edits of a remark.
    await trx.raw(
      `insert into scale_audit (id, k, at, actor, source, action, field, old_value, new_value, body)
       select e.id, e.k, e.at, e.actor, e.source, e.action, e.field, e.old_value, e.new_value,
              '{"entry":{"action":' || to_json(e.action)::text || ',"actor":' || to_json(e.actor)::text
              || ',"at":"' || to_char(e.at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') || '","field":' || to_json(e.field)::text
              || ',"newValue":' || coalesce(e.new_value::text, 'null') || ',"oldValue":' || coalesce(e.old_value::text, 'null')
              || ',"orderId":' || to_json(e.id)::text || ',"orderVersion":' || e.k || ',"source":' || to_json(e.source)::text
              || ',"workspaceId":"${WS}"},"prev":'
       from (
         select g.id, k, g.ats[k] as at,
                case when k = 1 then 'bench-import' when k <= cardinality(g.path) then 'bench-connector' else 'bench-sheet' end as actor,
                case when k = 1 then 'api:import' when k <= cardinality(g.path) then g.channel else 'sheet:bench' end as source,
                case when k = 1 then 'created' when k <= cardinality(g.path) then 'transition:' || g.path[k] else 'edit' end as action,
                case when k <= cardinality(g.path) then 'status' else 'extra.remark' end as field,
                case when k = 1 then null when k <= cardinality(g.path) then to_jsonb(g.path[k - 1])
                     when k = cardinality(g.path) + 1 then null else to_jsonb('remark ' || (k - 1)) end as old_value,
                case when k <= cardinality(g.path) then to_jsonb(g.path[k]) else to_jsonb('remark ' || k) end as new_value
         from scale_gen g cross join generate_series(1, 8) k
       ) e`,
    );
    await trx.raw("analyze scale_gen, scale_audit");
    await trx.raw(
      `with recursive chain(id, k, hash) as (
         select a.id, 1, encode(sha256(convert_to(a.body || 'null}', 'UTF8')), 'hex') from scale_audit a where a.k = 1
         union all
         select a.id, a.k, encode(sha256(convert_to(a.body || '"' || c.hash || '"}', 'UTF8')), 'hex')
         from chain c join scale_audit a on a.id = c.id and a.k = c.k + 1
       )
       update scale_audit a set hash = c.hash from chain c where a.id = c.id and a.k = c.k`,
    );
    await trx.raw(
      `insert into orders (workspace_id, id, channel, external_order_id, status, workflow_version, version, customer_id, customer_name,
         customer_phone, customer_address, total_amount, currency, region, warehouse, carrier, waybill_no, tags, extra, placed_at, paid_at,
         outbound_at, promised_at, status_since, audit_head, created_at, updated_at)
       select '${WS}', g.id, g.channel, g.channel || '-' || (g.g + 100000000), g.path[cardinality(g.path)], 1, 8,
              'C' || (g.h % 300000), '客户' || (g.h % 300000), '138' || lpad((g.h % 100000000)::text, 8, '0'),
              '上海市浦东新区' || (g.h % 999) || '号',
              (990 + (g.g * 393) % 20000) * (1 + (g.g >> 1) % 3) + (990 + (g.g * 524) % 20000) * (1 + (g.g >> 2) % 3) + (990 + (g.g * 655) % 20000) * (1 + (g.g >> 3) % 3),
              'CNY', (${lit(REGIONS)})[(g.h / 13) % ${REGIONS.length} + 1], 'WH' || (g.g % 17),
              case when cardinality(g.path) >= 5 and g.path[5] = 'waybill_uploaded' then (${lit(CARRIERS)})[(g.h / 17) % 4 + 1] end,
              case when cardinality(g.path) >= 5 and g.path[5] = 'waybill_uploaded' then 'YT' || (g.g + 7000000000) end,
              case when (g.h / 19) % 10 = 0 then '["618"]'::jsonb else '[]'::jsonb end, '{}'::jsonb,
              g.placed_at, case when cardinality(g.path) >= 2 then g.ats[2] end,
              case when cardinality(g.path) >= 6 and g.path[6] = 'in_transit' then g.ats[6] end,
              g.placed_at + interval '3 days', g.ats[cardinality(g.path)], a.hash, g.placed_at, g.ats[8]
       from scale_gen g join scale_audit a on a.id = g.id and a.k = 8`,
    );
    await trx.raw(
      `insert into order_lines (workspace_id, order_id, line_no, sku, name, quantity, unit_price, amount, flags)
       select '${WS}', g.id, j, 'SKU-' || ((g.g + j * 37) % 3000), '商品' || ((g.g + j * 37) % 3000), 1 + (g.g >> j) % 3,
              990 + (g.g * (j + 2) * 131) % 20000, (990 + (g.g * (j + 2) * 131) % 20000) * (1 + (g.g >> j) % 3), '{}'::jsonb
       from scale_gen g cross join generate_series(1, 3) j`,
    );
    await trx.raw(
      `insert into audit_log (workspace_id, order_id, order_version, at, actor, source, action, field, old_value, new_value, prev_hash, hash)
       select '${WS}', a.id, a.k, a.at, a.actor, a.source, a.action, a.field, a.old_value, a.new_value, p.hash, a.hash
       from scale_audit a left join scale_audit p on p.id = a.id and p.k = a.k - 1
       order by a.at, a.id, a.k`,
    );
    await trx.raw(
      `insert into changes (workspace_id, kind, order_id, order_version, data, at)
       select '${WS}', case when k = 1 then 'order.created' else 'order.updated' end, g.id, k,
              case when k = 1 then jsonb_build_object('status', g.path[1], 'channel', g.channel, 'externalOrderId', g.channel || '-' || (g.g + 100000000))
                   else jsonb_build_object('status', g.path[least(k, cardinality(g.path))], 'fields', case when k <= cardinality(g.path) then '["status"]'::jsonb else '["extra"]'::jsonb end,
                                           'event', case when k <= cardinality(g.path) then 'engine' else 'sheet.edit' end, 'by', 'bench-connector') end,
              g.ats[k]
       from scale_gen g cross join generate_series(1, 8) k
       order by g.ats[k], g.id, k`,
    );
    await trx.raw(
      `insert into events_inbox (workspace_id, source, source_event_id, type, order_id, channel, payload, outcome, result, actor, received_at)
       select '${WS}', s.source, s.event_id, s.type, g.id, g.channel,
              jsonb_build_object('source', s.source, 'sourceEventId', s.event_id, 'orderId', g.id, 'type', s.type,
                                 'data', jsonb_build_object('at', g.ats[k + 1], 'carrier', 'SF', 'waybillNo', 'YT' || (g.g + 7000000000), 'note', 'synthetic event of the scale bench')),
              'applied', jsonb_build_object('outcome', 'applied', 'orderId', g.id, 'status', g.path[least(k + 1, cardinality(g.path))], 'version', k + 1),
              'bench-connector', g.ats[k + 1]
       from scale_gen g cross join generate_series(1, 6) k
       cross join lateral (select case when k = 1 then g.channel when k = 2 then 'wms' else 'kdniao' end as source,
                                  g.id || ':' || (${lit(INBOX_TYPES)})[k] as event_id, (${lit(INBOX_TYPES)})[k] as type) s
       order by g.ats[k + 1], g.id, k`,
    );
    await trx.raw(
      `insert into order_id_counters (workspace_id, prefix, day, last_value)
       select '${WS}', (${lit(SLOT_CODE)})[slot + 1], ?, max(seq) from scale_gen group by 1, 2, 3
       on conflict (workspace_id, prefix, day) do update set last_value = greatest(order_id_counters.last_value, excluded.last_value)`,
      [day.label],
    );
  });
}

/** The plain indexes of the filled tables (not those behind a primary key or unique constraint). */
async function plainIndexes(k: Knex): Promise<{ name: string; def: string }[]> {
  const r = await k.raw(
    `select i.indexname as name, i.indexdef as def from pg_indexes i
     where i.schemaname = current_schema() and i.tablename = any(?)
       and not exists (select 1 from pg_constraint c where c.conname = i.indexname)`,
    [FILLED],
  );
  // A partitioned table's index reads `ON ONLY parent`: recreated that way it would cover no
  // partition. Without ONLY it is built on every partition, as the migrations made it.
  return (r.rows as { name: string; def: string }[]).map((x) => ({ ...x, def: x.def.replace(/ ON ONLY /, " ON ") }));
}

/** Monthly partitions for the year (and the month after) of every filled table that is partitioned. */
async function preparePartitions(k: Knex, from: Date, to: Date, log: (s: string) => void): Promise<void> {
  for (const t of FILLED) {
    if (!(await isPartitioned(k, t))) continue;
    const made = await ensureMonthlyPartitions(k, t, from, to);
    log(`  ${t}: ${made.created.length} monthly partitions created`);
  }
}

/** Builds (or reuses) the year database and migrates a fresh empty one beside it. */
export async function buildScaleHistory(opts: ScaleHistoryOptions): Promise<ScaleHistory> {
  const log = opts.log ?? (() => {});
  const end = opts.end ?? new Date();
  const phases: Record<string, number> = {};
  const empty = await migrated(opts.url, opts.emptyDb);
  let year: Database;
  let buildSeconds: number | null = null;
  let reused = false;
  if (opts.reuse && (await exists(opts.url, opts.yearDb))) {
    year = createDatabase({ url: databaseUrl(opts.url, opts.yearDb), poolMax: 10 });
    await migrateLatest(year.knex);
    const n = Number((await year.knex.raw("select count(*) as n from orders")).rows[0].n);
    if (Math.abs(n - opts.orders) > opts.orders * 0.05) throw new Error(`--scale-reuse: ${opts.yearDb} holds ${n} orders, not about ${opts.orders}`);
    reused = true;
    log(`reusing ${opts.yearDb} (${n.toLocaleString("en-US")} orders)`);
  } else {
    const t0 = performance.now();
    const lap = (name: string, since: number) => (phases[name] = (performance.now() - since) / 1000);
    year = await migrated(opts.url, opts.yearDb);
    const k = year.knex;
    const days = yearDays(opts.orders, end);
    await preparePartitions(k, days[0].start, new Date(end.getTime() + 31 * 86_400_000), log);
    const indexes = await plainIndexes(k);
    for (const ix of indexes) await k.raw(`drop index "${ix.name}"`);
    // Two lanes (one per core), each on its own connection with its own scratch tables.
    let done = 0;
    const tFill = performance.now();
    const laneDbs = [0, 1].map(() => createDatabase({ url: databaseUrl(opts.url, opts.yearDb), poolMax: 1 }));
    try {
      for (const l of laneDbs) {
        // Rows are consistent by construction: foreign-key checks (their plans were cached while
        // the tables were empty) and the per-statement audit tally are skipped, the tally written once after.
        await l.knex.raw("set session_replication_role = replica");
        await l.knex.raw(`create temp table scale_gen (id text primary key, g bigint, h bigint, slot int, seq bigint, channel text, placed_at timestamptz, path text[], ats timestamptz[])`);
        await l.knex.raw(`create temp table scale_audit (id text, k int, at timestamptz, actor text, source text, action text, field text, old_value jsonb, new_value jsonb, body text, hash text, primary key (id, k))`);
      }
      const queue = [...days.filter((d) => d.count > 0)];
      let i = 0;
      await Promise.all(laneDbs.map(async (l) => {
        while (i < queue.length) {
          const day = queue[i++];
          await fillDay(l.knex, day, opts.orders, end);
          done += day.count;
          if (Math.floor((done - day.count) / (opts.orders / 20)) !== Math.floor(done / (opts.orders / 20))) {
            log(`  ${done.toLocaleString("en-US")} orders (${Math.round((performance.now() - tFill) / 1000)} s)`);
          }
        }
      }));
    } finally {
      for (const l of laneDbs) await l.knex.destroy();
    }
    lap("fill", tFill);
    await k.raw(
      `insert into audit_tallies as t (workspace_id, slot, entries, chains)
       select workspace_id, 0, count(*), count(*) filter (where prev_hash is null) from audit_log group by workspace_id
       on conflict (workspace_id, slot) do update set entries = t.entries + excluded.entries, chains = t.chains + excluded.chains`,
    );
    const tIdx = performance.now();
    const ixDbs = [0, 1].map(() => createDatabase({ url: databaseUrl(opts.url, opts.yearDb), poolMax: 1 }));
    try {
      let j = 0;
      await Promise.all(ixDbs.map(async (l) => {
        await l.knex.raw("set maintenance_work_mem = '1GB'");
        while (j < indexes.length) await l.knex.raw(indexes[j++].def);
      }));
    } finally {
      for (const l of ixDbs) await l.knex.destroy();
    }
    lap("indexes", tIdx);
    const tVac = performance.now();
    await k.raw(`vacuum (analyze) ${FILLED.join(", ")}`);
    lap("vacuum analyze", tVac);
    buildSeconds = (performance.now() - t0) / 1000;
  }
  const size = await year.knex.raw(
    `select pg_database_size(current_database()) as db, ${FILLED.map((t) => `coalesce((select sum(pg_total_relation_size(relid)) from pg_partition_tree('${t}')), pg_total_relation_size('${t}')) as "${t}"`).join(", ")}`,
  );
  const row = size.rows[0] as Record<string, string | number>;
  const tableBytes = Object.fromEntries(FILLED.map((t) => [t, Number(row[t])]));
  return { year, empty, orders: opts.orders, buildSeconds, phases, databaseBytes: Number(row.db), tableBytes, reused };
}
