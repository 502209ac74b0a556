import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), "../..");

/** A port nothing listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer().listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
    srv.once("error", reject);
  });
}

/** `server/main.ts` in a process of its own, as `npm start` runs it. */
export interface ChildServer {
  child: ChildProcess;
  /** The last 20,000 characters it wrote to stdout and stderr. */
  output(): string;
}

/**
 * Starts `server/main.ts` with a minimal environment (the embedded database unless
 * `DATABASE_URL` is given, no HTTPS, warnings only) plus `env`.
 */
export function startChildServer(env: Record<string, string>): ChildServer {
  let out = "";
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "server/main.ts")], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", DATABASE_URL: "", LOG_LEVEL: "warn", HTTPS_PORT: "off", ...env },
  });
  const keep = (b: Buffer) => (out = (out + b.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  return { child, output: () => out };
}

/**
 * Waits until `url/healthz` answers 200; returns how long that took. Throws, with the
 * server's output, when it does not within `withinMs` or when the process exits first.
 */
export async function waitHealthy(url: string, withinMs: number, server?: ChildServer): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (server && server.child.exitCode !== null) throw new Error(`the server exited while starting:\n${server.output()}`);
    const status = await fetch(`${url}/healthz`).then((r) => r.status, () => 0);
    if (status === 200) return Date.now() - started;
    if (Date.now() - started > withinMs) throw new Error(`no healthy answer from ${url} within ${withinMs} ms${server ? `:\n${server.output()}` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Stops the process with SIGTERM and waits for it to exit (nothing if it already has). */
export async function stopChild(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null) return;
  const exited = new Promise((r) => child.once("exit", r));
  child.kill("SIGTERM");
  await exited;
}

/** A fresh temporary data directory. */
export function tempDataDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
