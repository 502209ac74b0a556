import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDatabase } from "../../../server/db/createKnex.js";
import { runCli } from "./runCli.js";

describe("npm run migrate [pglite data directory]", function () {
  this.timeout(120_000);
  let dir: string;
  before(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "ordersheet-migrate-"))));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  async function tables(): Promise<string[]> {
    const db = createDatabase({ dataDir: dir });
    try {
      const rows = await db.knex.raw("select tablename from pg_tables where schemaname = 'public' order by tablename");
      return (rows.rows as { tablename: string }[]).map((r) => r.tablename);
    } finally {
      await db.knex.destroy();
    }
  }

  it("migrates to the newest schema, then says it is up to date", async function () {
    const first = await runCli("server/cli/migrate.ts", [], { DATA_DIR: dir });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /migrated embedded PGlite/);
    assert.match(first.stdout, /20261122000200_scheduled_jobs\.ts/);
    assert.ok((await tables()).includes("job_slots"));
    const again = await runCli("server/cli/migrate.ts", [], { DATA_DIR: dir });
    assert.match(again.stdout, /already up to date/);
    const status = await runCli("server/cli/migrate.ts", ["--status"], { DATA_DIR: dir });
    assert.match(status.stdout, /applied {2}20261122000000_foundation\.ts/);
    assert.doesNotMatch(status.stdout, /pending/);
  });

  it("rolls back the newest batch with --rollback and refuses --all alone", async function () {
    const bad = await runCli("server/cli/migrate.ts", ["--all"], { DATA_DIR: dir });
    assert.equal(bad.code, 2);
    const r = await runCli("server/cli/migrate.ts", ["--rollback"], { DATA_DIR: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /rolled back/);
    const left = await tables();
    assert.ok(!left.includes("orders") && !left.includes("job_slots"), left.join(","));
    const status = await runCli("server/cli/migrate.ts", ["--status"], { DATA_DIR: dir });
    assert.match(status.stdout, /pending {2}20261122000000_foundation\.ts/);
  });
});
