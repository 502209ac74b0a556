import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createDatabase } from "../../../server/db/createKnex.js";
import { migrateLatest } from "../../../server/db/migrate.js";
import { runCli } from "./runCli.js";

describe("npm run audit:archive [pglite]", function () {
  this.timeout(120_000);
  let dir: string;

  before(async function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ordersheet-archive-"));
    const db = createDatabase({ dataDir: dir });
    await migrateLatest(db.knex);
    await db.knex.destroy();
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("prints its usage without a month, and refuses a month it cannot archive with the reason in zh-CN and English (exit 1)", async function () {
    const usage = await runCli("server/cli/auditArchive.ts", [], { DATA_DIR: dir });
    assert.equal(usage.code, 2);
    assert.match(usage.stdout, /--month YYYY-MM/);
    const r = await runCli("server/cli/auditArchive.ts", ["--month", "2025-01"], { DATA_DIR: dir });
    assert.equal(r.code, 1, r.stdout + r.stderr);
    assert.match(r.stdout, /没有可归档的审计分区.* \/ month: 2025-01 has no audit partition to archive/);
  });
});
