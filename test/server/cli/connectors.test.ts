import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDatabase } from "../../../server/db/createKnex.js";
import { KnexWorkspaceStore } from "../../../server/db/KnexWorkspaceStore.js";
import { migrateLatest } from "../../../server/db/migrate.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { connectorsCli } from "../../../server/cli/connectors.js";
import { JushuitanProtocolServer, jstOrder } from "../connectors/jushuitan/jushuitanProtocolServer.js";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../../..");

/** Runs `npm run connectors -- …` as a child process, with `input` on its standard input. */
function spawnCli(args: string[], env: Record<string, string>, input = ""): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server/cli/connectors.ts"), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: "", LOG_LEVEL: "silent", ...env },
    });
    let out = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (out += d));
    child.on("close", (code) => resolve({ code: code ?? 1, out }));
    child.stdin.end(input);
  });
}

/** The same command in this process (quicker than a child process each time); output captured. */
async function cli(args: string[], env: Record<string, string>, input = ""): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const code = await connectorsCli(args, { LOG_LEVEL: "silent", DATABASE_URL: "", ...env }, (l) => lines.push(l), async () => input);
  return { code, out: lines.join("\n") };
}

/**
 * `npm run connectors` on the embedded database: create from a JSON file, list, run now
 * (against a JuShuiTan protocol server), health, pause/resume, set credentials from
 * standard input (never echoed), delete; refusals name the field and exit non-zero.
 */
describe("npm run connectors [pglite]", function () {
  this.timeout(180_000);
  let dir: string;
  const jst = new JushuitanProtocolServer();
  let env: Record<string, string>;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ordersheet-connectors-cli-"));
    const db = createDatabase({ dataDir: dir });
    await migrateLatest(db.knex);
    await new KnexWorkspaceStore(db.knex, () => new Date()).createWorkspace({ id: "shop1", name: "shop1", timeZone: "Asia/Shanghai", workflow: standardWorkflow });
    await db.knex.destroy();
    await jst.start();
    env = { DATA_DIR: dir, ORDERSHEET_WORKSPACE: "shop1" };
  });
  after(async function () {
    await jst.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("creates, lists, runs, shows health, pauses, resumes, replaces credentials from stdin and deletes, never printing a secret", async function () {
    jst.put(jstOrder(1, 30), jstOrder(2, 20));
    const file = path.join(dir, "jst.json");
    fs.writeFileSync(
      file,
      JSON.stringify({
        kind: "jushuitan",
        name: "我们的聚水潭",
        config: { baseUrl: jst.url, initialSince: new Date(Date.now() - 86_400_000).toISOString(), shipments: false, timeoutMs: 2000 },
        credentials: { appKey: jst.appKey, appSecret: jst.appSecret, accessToken: jst.accessToken },
      }),
    );
    const created = await cli(["create", "--file", file], env);
    assert.equal(created.code, 0, created.out);
    const id = /: ([0-9a-f-]{36}) \(schedule \*\/10 \* \* \* \*/.exec(created.out)?.[1];
    assert.ok(id, created.out);
    assert.ok(!created.out.includes(jst.appSecret) && !created.out.includes(jst.accessToken));

    const list = await spawnCli(["list"], env);
    assert.equal(list.code, 0, list.out);
    assert.match(list.out, new RegExp(`${id}\\s+jushuitan\\s+active\\s+\\*/10 \\* \\* \\* \\*\\s+我们的聚水潭`));

    const run = await cli(["run", id!], env);
    assert.equal(run.code, 0, run.out);
    assert.match(run.out, /run ok: pages 1, pulled 2, orders created 2, events 2/);
    assert.ok(jst.requests.every((r) => r.code === 0), "signed requests accepted");

    const health = await cli(["health", id!, "--json"], env);
    assert.equal(health.code, 0);
    const h = JSON.parse(health.out);
    assert.equal(h.counts.pulled, 2);
    assert.equal(h.lastError, null);

    assert.equal((await cli(["pause", id!], env)).code, 0);
    const refused = await cli(["run", id!], env);
    assert.equal(refused.code, 1);
    assert.match(refused.out, /连接器已暂停.*resume it first/);
    assert.equal((await cli(["resume", id!], env)).code, 0);

    const wrong = JSON.stringify({ appKey: jst.appKey, appSecret: "s3cret-from-stdin", accessToken: jst.accessToken });
    const set = await spawnCli(["set-credentials", id!], env, wrong);
    assert.equal(set.code, 0, set.out);
    assert.match(set.out, /credentials replaced/);
    assert.ok(!set.out.includes("s3cret-from-stdin"), "not echoed");
    const failed = await cli(["run", id!], env);
    assert.equal(failed.code, 1);
    assert.match(failed.out, /run failed \(bad_signature\): 平台拒绝了请求签名（应用密钥有误？） \/ The platform refused the request signature \(wrong app secret\?\)/);
    assert.ok(!failed.out.includes("s3cret-from-stdin"));

    const badCreds = await cli(["set-credentials", id!], env, JSON.stringify({ appKey: "k" }));
    assert.equal(badCreds.code, 2);
    assert.match(badCreds.out, /credentials\.appSecret/);

    const del = await cli(["delete", id!], env);
    assert.equal(del.code, 0, del.out);
    assert.match((await cli(["list"], env)).out, /no connectors in workspace shop1/);
    const gone = await cli(["health", id!], env);
    assert.equal(gone.code, 1);
    assert.match(gone.out, /no connector/);

    // The record stays, with what was logged about it.
    const db = createDatabase({ dataDir: dir });
    try {
      const row = await db.knex("connector_instances").where({ id }).first("deleted_at", "deleted_by", "pulled", "credentials");
      assert.ok(row.deleted_at);
      assert.equal(row.deleted_by, "cli");
      assert.equal(Number(row.pulled), 2);
      assert.ok(!String(row.credentials).includes("s3cret-from-stdin"));
      const ops = await db.knex("sensitive_operations").where({ target: id }).orderBy("seq").select("detail");
      assert.deepEqual(
        ops.map((o) => (typeof o.detail === "string" ? JSON.parse(o.detail) : o.detail).change),
        ["create", "pause", "resume", "update", "delete"],
      );
      assert.ok(!JSON.stringify(ops).includes("s3cret"));
      assert.equal(Number((await db.knex("orders").where({ workspace_id: "shop1" }).count<{ c: number }[]>("* as c"))[0].c), 2, "its orders stay");
    } finally {
      await db.knex.destroy();
    }
  });

  it("refuses a file that is not a connector, naming the field, and an unknown command, with exit code 2", async function () {
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify({ kind: "jushuitan", name: "x", config: { pageSize: 500 }, credentials: { appKey: "k", appSecret: "s", accessToken: "t" } }));
    const bad = await cli(["create", "--file", file], env);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /config\.pageSize: must be at most 100/);
    const unknown = await spawnCli(["frobnicate"], env);
    assert.equal(unknown.code, 2);
    assert.match(unknown.out, /unknown command frobnicate/);
  });
});
