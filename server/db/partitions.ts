import type { Knex } from "knex";

/**
 * Monthly range partitions for the tables that grow with history (issue 15): the change
 * feed, the events inbox and the audit log. Each is partitioned by RANGE on a timestamptz
 * column in UTC calendar months, named `<table>_pYYYYMM`, with a `<table>_default`
 * partition that catches a row whose month has no partition yet (a clock far ahead, a
 * partition not created in time) so an insert never fails for want of one. Retention and
 * archiving work on whole partitions (drop or detach), never row by row.
 *
 * Creating a partition whose month already has rows in the default partition is refused by
 * PostgreSQL; such a month is reported as skipped rather than failing the maintenance run,
 * and `rowsInDefault` tells monitoring that rows are waiting there.
 */

type Db = Knex | Knex.Transaction;

/** The first instant (UTC) of `d`'s month. */
export function monthOf(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/** The first instant of the month `n` months after `month`'s (n may be negative). */
export function addMonths(month: Date, n: number): Date {
  return new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + n, 1));
}

/** `orders_p202612` for December 2026. */
export function partitionName(table: string, month: Date): string {
  const m = monthOf(month);
  return `${table}_p${m.getUTCFullYear()}${String(m.getUTCMonth() + 1).padStart(2, "0")}`;
}

/** The default partition's name. */
export function defaultPartitionName(table: string): string {
  return `${table}_default`;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;

function ident(name: string): string {
  if (!IDENT.test(name)) throw new Error(`not a plain identifier: ${name}`);
  return name;
}

/** Whether `table` (in the current schema) is a partitioned table. */
export async function isPartitioned(db: Db, table: string): Promise<boolean> {
  const r = await db.raw(
    `select 1 from pg_partitioned_table p join pg_class c on c.oid = p.partrelid
       join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relname = ?`,
    [table],
  );
  return r.rows.length > 0;
}

export interface MonthlyPartition {
  name: string;
  /** Inclusive lower bound: the month's first instant. */
  from: Date;
  /** Exclusive upper bound: the next month's first instant. */
  to: Date;
}

/** The attached month partitions of `table`, oldest first (the default partition excluded). */
export async function listMonthlyPartitions(db: Db, table: string): Promise<MonthlyPartition[]> {
  const r = await db.raw(
    `select c.relname as name, pg_get_expr(c.relpartbound, c.oid) as bound
       from pg_inherits i
       join pg_class c on c.oid = i.inhrelid
       join pg_class p on p.oid = i.inhparent
       join pg_namespace n on n.oid = p.relnamespace
      where n.nspname = current_schema() and p.relname = ?`,
    [table],
  );
  const out: MonthlyPartition[] = [];
  for (const row of r.rows as { name: string; bound: string }[]) {
    const m = /FROM \('([^']+)'\) TO \('([^']+)'\)/.exec(row.bound);
    if (!m) continue; // the default partition
    out.push({ name: row.name, from: new Date(m[1]), to: new Date(m[2]) });
  }
  return out.sort((a, b) => a.from.getTime() - b.from.getTime());
}

/** Rows waiting in `table`'s default partition (0 when it has none). */
export async function rowsInDefault(db: Db, table: string): Promise<number> {
  const name = defaultPartitionName(table);
  const exists = await db.raw(
    `select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relname = ?`,
    [name],
  );
  if (exists.rows.length === 0) return 0;
  const r = await db.raw(`select count(*) as n from ${ident(name)}`);
  return Number(r.rows[0].n);
}

export interface EnsureResult {
  created: string[];
  /** Months left without a partition because rows for them already sit in the default partition. */
  skipped: string[];
}

/**
 * Creates every missing month partition of `table` from `from`'s month through `to`'s
 * month inclusive. Idempotent, and safe when two servers run it at once (a partition made
 * meanwhile by the other is taken as made). A month whose rows already sit in the default
 * partition is skipped and named.
 */
export async function ensureMonthlyPartitions(db: Db, table: string, from: Date, to: Date): Promise<EnsureResult> {
  ident(table);
  const existing = new Set((await listMonthlyPartitions(db, table)).map((p) => p.name));
  const result: EnsureResult = { created: [], skipped: [] };
  for (let m = monthOf(from); m.getTime() <= monthOf(to).getTime(); m = addMonths(m, 1)) {
    const name = partitionName(table, m);
    if (existing.has(name)) continue;
    const sql = `CREATE TABLE IF NOT EXISTS ${ident(name)} PARTITION OF ${table} FOR VALUES FROM ('${m.toISOString()}') TO ('${addMonths(m, 1).toISOString()}')`;
    try {
      // A savepoint, so a refusal inside a caller's transaction does not abort it.
      await db.transaction(async (trx) => {
        await trx.raw(sql);
      });
      result.created.push(name);
    } catch (err) {
      const code = (err as { code?: string }).code;
      // 23514: rows for this month already sit in the default partition.
      if (code === "23514") result.skipped.push(name);
      // 42P07 / 23505: made by a concurrent run meanwhile.
      else if (code === "42P07" || code === "23505") continue;
      else throw err;
    }
  }
  return result;
}

export interface ConvertOptions {
  table: string;
  /** The timestamptz column to partition by. */
  column: string;
  /** The new primary key; it must include `column`. */
  primaryKey: string[];
  now: Date;
  /** Month partitions to create after `now`'s month (default 3). */
  monthsAhead?: number;
}

/**
 * For migrations: turns an ordinary `table` into one partitioned by month on `column`,
 * keeping its rows, column defaults (its sequence included) and NOT NULL / CHECK
 * constraints. Partitions run from the oldest row's month (or `now`'s) to `monthsAhead`
 * months after `now`, plus the default partition. Indexes, triggers, row-level security
 * policies and foreign keys are the caller's to recreate, since they differ per table;
 * they go with the old table, which is dropped.
 */
export async function convertToMonthlyPartitions(db: Db, opts: ConvertOptions): Promise<void> {
  const table = ident(opts.table);
  const column = ident(opts.column);
  if (!opts.primaryKey.includes(column)) throw new Error(`the primary key of ${table} must include the partition column ${column}`);
  const old = ident(`${table}_unpartitioned`);
  await db.raw(`ALTER TABLE ${table} RENAME TO ${old}`);
  await db.raw(`ALTER TABLE ${old} RENAME CONSTRAINT ${table}_pkey TO ${old}_pkey`);
  await db.raw(`CREATE TABLE ${table} (LIKE ${old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY RANGE (${column})`);
  await db.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (${opts.primaryKey.map(ident).join(", ")})`);
  const oldest = await db.raw(`select min(${column}) as m from ${old}`);
  const first = oldest.rows[0]?.m ? new Date(oldest.rows[0].m) : opts.now;
  await ensureMonthlyPartitions(db, table, first < opts.now ? first : opts.now, addMonths(monthOf(opts.now), opts.monthsAhead ?? 3));
  await db.raw(`CREATE TABLE ${ident(defaultPartitionName(table))} PARTITION OF ${table} DEFAULT`);
  await db.raw(`INSERT INTO ${table} SELECT * FROM ${old}`);
  // The sequences behind serial columns belong to the old table: move them, or they go with it.
  const owned = await db.raw(
    `select s.relname as seq, a.attname as col
       from pg_depend d
       join pg_class s on s.oid = d.objid and s.relkind = 'S'
       join pg_attribute a on a.attrelid = d.refobjid and a.attnum = d.refobjsubid
      where d.refobjid = ?::regclass and d.deptype = 'a'`,
    [old],
  );
  for (const r of owned.rows as { seq: string; col: string }[]) {
    await db.raw(`ALTER SEQUENCE ${ident(r.seq)} OWNED BY ${table}.${ident(r.col)}`);
  }
  await db.raw(`DROP TABLE ${old}`);
}
