import fs from "node:fs";
import path from "node:path";

const LOCK_FILE = "server.pid";

/** The pid of a live server holding the PGlite data directory, if any. */
export function lockHolder(dataDir: string): number | undefined {
  const file = path.join(path.resolve(dataDir), LOCK_FILE);
  let pid: number;
  try {
    pid = Number(fs.readFileSync(file, "utf8").trim());
  } catch {
    return undefined;
  }
  if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) return undefined;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/**
 * Marks the embedded data directory as in use by this process. PGlite allows one
 * process per directory; a second opener would corrupt it, so we refuse instead.
 */
export function acquireDataDir(dataDir: string): () => void {
  const holder = lockHolder(dataDir);
  if (holder) {
    throw new Error(`the data directory ${dataDir} is in use by another Ordersheet process (pid ${holder}); stop it first or set DATA_DIR`);
  }
  const dir = path.resolve(dataDir);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, LOCK_FILE);
  fs.writeFileSync(file, String(process.pid));
  return () => {
    try {
      if (fs.readFileSync(file, "utf8").trim() === String(process.pid)) fs.unlinkSync(file);
    } catch {
      // already gone
    }
  };
}
