import assert from "node:assert/strict";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../helpers/testServer.js";

describeEachDatabase("users and tokens", ({ db }) => {
  let t: TestServer;
  before(async function () {
    t = await startTestServer(db());
  });
  after(async () => {
    await t?.close();
  });

  it("creates a new user once when 50 first tokens for it are issued in parallel (no 500)", async function () {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () => t.call("POST", "/api/tokens", { body: { user: "race.user", role: "customer_service" } })),
    );
    assert.deepEqual([...new Set(answers.map((a) => a.status))], [200]);
    const users = await db().knex("users").where({ name: "race.user" }).count<{ n: number | string }[]>({ n: "*" });
    assert.equal(Number(users[0].n), 1);
  });

  it("refuses a token with another role for an existing user instead of changing their other tokens (409 role_mismatch)", async function () {
    const first = await t.call("POST", "/api/tokens", { body: { user: "li.x", role: "customer_service" } });
    assert.equal(first.status, 200);
    const other = await t.call("POST", "/api/tokens", { body: { user: "li.x", role: "auditor" } });
    assert.equal(other.status, 409);
    assert.equal(other.body.error.code, "role_mismatch");
    const me = await t.call("GET", "/api/me", { token: first.body.token });
    assert.equal(me.body.role, "customer_service");
  });

  it("refuses a disabled user's cached token within a second on each of two server instances, and a revoked token", async function () {
    const second = await startTestServer(db()); // another instance on the same database, its own token cache
    try {
      const issued = await t.call("POST", "/api/tokens", { body: { user: "leaving.staff", role: "customer_service" } });
      const token = issued.body.token as string;
      assert.equal((await t.call("GET", "/api/me", { token })).status, 200); // cached in A
      assert.equal((await second.call("GET", "/api/me", { token })).status, 200); // cached in B
      const disabled = await t.call("POST", "/api/users/leaving.staff/disable", { body: {} });
      assert.equal(disabled.status, 200);
      await new Promise((r) => setTimeout(r, 1000));
      for (const instance of [t, second]) {
        const after = await instance.call("GET", "/api/me", { token });
        assert.equal(after.status, 401);
        assert.equal(typeof after.body.error.message, "string");
      }

      const other = await t.call("POST", "/api/tokens", { body: { user: "revoked.one", role: "warehouse" } });
      assert.equal((await second.call("GET", "/api/me", { token: other.body.token })).status, 200);
      const revoked = await t.call("DELETE", `/api/tokens/${encodeURIComponent(other.body.tokenId)}`);
      assert.equal(revoked.status, 200);
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal((await second.call("GET", "/api/me", { token: other.body.token })).status, 401);
    } finally {
      await second.close();
    }
  });
});
