import fs from "node:fs";
import path from "node:path";
import knex, { type Knex } from "knex";
import ClientPgLite from "knex-pglite";
import pg from "pg";

// int8 (counts, sums, bigint money) arrives from pg as strings; our values stay inside
// the safe-integer range (enforced on input), so parse them as numbers like PGlite does.
pg.types.setTypeParser(20, (value: string) => Number(value));

/** Which database backs this process. */
export type Backend = "postgres" | "pglite";

/** A knex instance plus what it runs on. */
export interface Database {
  knex: Knex;
  backend: Backend;
  /** The PostgreSQL URL when backend is postgres (for LISTEN connections). */
  url?: string;
}

/** Options for {@link createDatabase}. */
export interface DatabaseOptions {
  /** postgres://… — use PostgreSQL. Absent: embedded PGlite. */
  url?: string;
  /** PGlite data directory; absent or "memory" keeps it in memory. */
  dataDir?: string;
  /** PostgreSQL schema to use (tests isolate suites this way). */
  searchPath?: string;
  /** PostgreSQL pool size. */
  poolMax?: number;
}

/** Opens the database: PostgreSQL when a URL is given, otherwise embedded PGlite. */
export function createDatabase(opts: DatabaseOptions): Database {
  if (opts.url) {
    const instance = knex({
      client: "pg",
      connection: opts.url,
      searchPath: opts.searchPath ? [opts.searchPath] : undefined,
      pool: {
        min: 0,
        max: opts.poolMax ?? 10,
        // No JIT compilation: the plans here are short index look-ups whose cost estimates
        // grow with history past `jit_above_cost`, and compiling them then took far longer
        // than running them (a quarter of a second per 1,000-event batch at a year of history).
        afterCreate: (conn: pg.Client, done: (err: Error | null, conn: pg.Client) => void) => {
          conn.query("set jit = off", (err) => done(err ?? null, conn));
        },
      },
    });
    return { knex: instance, backend: "postgres", url: opts.url };
  }
  let connection: object = {};
  if (opts.dataDir && opts.dataDir !== "memory") {
    const dir = path.resolve(opts.dataDir);
    fs.mkdirSync(dir, { recursive: true });
    connection = { filename: dir };
  }
  const instance = knex({ client: ClientPgLite, dialect: "postgres", connection });
  return { knex: instance, backend: "pglite" };
}
