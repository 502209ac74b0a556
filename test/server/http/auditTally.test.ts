import assert from "node:assert/strict";
import { KnexAuditStore } from "../../../server/db/KnexAuditStore.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";
import { fullCheckOverHttp } from "../../helpers/auditChecks.js";

const T0 = new Date("2026-01-15T02:00:00Z");

describeEachDatabase("audit verification without a digest", function ({ db }) {
  let t: TestServer;

  before(async function () {
    t = await startTestServer(db(), {}, () => T0);
  });
  after(async function () {
    await t?.close();
  });

  async function importOrders(from: number, count: number): Promise<string[]> {
    const res = await t.call("POST", "/api/orders", { body: { orders: Array.from({ length: count }, (_, i) => sampleOrder(from + i)) } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.results.map((r: any) => r.id as string);
  }

  /** Deletes an order's row, lines and whole audit chain, as someone with database access could. */
  async function removeOrderAndChain(id: string): Promise<void> {
    const knex = t.server.db.knex;
    await knex.raw("alter table audit_log disable trigger audit_log_no_update_delete");
    try {
      await knex("audit_log").where({ workspace_id: "default", order_id: id }).del();
    } finally {
      await knex.raw("alter table audit_log enable trigger audit_log_no_update_delete");
    }
    await knex("order_lines").where({ workspace_id: "default", order_id: id }).del();
    await knex("orders").where({ workspace_id: "default", id }).del();
  }

  it("catches an order deleted together with its chain on a fresh server, naming the order and what is missing", async function () {
    const ids = await importOrders(70_000, 3);
    await t.call("POST", "/api/events", {
      body: { events: [{ source: "connector:tmall", sourceEventId: `pay-${ids[1]}`, orderId: ids[1], type: "payment.confirmed", data: { paidAt: "2026-01-15T02:05:00Z" } }] },
    });
    assert.equal(Number((await t.server.db.knex("audit_digests").where("workspace_id", "default").count({ n: "*" }))[0].n), 0);
    const before = await t.call("POST", "/api/audit/verify");
    assert.equal(before.status, 200);
    assert.equal(before.body.ok, true, JSON.stringify(before.body));
    assert.equal(before.body.digestsChecked, 0, "no digest has run on this fresh server");
    const entriesOfVictim = Number((await t.server.db.knex("audit_log").where({ workspace_id: "default", order_id: ids[1] }).count({ n: "*" }))[0].n);
    assert.ok(entriesOfVictim > 1);

    await removeOrderAndChain(ids[1]);
    // The routine check already moved its checkpoint past the chain; the full check re-reads everything.
    const after = { body: (await fullCheckOverHttp(t)).result };
    assert.equal(after.body.ok, false, JSON.stringify(after.body));
    assert.equal(after.body.chains, before.body.chains - 1);
    assert.equal(after.body.firstBroken.orderId, ids[1]);
    assert.match(after.body.firstBroken.reason, new RegExp(`1 whole chain\\(s\\) and ${entriesOfVictim} entries were removed`));
    assert.match(after.body.message, new RegExp(ids[1]));
  });

  it("cannot be made to agree by lowering or deleting the tally", async function () {
    const knex = t.server.db.knex;
    await assert.rejects(knex("audit_tallies").where("workspace_id", "default").update({ entries: 0, chains: 0 }), /only grows/);
    await assert.rejects(knex("audit_tallies").where("workspace_id", "default").del(), /only grows/);
    await assert.rejects(knex.raw("truncate audit_tallies"), /append-only/);
    assert.equal((await fullCheckOverHttp(t)).result.ok, false, "still broken");
  });

  it("finds a tally lowered behind the server's back through the digests", async function () {
    const ws = "tally_ws";
    const token = await t.token("ops", "admin", ws);
    const res = await t.call("POST", "/api/orders", { token, body: { orders: [sampleOrder(71_000), sampleOrder(71_001)] } });
    assert.equal(res.status, 200);
    const audit = new KnexAuditStore(t.server.db.knex);
    await audit.writeDigest(ws, T0);
    assert.equal((await t.call("POST", "/api/audit/verify", { token })).body.ok, true);
    const knex = t.server.db.knex;
    await knex.raw("alter table audit_tallies disable trigger audit_tallies_only_grow");
    try {
      await knex("audit_tallies").where("workspace_id", ws).update({ entries: 0, chains: 0 });
    } finally {
      await knex.raw("alter table audit_tallies enable trigger audit_tallies_only_grow");
    }
    const v = await t.call("POST", "/api/audit/verify", { token });
    assert.equal(v.body.ok, false);
    assert.match(v.body.firstBroken.reason, /tally was lowered/);
  });
});
