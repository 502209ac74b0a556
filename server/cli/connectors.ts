import fs from "node:fs";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import pino from "pino";
import { z } from "zod";
import { loadConfig } from "../config.js";
import { CreateConnectorRequest } from "../contracts/connectors.js";
import { CredentialBox, legacyCredentialKey } from "../connectors/credentials.js";
import { loadSecretKey, SecretBox } from "../crypto/secretBox.js";
import { KnexWaybillSource } from "../db/KnexWaybillSource.js";
import { allConnectors } from "../connectors/registry.js";
import { ConnectorService } from "../connectors/sdk/ConnectorService.js";
import { KnexSensitiveLog } from "../db/access/KnexSensitiveLog.js";
import { LocalChangeSignal } from "../db/ChangeSignal.js";
import { KnexConnectorStore } from "../db/KnexConnectorStore.js";
import { DomainError, InputError } from "../domain/errors.js";
import { cronCalendar } from "../jobs/scheduler.js";
import { openCliDatabase } from "./openCliDatabase.js";

const USAGE = `Usage: npm run connectors -- COMMAND [ARGS] [--workspace ID] [--user NAME] [--json]

Commands:
  list                          the workspace's connectors (never their credentials)
  health ID                     last run, lag, counts, last error, unmapped statuses, next run
  create --file FILE.json       add a connector: {"kind","name","schedule"?,"config","credentials"}
                                (the same body as POST /api/connectors)
  run ID                        pull now, in this process, and print what the run did
  pause ID | resume ID          stop or restart its scheduled pulls and webhook intake
  set-credentials ID [--file F] replace its credentials with the JSON object read from F,
                                or from standard input when no file is given; never echoed
  delete ID                     remove it (kept for the record; its orders and events stay)

Works on the database the server uses: DATABASE_URL, or the embedded data directory
(DATA_DIR, default ./data; stop the server first — or use the /api/connectors routes).
Credentials are sealed with the server's secret key (SECRET_KEY; on the embedded database,
the key file in the data directory). Exit code: 0 done, 1 refused or the run failed, 2 usage.`;

/** A refusal to print as it is (zh-CN and English where a user reads it). */
class CliError extends Error {
  constructor(
    message: string,
    readonly code = 1,
  ) {
    super(message);
  }
}

function readJson(text: string, what: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new CliError(`${what} 不是合法的 JSON / ${what} is not valid JSON`, 2);
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Runs one command; returns the process exit code. Never prints a credential. */
export async function connectorsCli(argv: string[], env: NodeJS.ProcessEnv = process.env, out: (line: string) => void = console.log, stdin: () => Promise<string> = readStdin): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { workspace: { type: "string" }, user: { type: "string" }, file: { type: "string" }, json: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
    });
  } catch (err) {
    out(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  const [command, id] = positionals;
  if (values.help || !command) {
    out(USAGE);
    return values.help ? 0 : 2;
  }
  const needsId = ["health", "run", "pause", "resume", "set-credentials", "delete"];
  if (![...needsId, "list", "create"].includes(command)) {
    out(`unknown command ${command}\n\n${USAGE}`);
    return 2;
  }
  if (needsId.includes(command) && !id) {
    out(`${command} needs a connector id (see: npm run connectors -- list)\n\n${USAGE}`);
    return 2;
  }
  if (command === "create" && !values.file) {
    out(`create needs --file FILE.json\n\n${USAGE}`);
    return 2;
  }

  const config = loadConfig(env);
  const workspaceId = values.workspace ?? config.defaultWorkspace;
  const user = values.user ?? "cli";
  const caller = { workspaceId, user };
  const { db, where, close } = openCliDatabase(config);
  const logger = pino({ level: env.LOG_LEVEL ?? "warn" });
  try {
    if (!(await db.knex.schema.hasTable("connector_instances"))) throw new CliError(`no Ordersheet database in ${where}: run  npm run migrate  (or start the server) first`, 2);
    if (!(await db.knex("workspaces").where("id", workspaceId).first("id"))) throw new CliError(`工作区 ${workspaceId} 不存在 / workspace ${workspaceId} does not exist`, 2);
    // The same key the server uses (server/main.ts): SECRET_KEY (or CONNECTOR_CREDENTIALS_KEY), else the embedded key file.
    const secretKey = loadSecretKey({ configured: config.secretKey ?? config.connectorCredentialsKey, embedded: db.backend === "pglite", dataDir: config.dataDir });
    const box = secretKey ? new CredentialBox(new SecretBox(secretKey), legacyCredentialKey({ configured: config.connectorCredentialsKey, dataDir: config.dataDir })) : undefined;
    const store = new KnexConnectorStore(db.knex, new LocalChangeSignal());
    const service = new ConnectorService({ store, box, connectors: allConnectors(new KnexWaybillSource(db.knex)), cron: cronCalendar, logger });
    const log = new KnexSensitiveLog(db.knex);
    const record = (target: string, detail: Record<string, unknown>) =>
      log.record({ workspaceId, actor: user, tokenId: null, ip: null, userAgent: "npm run connectors", action: "connector.change", target, detail: { ...detail, via: "cli" }, at: new Date() });
    const show = (v: unknown, text: string) => out(values.json ? JSON.stringify(v, null, 2) : text);

    switch (command) {
      case "list": {
        const list = await service.list(workspaceId);
        show(
          { connectors: list },
          list.length
            ? list.map((c) => `${c.id}  ${c.kind.padEnd(12)} ${c.paused ? "paused " : "active "} ${c.schedule.padEnd(14)} ${c.name}`).join("\n")
            : `工作区 ${workspaceId} 没有连接器 / no connectors in workspace ${workspaceId}`,
        );
        return 0;
      }
      case "health": {
        const h = await service.health(workspaceId, id);
        const lines = [
          `${h.name} (${h.kind}) ${h.paused ? "paused" : "active"}`,
          `last run ${h.lastRunAt ?? "never"}; last success ${h.lastSuccessAt ?? "never"}; next run ${h.nextRunAt ?? "-"}${h.retryAt ? `; backing off until ${h.retryAt}` : ""}`,
          `lag ${h.lagSeconds === null ? "-" : `${h.lagSeconds} s`}; pulled ${h.counts.pulled}, mapped ${h.counts.mapped}, filtered ${h.counts.filtered}, unmapped ${h.counts.unmapped}, dead ${h.counts.dead}`,
          h.lastError ? `last error (${h.lastError.code}): ${h.lastError.message["zh-CN"]} / ${h.lastError.message.en} — ${h.lastError.detail}` : "no error",
          ...h.unmappedStatuses.map((u) => `unmapped ${u.field}=${u.value} ×${u.count} (since ${u.firstSeenAt})`),
        ];
        show(h, lines.join("\n"));
        return 0;
      }
      case "create": {
        const text = fs.readFileSync(values.file!, "utf8");
        const body = CreateConnectorRequest.safeParse(readJson(text, values.file!));
        if (!body.success) throw fieldError(body.error);
        const created = await service.create(caller, body.data);
        await record(created.id, { change: "create", kind: created.kind, name: created.name, schedule: created.schedule });
        show(created, `created ${created.kind} connector ${created.name}: ${created.id} (schedule ${created.schedule}${created.paused ? ", paused" : ""}; webhooks at ${created.webhookPath})`);
        return 0;
      }
      case "run": {
        const r = await store.get(workspaceId, id);
        if (!r) throw new CliError(`工作区 ${workspaceId} 中没有连接器 ${id} / no connector ${id} in workspace ${workspaceId}`);
        if (r.paused) throw new CliError(`连接器已暂停，请先恢复 / the connector is paused; resume it first`);
        const sum = await service.run(r);
        const h = await service.health(workspaceId, id);
        show(
          { run: sum, health: h },
          sum.outcome === "failed"
            ? `run failed (${sum.error?.code}): ${h.lastError?.message["zh-CN"]} / ${h.lastError?.message.en} — ${sum.error?.detail}; pages ${sum.pages}, pulled ${sum.pulled}`
            : `run ${sum.outcome}: pages ${sum.pages}, pulled ${sum.pulled}, orders created ${sum.created}, events ${sum.mapped}, unmapped ${sum.unmapped}, dead ${sum.dead}`,
        );
        return sum.outcome === "failed" ? 1 : 0;
      }
      case "pause":
      case "resume": {
        const v = await service.setPaused(caller, id, command === "pause");
        await record(id, { change: command });
        show(v, `${v.name}: ${v.paused ? "paused" : "resumed"}`);
        return 0;
      }
      case "set-credentials": {
        const text = values.file ? fs.readFileSync(values.file, "utf8") : await stdin();
        const credentials = readJson(text, values.file ?? "standard input");
        if (typeof credentials !== "object" || credentials === null || Array.isArray(credentials)) throw new CliError("credentials: 必须是 JSON 对象 / must be a JSON object", 2);
        const v = await service.patch(caller, id, { credentials: credentials as Record<string, unknown> });
        await record(id, { change: "update", fields: ["credentials"] });
        show({ id: v.id, credentials: v.credentials }, `${v.name}: credentials replaced (stored sealed; not shown)`);
        return 0;
      }
      case "delete": {
        const removed = await service.remove(caller, id);
        await record(id, { change: "delete" });
        show(removed, `connector ${id} removed (kept for the record; its orders and events stay)`);
        return 0;
      }
    }
    return 2;
  } catch (err) {
    if (err instanceof CliError) {
      out(err.message);
      return err.code;
    }
    if (err instanceof DomainError) {
      out(err.message);
      return err instanceof InputError ? 2 : 1;
    }
    throw err;
  } finally {
    await close();
  }
}

function fieldError(err: z.ZodError): CliError {
  const lines = err.issues.slice(0, 5).map((i) => `  ${i.path.join(".") || "(file)"}: ${i.message}`);
  return new CliError(`文件内容不符合连接器格式 / the file is not a valid connector:\n${lines.join("\n")}`, 2);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  connectorsCli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : err);
      process.exit(2);
    },
  );
}
