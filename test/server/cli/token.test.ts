import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pino from "pino";
import { startServer, type RunningServer } from "../../../server/main.js";
import { openTestDatabase, testBackends } from "../../helpers/databases.js";
import { startTestServer, testConfig } from "../../helpers/testServer.js";
import { runCli } from "./runCli.js";

describe("npm run token while the server runs", function () {
  this.timeout(120_000);

  describe("on the embedded database (PGlite)", function () {
    let dataDir: string;
    let server: RunningServer | undefined;
    before(async function () {
      dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ordersheet-token-"));
      // The real server wiring on a data directory: it holds the directory's lock.
      server = await startServer(testConfig({ dataDir }), { logger: pino({ level: "silent" }) });
    });
    after(async function () {
      await server?.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    });

    it("says in zh-CN and English why it cannot and shows the POST /api/tokens to use instead, exiting non-zero without a stack trace", async function () {
      const r = await runCli("server/cli/token.ts", ["--user", "li.li", "--role", "customer_service"], { DATA_DIR: dataDir, PORT: "3100" });
      assert.equal(r.code, 3, r.stdout + r.stderr);
      assert.equal(r.stdout, "", "no token is printed");
      assert.match(r.stderr, /无法签发令牌:服务器\(pid \d+\)正在使用内置数据库的数据目录/);
      assert.match(r.stderr, /Cannot issue a token: the server \(pid \d+\) is using the embedded database's data directory/);
      assert.match(r.stderr, /allows only one process to open it at a time/);
      assert.match(r.stderr, /POST \/api\/tokens with an admin token and the body \{"user":"li\.li","role":"customer_service","label":"cli"\}/);
      assert.match(r.stderr, /curl -X POST http:\/\/localhost:3100\/api\/tokens -H "Authorization: Bearer <admin token>"/);
      assert.match(r.stderr, /先停止服务器/);
      assert.doesNotMatch(r.stderr, /\n\s+at |Error:/, "no stack trace");
      // The body it shows works against the running server.
      const body = /-d '(\{[^']*\})'/.exec(r.stderr)![1];
      const issued = await fetch(`http://127.0.0.1:${server!.port}/api/tokens`, {
        method: "POST",
        headers: { authorization: `Bearer ${testConfig().adminToken}`, "content-type": "application/json" },
        body,
      });
      assert.equal(issued.status, 200, await issued.clone().text());
      assert.equal(((await issued.json()) as { role: string }).role, "customer_service");
    });
  });

  for (const backend of testBackends().filter((b) => b.url)) {
    describe(`on PostgreSQL [${backend.name}]`, function () {
      let opened: Awaited<ReturnType<typeof openTestDatabase>>;
      let t: Awaited<ReturnType<typeof startTestServer>>;
      let url: string;
      before(async function () {
        opened = await openTestDatabase(backend);
        const schema = (await opened.db.knex.raw("select current_schema() as s")).rows[0].s as string;
        url = `${backend.url}${backend.url!.includes("?") ? "&" : "?"}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
        t = await startTestServer(opened.db);
      });
      after(async function () {
        await t?.close();
        await opened?.drop();
      });

      it("issues a token that the running server accepts at once", async function () {
        const r = await runCli("server/cli/token.ts", ["--user", "pg.li", "--role", "warehouse", "--label", "仓库电脑"], { DATABASE_URL: url });
        assert.equal(r.code, 0, r.stdout + r.stderr);
        const token = /shown only this once:\n\n\s+(\S+)/.exec(r.stdout)?.[1];
        assert.ok(token, r.stdout);
        const me = await t.call("GET", "/api/me", { token });
        assert.equal(me.status, 200, JSON.stringify(me.body));
        assert.equal(me.body.role, "warehouse");
        const listed = (await t.call("GET", "/api/tokens?user=pg.li")).body.tokens;
        assert.deepEqual(listed.map((x: any) => x.label), ["仓库电脑"]);
      });
    });
  }
});
