import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";

/** Marks a sealed value (format version 1: AES-256-GCM, 12-byte IV, 16-byte tag). */
const PREFIX = "sb1:";
const KEY_FILE = "secret-box.key";

/**
 * Seals and opens secrets kept at rest (robot webhook keys and signing secrets, SMS
 * provider keys, connector credentials) with AES-256-GCM under one server key. A sealed
 * value is text (`sb1:` + base64 of IV, tag and ciphertext) and is bound to its `context`
 * (e.g. `notify-target:ws:12`), so a sealed value copied onto another row does not open.
 */
export class SecretBox {
  private readonly key: Buffer;

  constructor(key: Buffer) {
    if (key.length !== 32) throw new Error("the secret-box key must be 32 bytes");
    this.key = Buffer.from(key);
  }

  /** Encrypts `plain` for `context`. */
  seal(plain: string, context: string): string {
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv("aes-256-gcm", this.key, iv);
    cipher.setAAD(Buffer.from(context, "utf8"));
    const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
  }

  /** Decrypts a value sealed for `context`; throws if it was sealed under another key or context, or altered. */
  open(sealed: string, context: string): string {
    if (!sealed.startsWith(PREFIX)) throw new Error("not a sealed value");
    const raw = Buffer.from(sealed.slice(PREFIX.length), "base64");
    if (raw.length < 28) throw new Error("sealed value too short");
    const decipher = crypto.createDecipheriv("aes-256-gcm", this.key, raw.subarray(0, 12));
    decipher.setAAD(Buffer.from(context, "utf8"));
    decipher.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8");
  }
}

/** Reads a configured key: 64 hex digits or base64 of 32 bytes. */
export function parseSecretKey(text: string): Buffer {
  const t = text.trim();
  const key = /^[0-9a-fA-F]{64}$/.test(t) ? Buffer.from(t, "hex") : Buffer.from(t, "base64");
  if (key.length !== 32) throw new Error("ORDERSHEET_SECRET_KEY must be 32 bytes: 64 hex digits or base64");
  return key;
}

/**
 * The server's secret-box key: the configured one; otherwise, on the embedded database,
 * the one in `<dataDir>/secret-box.key`, created (mode 0600) on the first start; `memory`
 * data (tests) gets a key for this process only. Undefined with PostgreSQL and no key: every
 * instance must share one key, so it has to come from the configuration.
 */
export function loadSecretKey(opts: { configured?: string; embedded: boolean; dataDir: string }): Buffer | undefined {
  if (opts.configured) return parseSecretKey(opts.configured);
  if (!opts.embedded) return undefined;
  if (opts.dataDir === "memory") return crypto.randomBytes(32);
  const file = path.join(opts.dataDir, KEY_FILE);
  try {
    return parseSecretKey(fs.readFileSync(file, "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  fs.mkdirSync(opts.dataDir, { recursive: true });
  const key = crypto.randomBytes(32);
  try {
    fs.writeFileSync(file, key.toString("hex") + "\n", { mode: 0o600, flag: "wx" });
    return key;
  } catch (err) {
    // Another process wrote it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return parseSecretKey(fs.readFileSync(file, "utf8"));
    throw err;
  }
}
