import type { Config } from "../config.js";
import { createDatabase, type Database } from "../db/createKnex.js";
import { acquireDataDir, lockHolder } from "../db/dataDirLock.js";

/**
 * Opens the database the server would use (DATABASE_URL, else the PGlite data directory)
 * for a command-line tool. An embedded directory a running server holds is refused, since
 * PGlite allows one process per directory; the tool holds it itself until `close()`.
 */
export function openCliDatabase(config: Config): { db: Database; where: string; close: () => Promise<void> } {
  if (config.databaseUrl) {
    const db = createDatabase({ url: config.databaseUrl, poolMax: 2 });
    return { db, where: "PostgreSQL (DATABASE_URL)", close: () => db.knex.destroy() };
  }
  const holder = lockHolder(config.dataDir);
  if (holder) {
    throw new Error(
      `the data directory ${config.dataDir} is in use by a running Ordersheet server (pid ${holder}); stop it first, or ask the server (e.g. POST /api/audit/verify)`,
    );
  }
  const release = acquireDataDir(config.dataDir);
  const db = createDatabase({ dataDir: config.dataDir });
  return {
    db,
    where: `embedded PGlite in ${config.dataDir}`,
    close: async () => {
      await db.knex.destroy();
      release();
    },
  };
}
