import crypto from "node:crypto";
import knex, { type Knex } from "knex";
import { createDatabase, type Database } from "../../server/db/createKnex.js";
import { migrateLatest } from "../../server/db/migrate.js";

/** A benchmark's database and how to reach it directly. */
export interface BenchDatabase {
  db: Database;
  label: string;
  /** The PostgreSQL URL and throwaway schema (absent on PGlite). */
  url?: string;
  schema?: string;
  close: () => Promise<void>;
}

/**
 * The database a benchmark runs on: BENCH_DATABASE_URL or DATABASE_URL (PostgreSQL, in a
 * throwaway schema) or, when neither is set, in-memory PGlite.
 */
export async function openBenchDatabase(): Promise<BenchDatabase> {
  const url = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL;
  if (!url) {
    const db = createDatabase({});
    await migrateLatest(db.knex);
    return { db, label: "PGlite (in memory)", close: () => db.knex.destroy() };
  }
  const schema = `bench_${crypto.randomBytes(4).toString("hex")}`;
  const admin = knex({ client: "pg", connection: url, pool: { min: 0, max: 1 } });
  await admin.raw(`create schema ${schema}`);
  const db = createDatabase({ url, searchPath: schema, poolMax: 10 });
  await migrateLatest(db.knex);
  const version = (await admin.raw("show server_version")).rows[0].server_version as string;
  return {
    db,
    label: `PostgreSQL ${version}`,
    url,
    schema,
    close: async () => {
      await db.knex.destroy();
      await admin.raw(`drop schema ${schema} cascade`);
      await admin.destroy();
    },
  };
}

/** Median of a list of numbers. */
export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/**
 * Runs `sql` with PostgreSQL-style `$n` parameters inside `trx`, straight on the driver —
 * the cheapest way a client can send a statement, for the raw baselines.
 */
export async function rawQuery(trx: Knex.Transaction, sql: string, params: unknown[]): Promise<void> {
  const conn = (await (trx.client as { acquireConnection(): Promise<{ query(sql: string, params: unknown[]): Promise<unknown> }> }).acquireConnection());
  await conn.query(sql, params);
}

/** `(col, …) values ($1, …), (…)` text and flat parameters for a multi-row INSERT. */
export function valuesInsert(table: string, columns: readonly string[], rows: readonly Record<string, unknown>[], jsonColumns: readonly string[] = []): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const tuples: string[] = new Array(rows.length);
  for (let r = 0; r < rows.length; r++) {
    const ph: string[] = new Array(columns.length);
    for (let c = 0; c < columns.length; c++) {
      const v = rows[r][columns[c]];
      params.push(jsonColumns.includes(columns[c]) ? JSON.stringify(v ?? null) : (v ?? null));
      ph[c] = `$${params.length}`;
    }
    tuples[r] = `(${ph.join(",")})`;
  }
  return { sql: `insert into ${table} (${columns.join(", ")}) values ${tuples.join(",")}`, params };
}
