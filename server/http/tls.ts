import fs from "node:fs";
import https from "node:https";
import os from "node:os";
import path from "node:path";
import type { RequestListener } from "node:http";

/** Key material for an HTTPS listener. */
export interface TlsFiles {
  key: Buffer;
  cert: Buffer;
  ca?: Buffer;
}

/** Where office-addin-dev-certs keeps the localhost certificate (~/.office-addin-dev-certs). */
export function devCertificateDir(home = os.homedir()): string {
  return path.join(home, ".office-addin-dev-certs");
}

/**
 * Reads the localhost development certificate made by `npm run certs`
 * (localhost.crt, localhost.key and the CA's ca.crt). Throws a message saying how to make
 * one when it is missing.
 */
export function loadDevCertificate(dir = devCertificateDir()): TlsFiles {
  const file = (name: string) => path.join(dir, name);
  if (!fs.existsSync(file("localhost.crt")) || !fs.existsSync(file("localhost.key"))) {
    throw new Error(`No development certificate in ${dir}. Create and trust one with: npm run certs`);
  }
  return {
    cert: fs.readFileSync(file("localhost.crt")),
    key: fs.readFileSync(file("localhost.key")),
    ca: fs.existsSync(file("ca.crt")) ? fs.readFileSync(file("ca.crt")) : undefined,
  };
}

/** The certificate in `dir` (default: the dev-certs directory), or undefined when there is none. */
export function findCertificate(dir = devCertificateDir()): TlsFiles | undefined {
  try {
    return loadDevCertificate(dir);
  } catch {
    return undefined;
  }
}

/** An HTTPS server for `handler` (an express app) with `tls`; call `listen` on it as on http. */
export function createTlsServer(handler: RequestListener, tls: TlsFiles): https.Server {
  return https.createServer({ key: tls.key, cert: tls.cert, ...(tls.ca ? { ca: tls.ca } : {}) }, handler);
}
