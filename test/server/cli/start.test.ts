import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, startChildServer as start, stopChild as stop, waitHealthy as healthy } from "../../helpers/childServer.js";
import { runCli } from "./runCli.js";

describe("npm start on the embedded database, and npm run token", function () {
  this.timeout(180_000);
  let dataDir: string;
  before(function () {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "ordersheet-start-"));
  });
  after(function () {
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it("creates and migrates the data directory, prints the admin token once, and keeps the data across a restart", async function () {
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const env = { DATA_DIR: dataDir, PORT: String(port), HOST: "127.0.0.1" };
    const first = start(env);
    let token: string;
    let orderId: string;
    try {
      // Generous: a loaded 2-core CI machine has taken more than 15 s to start tsx and PGlite.
      const ms = await healthy(url, 45_000);
      assert.ok(ms < 45_000);
      await new Promise((r) => setTimeout(r, 300)); // the banner is printed right after listening
      const match = /shown only this once[^\n]*\n\n\s+(\S+)/.exec(first.output());
      assert.ok(match, `the first start prints the admin token:\n${first.output()}`);
      token = match[1];
      const created = await fetch(`${url}/api/orders`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ orders: [{ channel: "tmall", externalOrderId: "RESTART-1", totalAmount: "19.99", lines: [] }] }),
      });
      assert.equal(created.status, 200);
      orderId = ((await created.json()) as { results: { id: string }[] }).results[0].id;
    } finally {
      await stop(first.child);
    }
    assert.ok(fs.existsSync(dataDir) && fs.readdirSync(dataDir).length > 0, "the data directory was created");

    // With the server stopped, the token CLI issues more tokens into the same data directory.
    const issued = await runCli("server/cli/token.ts", ["--user", "li.li", "--role", "customer_service"], { DATA_DIR: dataDir });
    assert.equal(issued.code, 0, issued.stderr);
    const liToken = /shown only this once:\n\n\s+(\S+)/.exec(issued.stdout)?.[1];
    assert.ok(liToken, issued.stdout);
    const refused = await runCli("server/cli/token.ts", ["--user", "x", "--role", "boss"], { DATA_DIR: dataDir });
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--role must be one of: admin, supervisor, customer_service/);

    const second = start(env);
    try {
      await healthy(url, 45_000);
      await new Promise((r) => setTimeout(r, 300));
      assert.doesNotMatch(second.output(), /shown only this once/, "no new admin token on a restart");
      const order = await fetch(`${url}/api/orders/${orderId}`, { headers: { authorization: `Bearer ${token}` } });
      assert.equal(order.status, 200, "the order and the admin token survived the restart");
      assert.equal(((await order.json()) as { totalAmountMinor: number }).totalAmountMinor, 1999);
      const me = await fetch(`${url}/api/me`, { headers: { authorization: `Bearer ${liToken}` } });
      assert.equal(me.status, 200);
      assert.equal(((await me.json()) as { role: string }).role, "customer_service");
    } finally {
      await stop(second.child);
    }
  });
});
