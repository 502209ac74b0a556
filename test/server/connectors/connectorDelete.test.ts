import assert from "node:assert/strict";
import { describeEachDatabase } from "../../helpers/databases.js";
import { ConnectorHarness } from "./erpHarness.js";
import { JushuitanProtocolServer, jstOrder } from "./jushuitan/jushuitanProtocolServer.js";
import { YouzanProtocolServer, yzTrade } from "./youzan/youzanProtocolServer.js";

/**
 * `DELETE /api/connectors/:id`: admins only; the connector stops at once (no list, health,
 * run or webhook), its record, orders, events and the sensitive-operation log stay, and its
 * name can be used again.
 */
describeEachDatabase("removing a connector", ({ db }) => {
  const jst = new JushuitanProtocolServer();
  const yz = new YouzanProtocolServer();
  const h = new ConnectorHarness(db, () => {});

  before(async function () {
    await jst.start();
    await yz.start();
    await h.start();
  });
  after(async function () {
    await h.close();
    await jst.stop();
    await yz.stop();
  });

  it("is for admins; stops the connector at once and keeps its record, orders, events and log; frees its name", async function () {
    jst.put(jstOrder(1, 30));
    const id = await h.add(
      "jushuitan",
      { baseUrl: jst.url, initialSince: new Date(Date.now() - 86_400_000).toISOString(), shipments: false, timeoutMs: 2000 },
      { appKey: jst.appKey, appSecret: jst.appSecret, accessToken: jst.accessToken },
    );
    await h.runToEnd(id);
    const name = (await h.t.call("GET", `/api/connectors/${id}`)).body.name;

    const supervisor = await h.t.token("sup.zhao", "supervisor");
    assert.equal((await h.t.call("DELETE", `/api/connectors/${id}`, { token: supervisor })).status, 403);
    const del = await h.t.call("DELETE", `/api/connectors/${id}`);
    assert.equal(del.status, 200, JSON.stringify(del.body));
    assert.deepEqual(del.body, { id, deleted: true });
    assert.equal((await h.t.call("DELETE", `/api/connectors/${id}`)).status, 404, "gone already");
    assert.equal((await h.t.call("GET", `/api/connectors/${id}`)).status, 404);
    assert.equal((await h.t.call("GET", `/api/connectors/${id}/health`)).status, 404);
    assert.equal((await h.t.call("POST", `/api/connectors/${id}/run`)).status, 404);
    assert.ok(!(await h.t.call("GET", "/api/connectors")).body.connectors.some((c: any) => c.id === id));

    const row = await db().knex("connector_instances").where({ id }).first("deleted_at", "deleted_by", "paused", "pulled");
    assert.ok(row.deleted_at, "kept, marked deleted");
    assert.equal(row.paused, true);
    assert.equal(Number(row.pulled), 1);
    assert.equal((await h.orders("taobao", ["TB3000001"])).length, 1, "its order stays");
    assert.equal((await h.inbox(id)).length, 1, "its events stay");
    const ops = await db().knex("sensitive_operations").where({ target: id }).orderBy("seq").select("detail", "actor");
    assert.deepEqual(ops.map((o) => (typeof o.detail === "string" ? JSON.parse(o.detail) : o.detail).change), ["create", "delete"], "the log keeps its story");

    // The name is free again.
    const again = await h.t.call("POST", "/api/connectors", {
      body: { kind: "jushuitan", name, config: { baseUrl: jst.url, shipments: false }, credentials: { appKey: jst.appKey, appSecret: jst.appSecret, accessToken: jst.accessToken } },
    });
    assert.equal(again.status, 200, JSON.stringify(again.body));
  });

  it("a removed connector's webhooks are answered 404 and take nothing in", async function () {
    const id = await h.add("youzan", { baseUrl: yz.url, kdtId: yz.kdtId }, { clientId: yz.clientId, clientSecret: yz.clientSecret });
    assert.equal((await h.t.call("DELETE", `/api/connectors/${id}`)).status, 200);
    const pushed = await yz.push(`${h.t.url}/hooks/${id}`, { trade: yzTrade(1, 1), msgId: "m-1" });
    assert.equal(pushed.status, 404);
    assert.equal((await h.inbox(id)).length, 0);
  });
});
