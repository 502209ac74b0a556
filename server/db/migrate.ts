import fs from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Knex } from "knex";

const MIGRATIONS_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../migrations");

interface MigrationModule {
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/**
 * Loads migrations from `migrations/` by dynamic import, so the same TypeScript files
 * run under tsx in development, tests and `npm start`.
 */
class DirectoryMigrationSource implements Knex.MigrationSource<string> {
  async getMigrations(): Promise<string[]> {
    return fs
      .readdirSync(MIGRATIONS_DIR)
      .filter((f) => /^\d{14}_.+\.ts$/.test(f))
      .sort();
  }
  getMigrationName(migration: string): string {
    return migration;
  }
  async getMigration(migration: string): Promise<MigrationModule> {
    return (await import(pathToFileURL(path.join(MIGRATIONS_DIR, migration)).href)) as MigrationModule;
  }
}

/** Brings the schema to the newest version; returns the names of migrations applied. */
export async function migrateLatest(knex: Knex): Promise<string[]> {
  const [, applied] = (await knex.migrate.latest({ migrationSource: new DirectoryMigrationSource() })) as [number, string[]];
  return applied;
}

/** Rolls back every migration (tests use it to prove `down` works). */
export async function migrateRollbackAll(knex: Knex): Promise<void> {
  await knex.migrate.rollback({ migrationSource: new DirectoryMigrationSource() }, true);
}

/** Rolls back the newest batch of migrations (or all of them); returns their names. */
export async function migrateRollback(knex: Knex, all = false): Promise<string[]> {
  const [, rolledBack] = (await knex.migrate.rollback({ migrationSource: new DirectoryMigrationSource() }, all)) as [number, string[]];
  return rolledBack;
}

/** Migrations applied and still pending, by name. */
export async function migrationStatus(knex: Knex): Promise<{ applied: string[]; pending: string[] }> {
  const [done, pending] = (await knex.migrate.list({ migrationSource: new DirectoryMigrationSource() })) as [{ name: string }[], string[]];
  return { applied: done.map((m) => m.name), pending: pending.map((m) => (typeof m === "string" ? m : (m as { file: string }).file)) };
}
