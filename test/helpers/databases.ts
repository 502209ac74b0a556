import crypto from "node:crypto";
import knex from "knex";
import { createDatabase, type Database } from "../../server/db/createKnex.js";
import { migrateLatest } from "../../server/db/migrate.js";

/** The backends a database suite runs on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function testBackends(): { name: string; url?: string }[] {
  const url = process.env.TEST_DATABASE_URL;
  return [{ name: "pglite" }, ...(url ? [{ name: "postgres", url }] : [])];
}

/**
 * Opens a fresh, migrated database: in-memory PGlite, or a throwaway schema in the
 * PostgreSQL of TEST_DATABASE_URL. `drop()` removes it.
 */
export async function openTestDatabase(backend: { name: string; url?: string }): Promise<{ db: Database; drop: () => Promise<void> }> {
  if (!backend.url) {
    const db = createDatabase({});
    await migrateLatest(db.knex);
    return { db, drop: () => db.knex.destroy() };
  }
  const schema = `t_${crypto.randomBytes(6).toString("hex")}`;
  const admin = knex({ client: "pg", connection: backend.url, pool: { min: 0, max: 1 } });
  await admin.raw(`create schema ${schema}`);
  const db = createDatabase({ url: backend.url, searchPath: schema });
  await migrateLatest(db.knex);
  return {
    db,
    drop: async () => {
      await db.knex.destroy();
      await admin.raw(`drop schema ${schema} cascade`);
      await admin.destroy();
    },
  };
}

/** Registers `suite` once per backend, each with a fresh database. */
export function describeEachDatabase(title: string, suite: (ctx: { db: () => Database; backend: string }) => void): void {
  for (const backend of testBackends()) {
    describe(`${title} [${backend.name}]`, function () {
      let opened: { db: Database; drop: () => Promise<void> } | undefined;
      before(async function () {
        this.timeout(60_000);
        opened = await openTestDatabase(backend);
      });
      after(async function () {
        await opened?.drop();
      });
      suite({
        db: () => {
          if (!opened) throw new Error("database not open yet");
          return opened.db;
        },
        backend: backend.name,
      });
    });
  }
}
