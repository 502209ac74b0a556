import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parseSecretKey, SecretBox } from "../crypto/secretBox.js";

/**
 * File in the data directory where an embedded install kept the connectors' own key before
 * connector credentials moved under the server's one secret key (`secret-box.key`). Read only
 * to re-seal what was sealed with it; never created any more.
 */
export const LEGACY_KEY_FILE = "connector-credentials.key";

/** The format the connectors' own box wrote (`v1:` + base64 of IV, tag and ciphertext). */
const LEGACY_PREFIX = "v1:";

/**
 * Seals and opens connector credentials (a JSON value) with the server's one secret box, so
 * an operator keeps one key (`ORDERSHEET_SECRET_KEY`) for every secret at rest. Each sealed
 * value is bound to the connector it belongs to (`aad`), so a blob copied onto another
 * connector's row does not open there. Credentials sealed by the earlier connector-only key
 * still open when that key is given, and `reseal` moves them under the server key.
 */
export class CredentialBox {
  private readonly box: SecretBox;

  /** `box` is the server's secret box (or its key); `legacyKey` the earlier connector-only key, if any. */
  constructor(
    box: SecretBox | Buffer,
    private readonly legacyKey?: Buffer,
  ) {
    this.box = Buffer.isBuffer(box) ? new SecretBox(box) : box;
  }

  /** The sealed text of `value` for the connector `aad`. */
  seal(value: unknown, aad: string): string {
    return this.box.seal(JSON.stringify(value), aad);
  }

  /** The value `seal` was given; throws when the blob was altered, belongs elsewhere or was sealed with another key. */
  open(sealed: string, aad: string): unknown {
    if (sealed.startsWith(LEGACY_PREFIX)) return openLegacy(sealed, aad, this.legacyKey);
    return JSON.parse(this.box.open(sealed, aad));
  }

  /** Whether `sealed` is in the connectors' earlier format. */
  static isLegacy(sealed: string): boolean {
    return sealed.startsWith(LEGACY_PREFIX);
  }

  /** `sealed` under the server key when it is in the earlier format and opens; otherwise undefined. */
  reseal(sealed: string, aad: string): string | undefined {
    if (!CredentialBox.isLegacy(sealed) || !this.legacyKey) return undefined;
    return this.seal(openLegacy(sealed, aad, this.legacyKey), aad);
  }
}

function openLegacy(sealed: string, aad: string, key: Buffer | undefined): unknown {
  if (!key) throw new Error("credentials sealed with the earlier connector key, which is not configured");
  const raw = Buffer.from(sealed.slice(LEGACY_PREFIX.length), "base64");
  if (raw.length < 29) throw new Error("sealed credentials are truncated");
  const decipher = crypto.createDecipheriv("aes-256-gcm", key, raw.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, "utf8"));
  decipher.setAuthTag(raw.subarray(12, 28));
  return JSON.parse(Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString("utf8"));
}

/**
 * The earlier connector-only key, if this install had one: `CONNECTOR_CREDENTIALS_KEY`, else the
 * file an embedded install generated it into. Only used to open and re-seal old credentials.
 */
export function legacyCredentialKey(opts: { configured?: string; dataDir: string }): Buffer | undefined {
  if (opts.configured) return parseSecretKey(opts.configured);
  if (opts.dataDir === "memory") return undefined;
  try {
    return parseSecretKey(fs.readFileSync(path.join(path.resolve(opts.dataDir), LEGACY_KEY_FILE), "utf8"));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}
