import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { loadConfig } from "../config.js";
import { KnexAuditStore, type Verification } from "../db/KnexAuditStore.js";
import { openCliDatabase } from "./openCliDatabase.js";

const USAGE = `Usage: npm run audit:verify [-- --workspace ID] [--full] [--json]

Checks the audit hash chains in the database the server uses: DATABASE_URL, or the
embedded data directory (DATA_DIR, default ./data; stop the server first).
By default the routine check: only what was written after each workspace's checkpoint
(new entries and their links, new digests, the tally), then the checkpoint moves on.
--full re-reads everything, month by month (resuming a full check a server left running
is the server's job; this one runs to its end here). Prints the first broken entry, or
that all chains hold. Exit code: 0 all chains hold, 1 a chain is broken, 2 the check
could not run.`;

/** Verifies every workspace (or one); returns the process exit code. */
export async function auditVerify(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = console.log): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: { workspace: { type: "string" }, full: { type: "boolean", default: false }, json: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
  });
  if (values.help) {
    out(USAGE);
    return 0;
  }
  const config = loadConfig(env);
  const { db, where, close } = openCliDatabase(config);
  try {
    if (!(await db.knex.schema.hasTable("audit_log"))) {
      out(`no Ordersheet database in ${where}: run  npm run migrate  (or start the server) first`);
      return 2;
    }
    const ids = values.workspace
      ? [values.workspace]
      : ((await db.knex("workspaces").orderBy("id").select("id")) as { id: string }[]).map((r) => r.id);
    if (values.workspace && !(await db.knex("workspaces").where("id", values.workspace).first("id"))) {
      out(`workspace ${values.workspace} does not exist`);
      return 2;
    }
    const audit = new KnexAuditStore(db.knex);
    const results: { workspace: string; result: Verification }[] = [];
    for (const ws of ids) results.push({ workspace: ws, result: values.full ? await audit.verifyFull(ws) : await audit.verify(ws) });
    const broken = results.filter((r) => !r.result.ok);
    if (values.json) {
      out(JSON.stringify({ ok: broken.length === 0, workspaces: results }, null, 2));
    } else {
      for (const r of results) out(`${r.result.ok ? "ok    " : "BROKEN"} workspace ${r.workspace}: ${r.result.message}`);
      if (broken.length) {
        const first = broken[0];
        const b = first.result.firstBroken!;
        out(`\nfirst broken entry: workspace ${first.workspace}, order ${b.orderId ?? "-"}, entry ${b.seq ?? "-"}: ${b.reason}`);
      } else {
        out(`\nall chains hold (${results.length} workspace(s), ${where})`);
      }
    }
    return broken.length ? 1 : 0;
  } finally {
    await close();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  auditVerify(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(2);
    },
  );
}
