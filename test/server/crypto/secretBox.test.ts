import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadSecretKey, parseSecretKey, SecretBox } from "../../../server/crypto/secretBox.js";

describe("SecretBox (AES-256-GCM secrets at rest)", function () {
  const box = new SecretBox(crypto.randomBytes(32));

  it("opens what it sealed, and the sealed text shows nothing of the secret", function () {
    const sealed = box.seal("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123", "notify-target:ws1");
    assert.match(sealed, /^sb1:/);
    assert.ok(!sealed.includes("abc-123"));
    assert.equal(box.open(sealed, "notify-target:ws1"), "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc-123");
    assert.notEqual(box.seal("same", "c"), box.seal("same", "c"), "a fresh IV each time");
  });

  it("refuses a value sealed for another context, under another key, or altered", function () {
    const sealed = box.seal("secret", "notify-target:ws1");
    assert.throws(() => box.open(sealed, "notify-target:ws2"));
    assert.throws(() => new SecretBox(crypto.randomBytes(32)).open(sealed, "notify-target:ws1"));
    const raw = Buffer.from(sealed.slice(4), "base64");
    raw[raw.length - 1] ^= 1;
    assert.throws(() => box.open(`sb1:${raw.toString("base64")}`, "notify-target:ws1"));
  });

  it("reads a configured key as hex or base64 and refuses one of the wrong length", function () {
    const k = crypto.randomBytes(32);
    assert.deepEqual(parseSecretKey(k.toString("hex")), k);
    assert.deepEqual(parseSecretKey(k.toString("base64")), k);
    assert.throws(() => parseSecretKey("abcd"), /32 bytes/);
  });

  it("generates the embedded default key into the data directory once (mode 0600) and reuses it; PostgreSQL without a key gets none", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "secretbox-"));
    try {
      const first = loadSecretKey({ embedded: true, dataDir: dir });
      const again = loadSecretKey({ embedded: true, dataDir: dir });
      assert.ok(first && again);
      assert.deepEqual(first, again);
      const file = path.join(dir, "secret-box.key");
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      const configured = crypto.randomBytes(32).toString("hex");
      assert.deepEqual(loadSecretKey({ configured, embedded: true, dataDir: dir }), Buffer.from(configured, "hex"));
      assert.equal(loadSecretKey({ embedded: false, dataDir: dir }), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
