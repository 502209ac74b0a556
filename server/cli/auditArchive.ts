import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadConfig } from "../config.js";
import { KnexAuditStore } from "../db/KnexAuditStore.js";
import { InputError } from "../domain/errors.js";
import { openCliDatabase } from "./openCliDatabase.js";

const USAGE = `Usage: npm run audit:archive -- --month YYYY-MM [--restore] [--json]

Detaches a past month of the audit log (its partition audit_log_pYYYYMM) after recording
the last entry of every chain in it, so later entries still verify and the full check
reports the month as archived. The month must be sealed by a full check for every
workspace with entries in it (POST /api/audit/verify?full=1, or npm run audit:verify --
--full). The detached table stays in the database, append-only: dump it
(pg_dump -t audit_log_pYYYYMM) and drop it when you like.
--restore re-attaches a month restored from its dump under its original name.
Exit code: 0 done, 1 refused (the reason is printed), 2 the tool could not run.`;

/** Archives or restores one month; returns the process exit code. */
export async function auditArchive(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { month: { type: "string" }, restore: { type: "boolean", default: false }, json: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
  });
  if (values.help || !values.month) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  const config = loadConfig(env);
  const { db, close } = openCliDatabase(config);
  try {
    const audit = new KnexAuditStore(db.knex);
    try {
      const result = values.restore ? await audit.restoreMonth(values.month) : await audit.archiveMonth(values.month, new Date());
      if (values.json) out(JSON.stringify(result, null, 2));
      else if (values.restore) out(`已恢复 ${result.month}（${result.partition}） / restored ${result.month} (${result.partition})`);
      else {
        const r = result as Awaited<ReturnType<KnexAuditStore["archiveMonth"]>>;
        const entries = r.workspaces.reduce((n, w) => n + w.entries, 0);
        out(`已归档 ${r.month}：${entries} 条，${r.workspaces.length} 个工作区，表 ${r.partition} 已分离 / archived ${r.month}: ${entries} entries of ${r.workspaces.length} workspace(s); table ${r.partition} detached`);
      }
      return 0;
    } catch (err) {
      if (err instanceof InputError) {
        out((err as Error).message);
        return 1;
      }
      throw err;
    }
  } finally {
    await close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  auditArchive(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(2);
    },
  );
}
