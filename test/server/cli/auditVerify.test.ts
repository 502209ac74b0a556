import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDatabase, type Database } from "../../../server/db/createKnex.js";
import { migrateLatest } from "../../../server/db/migrate.js";
import { openTestDatabase, testBackends } from "../../helpers/databases.js";
import { at, auditSeq, behindTheServersBack, quietLogger, seededWorkspace, stores } from "../jobs/fixtures.js";
import { DigestJob } from "../../../server/jobs/digestJob.js";
import { runCli } from "./runCli.js";

/** A database a child process can open: a PGlite data directory, or a PostgreSQL schema named in the URL. */
async function cliDatabase(backend: { name: string; url?: string }): Promise<{ open: () => Promise<Database>; shut: (db: Database) => Promise<void>; env: Record<string, string>; drop: () => Promise<void> }> {
  if (!backend.url) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ordersheet-cli-"));
    return {
      open: async () => {
        const db = createDatabase({ dataDir: dir });
        await migrateLatest(db.knex);
        return db;
      },
      shut: (db) => db.knex.destroy(),
      env: { DATA_DIR: dir },
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const opened = await openTestDatabase(backend);
  const schema = (await opened.db.knex.raw("select current_schema() as s")).rows[0].s as string;
  const url = `${backend.url}${backend.url.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  return { open: async () => opened.db, shut: async () => {}, env: { DATABASE_URL: url }, drop: opened.drop };
}

for (const backend of testBackends()) {
  describe(`npm run audit:verify [${backend.name}]`, function () {
    this.timeout(120_000);
    let target: Awaited<ReturnType<typeof cliDatabase>>;
    const ws: Record<"edited" | "deleted" | "removed" | "intact" | "fresh", { ws: string; orders: string[] }> = {} as never;

    before(async function () {
      target = await cliDatabase(backend);
      const db = await target.open();
      for (const k of ["edited", "deleted", "removed", "intact"] as const) ws[k] = await seededWorkspace(db);
      const s = stores(db);
      await new DigestJob({ workspaces: () => s.timers.workspaces(), audit: s.audit, logger: quietLogger }).run(at(60));
      ws.fresh = await seededWorkspace(db); // no digest covers it yet
      await target.shut(db);
    });
    after(async () => target?.drop());

    it("says all chains hold and exits 0 on an untouched database", async function () {
      const r = await runCli("server/cli/auditVerify.ts", [], target.env);
      assert.equal(r.code, 0, r.stdout + r.stderr);
      assert.match(r.stdout, /all chains hold/);
      assert.doesNotMatch(r.stdout, /BROKEN/);
    });

    it("names the first broken entry and exits 1 after entries were edited, deleted or a chain removed behind the server's back", async function () {
      const db = await target.open();
      const edited = await auditSeq(db, ws.edited.ws, ws.edited.orders[0], 1);
      const deletedNext = await auditSeq(db, ws.deleted.ws, ws.deleted.orders[1], 1);
      await behindTheServersBack(db, async (k) => {
        await k("audit_log").where("seq", edited).update({ new_value: JSON.stringify("cancelled") });
        await k("audit_log").where("seq", await auditSeq(db, ws.deleted.ws, ws.deleted.orders[1], 0)).del();
        await k("audit_log").where({ workspace_id: ws.removed.ws, order_id: ws.removed.orders[0] }).del();
      });
      await db.knex("orders").where({ workspace_id: ws.removed.ws, id: ws.removed.orders[0] }).del();
      await target.shut(db);

      // The first test's routine check moved every checkpoint past these entries: only --full re-reads them.
      const all = await runCli("server/cli/auditVerify.ts", ["--full"], target.env);
      assert.equal(all.code, 1, all.stdout + all.stderr);
      assert.match(all.stdout, /first broken entry: workspace /);

      const e = await runCli("server/cli/auditVerify.ts", ["--workspace", ws.edited.ws, "--full"], target.env);
      assert.equal(e.code, 1);
      assert.match(e.stdout, new RegExp(`order ${ws.edited.orders[0]}, entry ${edited}: .*edited`));

      const d = await runCli("server/cli/auditVerify.ts", ["--workspace", ws.deleted.ws, "--full", "--json"], target.env);
      assert.equal(d.code, 1);
      const json = JSON.parse(d.stdout);
      assert.equal(json.ok, false);
      assert.deepEqual([json.workspaces[0].result.firstBroken.orderId, json.workspaces[0].result.firstBroken.seq], [ws.deleted.orders[1], deletedNext]);

      const r = await runCli("server/cli/auditVerify.ts", ["--workspace", ws.removed.ws, "--full"], target.env);
      assert.equal(r.code, 1);
      assert.match(r.stdout, /1 chain\(s\) were removed/);

      const ok = await runCli("server/cli/auditVerify.ts", ["--workspace", ws.intact.ws], target.env);
      assert.equal(ok.code, 0, ok.stdout);
      assert.match(ok.stdout, /all chains hold/);
    });

    it("names an order removed together with its whole chain before any digest covered it", async function () {
      const db = await target.open();
      const [, victim] = ws.fresh.orders;
      await behindTheServersBack(db, (k) => k("audit_log").where({ workspace_id: ws.fresh.ws, order_id: victim }).del());
      await db.knex("order_lines").where({ workspace_id: ws.fresh.ws, order_id: victim }).del();
      await db.knex("orders").where({ workspace_id: ws.fresh.ws, id: victim }).del();
      await target.shut(db);
      const r = await runCli("server/cli/auditVerify.ts", ["--workspace", ws.fresh.ws, "--full", "--json"], target.env);
      assert.equal(r.code, 1, r.stdout + r.stderr);
      const result = JSON.parse(r.stdout).workspaces[0].result;
      assert.equal(result.digestsChecked, 0);
      assert.equal(result.firstBroken.orderId, victim);
      assert.match(result.firstBroken.reason, /1 whole chain\(s\) and \d+ entries were removed/);
    });

    if (!backend.url) {
      it("refuses a data directory a running server holds", async function () {
        fs.writeFileSync(path.join(target.env.DATA_DIR, "server.pid"), String(process.pid));
        try {
          const r = await runCli("server/cli/auditVerify.ts", [], target.env);
          assert.equal(r.code, 2);
          assert.match(r.stderr, /in use by a running Ordersheet server/);
        } finally {
          fs.unlinkSync(path.join(target.env.DATA_DIR, "server.pid"));
        }
      });
    }
  });
}
