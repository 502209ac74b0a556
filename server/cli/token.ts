import { parseArgs } from "node:util";
import { loadConfig } from "../config.js";
import { Role } from "../contracts/roles.js";
import { createDatabase } from "../db/createKnex.js";
import { acquireDataDir } from "../db/dataDirLock.js";
import { KnexWorkspaceStore } from "../db/KnexWorkspaceStore.js";
import { migrateLatest } from "../db/migrate.js";
import { standardWorkflow } from "../domain/workflow/templates.js";

const USAGE = `Usage: npm run token -- --user NAME --role ROLE [--workspace ID] [--label TEXT]
Roles: ${Role.options.join(", ")}
While the server runs on the embedded database, use POST /api/tokens with an admin token instead.`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      user: { type: "string" },
      role: { type: "string" },
      workspace: { type: "string" },
      label: { type: "string" },
      help: { type: "boolean" },
    },
  });
  if (values.help) return void console.log(USAGE);
  const role = Role.safeParse(values.role);
  if (!values.user || !role.success) {
    console.error(`${!values.user ? "--user is required" : `--role must be one of: ${Role.options.join(", ")}`}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const config = loadConfig();
  const release = config.databaseUrl ? () => {} : acquireDataDir(config.dataDir);
  const db = createDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  try {
    await migrateLatest(db.knex);
    const store = new KnexWorkspaceStore(db.knex);
    const workspace = values.workspace ?? config.defaultWorkspace;
    if (!(await store.getWorkspace(workspace))) {
      await store.createWorkspace({ id: workspace, name: workspace, timeZone: config.timeZone, workflow: standardWorkflow });
      console.log(`Created workspace ${workspace}.`);
    }
    const issued = await store.issueToken(workspace, values.user, role.data, { label: values.label ?? "cli" });
    console.log(`Token for ${values.user} (${role.data}) in workspace ${workspace} — shown only this once:\n\n  ${issued.token}\n`);
  } finally {
    await db.knex.destroy();
    release();
  }
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
