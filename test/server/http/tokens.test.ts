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
});
