import assert from "node:assert/strict";
import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import { generateCertificates } from "office-addin-dev-certs";
import { buildAddin } from "../../../addin/build/buildAddin.js";
import { isStale } from "../../../server/http/addinStatic.js";
import { findCertificate } from "../../../server/http/tls.js";
import { openTestDatabase } from "../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../helpers/testServer.js";

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "ordersheet-addin-"));
}

function httpsGet(url: string, ca: Buffer): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const req = https.get({ host: u.hostname, port: u.port, path: u.pathname, ca, servername: "localhost" }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: String(res.headers["content-type"]), body }));
    });
    req.on("error", reject);
  });
}

describe("serving the Excel add-in", function () {
  let drop: () => Promise<void>;
  let ts: TestServer;

  before(async function () {
    this.timeout(60_000);
    await buildAddin();
    const opened = await openTestDatabase({ name: "pglite" });
    drop = opened.drop;
    ts = await startTestServer(opened.db);
  });

  after(async function () {
    await ts?.close();
    await drop?.();
  });

  it("serves the task pane, its bundle and icons without a token, from the API's origin", async function () {
    const html = await fetch(`${ts.url}/addin/taskpane.html`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get("content-type") ?? "", /text\/html/);
    assert.equal(html.headers.get("cache-control"), "no-cache");
    const text = await html.text();
    assert.match(text, /<script src="\/office-js\/office\.js"><\/script>/);
    const js = await fetch(`${ts.url}/addin/taskpane.js`);
    assert.equal(js.status, 200);
    assert.match(await js.text(), /Office\.onReady|onReady/);
    const icon = await fetch(`${ts.url}/addin/assets/icon-32.png`);
    assert.equal(icon.headers.get("content-type"), "image/png");
    assert.deepEqual([...new Uint8Array(await icon.arrayBuffer()).slice(1, 4)], [0x50, 0x4e, 0x47]);
  });

  it("serves Microsoft's Office.js runtime files from node_modules", async function () {
    const res = await fetch(`${ts.url}/office-js/office.js`);
    assert.equal(res.status, 200);
    const body = await res.text();
    const local = fs.readFileSync(path.join("node_modules", "@microsoft", "office-js", "dist", "office.js"), "utf8");
    assert.equal(body, local);
    assert.equal((await fetch(`${ts.url}/office-js/excel-win32-16.01.js`)).status, 200, "the host-specific scripts office.js loads");
  });

  it("keeps answering API 404s and auth as before", async function () {
    assert.equal((await fetch(`${ts.url}/api/me`)).status, 401);
    assert.equal((await fetch(`${ts.url}/addin/nope.js`)).status, 404);
  });
});

describe("isStale", function () {
  it("says a missing bundle, or one older than a source file, must be rebuilt", function () {
    const dir = tmpDir();
    const src = path.join(dir, "src");
    fs.mkdirSync(path.join(src, "deep"), { recursive: true });
    const bundle = path.join(dir, "taskpane.js");
    assert.equal(isStale(bundle, [src]), true);
    fs.writeFileSync(path.join(src, "deep", "a.ts"), "x");
    fs.writeFileSync(bundle, "y");
    const past = new Date(Date.now() - 60_000);
    fs.utimesSync(path.join(src, "deep", "a.ts"), past, past);
    assert.equal(isStale(bundle, [src]), false);
    fs.writeFileSync(path.join(src, "deep", "a.ts"), "changed");
    fs.utimesSync(bundle, past, past);
    assert.equal(isStale(bundle, [src]), true);
  });
});

describe("HTTPS for the add-in", function () {
  it("finds no certificate in an empty directory", function () {
    assert.equal(findCertificate(tmpDir()), undefined);
  });

  it("serves the same app over HTTPS with the office-addin-dev-certs certificate", async function () {
    this.timeout(60_000);
    const dir = tmpDir();
    await generateCertificates(path.join(dir, "ca.crt"), path.join(dir, "localhost.crt"), path.join(dir, "localhost.key"), 2);
    const opened = await openTestDatabase({ name: "pglite" });
    const ts = await startTestServer(opened.db, { httpsPort: 0, tlsDir: dir });
    try {
      assert.ok(ts.server.httpsUrl, "an HTTPS listener was started");
      const ca = fs.readFileSync(path.join(dir, "ca.crt"));
      const health = await httpsGet(`${ts.server.httpsUrl}/healthz`, ca);
      assert.equal(health.status, 200);
      assert.equal(JSON.parse(health.body).status, "ok");
      const pane = await httpsGet(`${ts.server.httpsUrl}/addin/taskpane.html`, ca);
      assert.equal(pane.status, 200);
      assert.match(pane.type, /text\/html/);
    } finally {
      await ts.close();
      await opened.drop();
    }
  });
});
