import crypto from "node:crypto";
import knex from "knex";
import { createDatabase, type Database } from "../../server/db/createKnex.js";
import { migrateLatest } from "../../server/db/migrate.js";

/**
 * The database a benchmark runs on: BENCH_DATABASE_URL or DATABASE_URL (PostgreSQL, in a
 * throwaway schema) or, when neither is set, in-memory PGlite.
 */
export async function openBenchDatabase(): Promise<{ db: Database; label: string; close: () => Promise<void> }> {
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
