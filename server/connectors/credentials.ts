import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** File in the data directory holding the generated key of an embedded (PGlite) install. */
export const KEY_FILE = "connector-credentials.key";

const VERSION = "v1";

/**
 * Seals and opens connector credentials with AES-256-GCM. Each sealed value is bound to
 * what it belongs to (`aad`, e.g. workspace and connector id), so a sealed blob copied
 * onto another connector's row does not open there.
 */
export class CredentialBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error("the credentials key must be 32 bytes (AES-256)");
    this.key = Buffer.from(key);
  }

  /** `v1:` + base64(iv ‖ tag ‖ ciphertext) of the JSON of `value`. */
  seal(value: unknown, aad: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(aad, "utf8"));
    const body = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
    return `${VERSION}:${Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")}`;
  }

  /** The value `seal` was given; throws when the blob was altered, belongs elsewhere or was sealed with another key. */
  open(sealed: string, aad: string): unknown {
    const [version, data] = sealed.split(":", 2);
    if (version !== VERSION || !data) throw new Error("sealed credentials in an unknown format");
    const raw = Buffer.from(data, "base64");
    if (raw.length < 29) throw new Error("sealed credentials are truncated");
    const decipher = crypto.createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(aad, "utf8"));
    decipher.setAuthTag(raw.subarray(12, 28));
    const text = Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
    return JSON.parse(text);
  }
}

/** Parses a configured key: 64 hex digits or base64 of 32 bytes. */
export function parseKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32) throw new Error("CONNECTOR_CREDENTIALS_KEY must be 32 bytes: 64 hex digits or base64");
  return key;
}

/**
 * The credentials key of this process: the configured one; else, on the embedded database,
 * one generated once into the data directory (mode 0600) and read back on every start; else
 * (an in-memory database) a key for this process only. `undefined` on PostgreSQL without a
 * configured key: every instance must share it, so none is invented.
 */
export function credentialKey(opts: { configured?: string; dataDir: string; postgres: boolean }): Buffer | undefined {
  if (opts.configured) return parseKey(opts.configured);
  if (opts.postgres) return undefined;
  if (opts.dataDir === "memory") return crypto.randomBytes(32);
  const file = path.join(path.resolve(opts.dataDir), KEY_FILE);
  try {
    return parseKey(fs.readFileSync(file, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = crypto.randomBytes(32);
  try {
    fs.writeFileSync(file, key.toString("hex") + "\n", { mode: 0o600, flag: "wx" });
    return key;
  } catch (err) {
    // Another process wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return parseKey(fs.readFileSync(file, "utf8"));
    throw err;
  }
}
