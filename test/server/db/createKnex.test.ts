import assert from "node:assert/strict";
import { createDatabase } from "../../../server/db/createKnex.js";

/**
 * The server's PostgreSQL connections run without JIT compilation: its statements are short
 * index look-ups whose cost estimates pass `jit_above_cost` once history grows, and compiling
 * them took longer than running them (issue 15: a quarter of a second per 1,000-event batch).
 */
describe("PostgreSQL connections of the server", function () {
  const url = process.env.TEST_DATABASE_URL;
  before(function () {
    if (!url) this.skip();
  });

  it("have JIT compilation off on every pooled connection", async function () {
    const db = createDatabase({ url: url!, poolMax: 3 });
    try {
      // Three at once, so the pool opens three connections.
      const seen = await Promise.all([0, 1, 2].map(() => db.knex.transaction(async (trx) => {
        await trx.raw("select pg_sleep(0.05)");
        return (await trx.raw("show jit")).rows[0].jit as string;
      })));
      assert.deepEqual(seen, ["off", "off", "off"]);
    } finally {
      await db.knex.destroy();
    }
  });
});
