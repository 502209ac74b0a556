import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadConfig } from "../config.js";
import { migrateLatest, migrateRollback, migrationStatus } from "../db/migrate.js";
import { openCliDatabase } from "./openCliDatabase.js";

const USAGE = `Usage: npm run migrate [-- --rollback [--all] | --status]

Brings the database the server uses (DATABASE_URL, or the embedded data directory DATA_DIR,
default ./data; stop the server first) to the newest schema.
  --rollback   undo the newest batch of migrations (with --all: every migration)
  --status     list applied and pending migrations, change nothing`;

/** Runs the migration command; returns the process exit code. */
export async function migrateCommand(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      rollback: { type: "boolean", default: false },
      all: { type: "boolean", default: false },
      status: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if (values.all && !values.rollback) {
    out(`--all only goes with --rollback\n\n${USAGE}`);
    return 2;
  }
  const { db, where, close } = openCliDatabase(loadConfig(env));
  try {
    if (values.status) {
      const s = await migrationStatus(db.knex);
      for (const m of s.applied) out(`applied  ${m}`);
      for (const m of s.pending) out(`pending  ${m}`);
      return 0;
    }
    if (values.rollback) {
      const undone = await migrateRollback(db.knex, values.all);
      out(undone.length ? `rolled back in ${where}:\n${undone.map((m) => `  ${m}`).join("\n")}` : `nothing to roll back in ${where}`);
      return 0;
    }
    const applied = await migrateLatest(db.knex);
    out(applied.length ? `migrated ${where}:\n${applied.map((m) => `  ${m}`).join("\n")}` : `${where} is already up to date`);
    return 0;
  } finally {
    await close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  migrateCommand(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(1);
    },
  );
}
