import assert from "node:assert/strict";
import crypto from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadConfig } from "../../../server/config.js";
import { CredentialBox, legacyCredentialKey, LEGACY_KEY_FILE } from "../../../server/connectors/credentials.js";
import { SecretBox } from "../../../server/crypto/secretBox.js";
import { resealConnectorCredentials } from "../../../server/db/resealConnectorCredentials.js";
import { KnexWorkspaceStore } from "../../../server/db/KnexWorkspaceStore.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";

const secrets = { accessToken: "shpat_abc", webhookSecret: "whsec_1" };

/** What the connectors' own box wrote before credentials moved under the server key. */
function sealLegacy(key: Buffer, value: unknown, aad: string): string {
  const iv = crypto.randomBytes(12);
  const cipher = crypto.createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(aad, "utf8"));
  const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
  return `v1:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
}

describe("connector credentials", function () {
  it("are sealed by the server's one secret box (AES-256-GCM): no clear text, a fresh IV, opened only with its key and by its own connector", function () {
    const server = new SecretBox(crypto.randomBytes(32));
    const box = new CredentialBox(server);
    const sealed = box.seal(secrets, "connector:w1:c1");
    assert.match(sealed, /^sb1:/, "the server box's format");
    assert.ok(!sealed.includes("shpat_abc"));
    assert.notEqual(box.seal(secrets, "connector:w1:c1"), sealed, "a fresh IV each time");
    assert.deepEqual(box.open(sealed, "connector:w1:c1"), secrets);
    assert.deepEqual(JSON.parse(server.open(sealed, "connector:w1:c1")), secrets, "the same key and box notifications use");
    assert.throws(() => box.open(sealed, "connector:w1:c2"), "bound to its connector");
    assert.throws(() => new CredentialBox(crypto.randomBytes(32)).open(sealed, "connector:w1:c1"), "another key");
    const raw = Buffer.from(sealed.slice(4), "base64");
    raw[raw.length - 1] ^= 1;
    assert.throws(() => box.open(`sb1:${raw.toString("base64")}`, "connector:w1:c1"), "tampering is detected");
  });

  it("still opens credentials sealed with the earlier connector key when that key is given, and re-seals them under the server key", function () {
    const legacy = crypto.randomBytes(32);
    const old = sealLegacy(legacy, secrets, "connector:w1:c1");
    const server = new SecretBox(crypto.randomBytes(32));
    const box = new CredentialBox(server, legacy);
    assert.deepEqual(box.open(old, "connector:w1:c1"), secrets);
    assert.throws(() => box.open(old, "connector:w1:c2"), "the old blobs stay bound to their connector");
    const moved = box.reseal(old, "connector:w1:c1")!;
    assert.match(moved, /^sb1:/);
    assert.deepEqual(new CredentialBox(server).open(moved, "connector:w1:c1"), secrets, "opens without the earlier key");
    assert.equal(box.reseal(moved, "connector:w1:c1"), undefined, "current blobs need nothing");
    assert.throws(() => new CredentialBox(server).open(old, "connector:w1:c1"), /earlier connector key/, "without the earlier key the old blob does not open, and says why");
  });

  it("finds the earlier key in CONNECTOR_CREDENTIALS_KEY or the file an embedded install generated, and never creates that file", function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ordersheet-key-"));
    try {
      assert.equal(legacyCredentialKey({ dataDir: dir }), undefined);
      assert.ok(!fs.existsSync(path.join(dir, LEGACY_KEY_FILE)), "nothing generated any more");
      const key = crypto.randomBytes(32);
      fs.writeFileSync(path.join(dir, LEGACY_KEY_FILE), key.toString("hex") + "\n", { mode: 0o600 });
      assert.deepEqual(legacyCredentialKey({ dataDir: dir }), key);
      const configured = "ab".repeat(32);
      assert.deepEqual(legacyCredentialKey({ configured, dataDir: dir }), Buffer.from(configured, "hex"));
      assert.equal(legacyCredentialKey({ dataDir: "memory" }), undefined);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("still validates CONNECTOR_CREDENTIALS_KEY as hex or base64, naming the variable", function () {
    const b64 = crypto.randomBytes(32).toString("base64");
    assert.equal(loadConfig({ CONNECTOR_CREDENTIALS_KEY: b64 }).connectorCredentialsKey, b64);
    assert.throws(() => loadConfig({ CONNECTOR_CREDENTIALS_KEY: "too-short" }), /CONNECTOR_CREDENTIALS_KEY must be 64 hex digits/);
    assert.equal(loadConfig({}).connectorCredentialsKey, undefined);
  });
});

describeEachDatabase("re-sealing stored connector credentials at start-up", ({ db }) => {
  it("moves every row sealed with the earlier key under the server key, leaves current rows alone and reports rows that cannot open", async function () {
    const knex = db().knex;
    await new KnexWorkspaceStore(knex, () => new Date()).createWorkspace({ id: "reseal", name: "reseal", workflow: standardWorkflow });
    const legacy = crypto.randomBytes(32);
    const server = new SecretBox(crypto.randomBytes(32));
    const box = new CredentialBox(server, legacy);
    const row = (id: string, credentials: string) => ({
      workspace_id: "reseal", id, kind: "shopify", name: id, config: JSON.stringify({}), credentials, schedule: "*/15 * * * *", state: JSON.stringify({}), paused: true, created_at: new Date(), updated_at: new Date(),
    });
    const current = box.seal(secrets, "connector:reseal:c2");
    await knex("connector_instances").insert([
      row("c1", sealLegacy(legacy, secrets, "connector:reseal:c1")),
      row("c2", current),
      row("c3", sealLegacy(crypto.randomBytes(32), secrets, "connector:reseal:c3")),
    ]);
    const failed: string[] = [];
    const moved = await resealConnectorCredentials(knex, (sealed, c) => box.reseal(sealed, `connector:${c.workspaceId}:${c.id}`), (_err, c) => failed.push(c.id));
    assert.equal(moved, 1);
    assert.deepEqual(failed, ["c3"]);
    const stored = Object.fromEntries((await knex("connector_instances").where({ workspace_id: "reseal" }).select("id", "credentials")).map((r) => [r.id, r.credentials]));
    assert.deepEqual(new CredentialBox(server).open(stored.c1, "connector:reseal:c1"), secrets);
    assert.equal(stored.c2, current, "a current row is not rewritten");
    assert.match(stored.c3, /^v1:/, "a row that does not open is left as it was");
  });
});
