import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { CredentialBox, credentialKey, KEY_FILE, parseKey } from "../../../server/connectors/credentials.js";
import { loadConfig } from "../../../server/config.js";

describe("connector credentials", function () {
  const secrets = { accessToken: "shpat_abc", webhookSecret: "whsec_1" };

  it("seals with AES-256-GCM so that the blob holds no clear text and opens only with its key and owner", function () {
    const key = crypto.randomBytes(32);
    const box = new CredentialBox(key);
    const sealed = box.seal(secrets, "connector:w1:c1");
    assert.match(sealed, /^v1:/);
    assert.ok(!sealed.includes("shpat_abc"));
    assert.notEqual(box.seal(secrets, "connector:w1:c1"), sealed, "a fresh IV each time");
    assert.deepEqual(box.open(sealed, "connector:w1:c1"), secrets);
    assert.throws(() => box.open(sealed, "connector:w1:c2"), "bound to its connector");
    assert.throws(() => new CredentialBox(crypto.randomBytes(32)).open(sealed, "connector:w1:c1"), "another key");
    const raw = Buffer.from(sealed.slice(3), "base64");
    raw[raw.length - 1] ^= 1;
    assert.throws(() => box.open(`v1:${raw.toString("base64")}`, "connector:w1:c1"), "tampering is detected");
  });

  it("generates the embedded default's key once into the data directory (mode 0600) and reads it back; on PostgreSQL it invents none", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ordersheet-key-"));
    try {
      const first = credentialKey({ dataDir: dir, postgres: false })!;
      const file = path.join(dir, KEY_FILE);
      assert.equal(fs.statSync(file).mode & 0o777, 0o600);
      assert.deepEqual(credentialKey({ dataDir: dir, postgres: false }), first, "the same key on the next start");
      assert.equal(credentialKey({ dataDir: dir, postgres: true }), undefined);
      const configured = "ab".repeat(32);
      assert.deepEqual(credentialKey({ configured, dataDir: dir, postgres: true }), Buffer.from(configured, "hex"));
      assert.equal(credentialKey({ dataDir: "memory", postgres: false })!.length, 32);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("takes the key from CONNECTOR_CREDENTIALS_KEY as hex or base64 and refuses anything else, naming the variable", function () {
    const b64 = crypto.randomBytes(32).toString("base64");
    assert.equal(loadConfig({ CONNECTOR_CREDENTIALS_KEY: b64 }).connectorCredentialsKey, b64);
    assert.equal(parseKey(b64).length, 32);
    assert.throws(() => loadConfig({ CONNECTOR_CREDENTIALS_KEY: "too-short" }), /CONNECTOR_CREDENTIALS_KEY must be 64 hex digits/);
    assert.equal(loadConfig({}).connectorCredentialsKey, undefined);
  });
});
