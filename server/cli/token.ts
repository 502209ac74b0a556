import { parseArgs } from "node:util";
import { loadConfig } from "../config.js";
import { Role } from "../contracts/roles.js";
import { createDatabase } from "../db/createKnex.js";
import { acquireDataDir, lockHolder } from "../db/dataDirLock.js";
import { KnexWorkspaceStore } from "../db/KnexWorkspaceStore.js";
import { migrateLatest } from "../db/migrate.js";
import { standardWorkflow } from "../domain/workflow/templates.js";

const USAGE = `Usage: npm run token -- --user NAME --role ROLE [--workspace ID] [--label TEXT]
Roles: ${Role.options.join(", ")}
While the server runs on the embedded database, use POST /api/tokens with an admin token instead.`;

/**
 * Why the token CLI cannot run next to a server on the embedded database, and what to do
 * instead, in zh-CN and English: PGlite allows one process per data directory.
 */
function serverHoldsDataDir(dataDir: string, pid: number, port: number, user: string, role: string): string {
  const body = JSON.stringify({ user, role, label: "cli" });
  const curl = (admin: string) =>
    `  curl -X POST http://localhost:${port}/api/tokens -H "Authorization: Bearer ${admin}" -H "Content-Type: application/json" -d '${body}'`;
  return [
    `无法签发令牌:服务器(pid ${pid})正在使用内置数据库的数据目录 ${dataDir},而内置数据库(PGlite)同一时间只允许一个进程打开它。`,
    `请在服务器运行时用管理员令牌调用 POST /api/tokens,请求体为 ${body}:`,
    curl("<管理员令牌>"),
    `或者先停止服务器,再运行 npm run token。`,
    ``,
    `Cannot issue a token: the server (pid ${pid}) is using the embedded database's data directory ${dataDir}, and the embedded database (PGlite) allows only one process to open it at a time.`,
    `While the server runs, call POST /api/tokens with an admin token and the body ${body}:`,
    curl("<admin token>"),
    `Or stop the server first, then run npm run token.`,
  ].join("\n");
}

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
  const holder = config.databaseUrl ? undefined : lockHolder(config.dataDir);
  if (holder) {
    console.error(serverHoldsDataDir(config.dataDir, holder, config.port, values.user, role.data));
    process.exitCode = 3;
    return;
  }
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
