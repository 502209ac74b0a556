import assert from "node:assert/strict";
import { describeEachDatabase } from "../../helpers/databases.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

/**
 * `/api/conflicts` and `/api/tasks` over HTTP: a conflict from the sheet is listed, resolved
 * by hand once (who, how, note), refused a second time with 409 saying by whom, and the
 * routes refuse bad input with 400 naming the field, unknown ids with 404, and roles that
 * only read with 403.
 */
describeEachDatabase("conflicts and tasks over HTTP", function ({ db }) {
  let t: TestServer;
  before(async function () {
    t = await startTestServer(db());
  });
  after(async function () {
    await t?.close();
  });

  async function conflictedOrder(n: number): Promise<string> {
    const imported = await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(81_000 + n)] } });
    const id = imported.body.results[0].id as string;
    const v = (await t.call("GET", `/api/orders/${id}`)).body.version as number;
    const edit = (value: string, k: string) => t.call("POST", "/api/edits", { body: { edits: [{ clientEditId: `${id}-${k}`, orderId: id, column: "remark", baseVersion: v, value }] } });
    assert.equal((await edit("一", "a")).body.results[0].outcome, "saved");
    assert.equal((await edit("二", "b")).body.results[0].outcome, "conflict");
    return id;
  }

  it("lists an open conflict, resolves it once and answers 409 naming who resolved it the second time", async function () {
    const id = await conflictedOrder(1);
    const list = await t.call("GET", `/api/conflicts?orderId=${id}`);
    assert.equal(list.status, 200, JSON.stringify(list.body));
    const [c] = list.body.conflicts;
    assert.deepEqual([c.kind, c.field, c.resolvedAt], ["stale_edit", "remark", null]);

    const cs = await t.token("cs.li", "customer_service");
    const ok = await t.call("POST", `/api/conflicts/${c.id}/resolve`, { body: { resolution: "kept_mine", note: "客户电话确认" }, token: cs });
    assert.equal(ok.status, 200, JSON.stringify(ok.body));
    assert.deepEqual([ok.body.conflict.resolution, ok.body.conflict.resolvedBy, ok.body.conflict.note], ["kept_mine", "cs.li", "客户电话确认"]);
    assert.deepEqual((await t.call("GET", `/api/conflicts?orderId=${id}`)).body.conflicts, []);
    assert.equal((await t.call("GET", `/api/conflicts?orderId=${id}&open=false`)).body.conflicts.length, 1);

    const twice = await t.call("POST", `/api/conflicts/${c.id}/resolve`, { body: {} });
    assert.equal(twice.status, 409);
    assert.match(twice.body.error.message, /already resolved \(kept_mine\) by cs\.li/);
  });

  it("refuses a bad resolution and a bad id with 400 naming the field, an unknown one with 404, and a read-only role with 403", async function () {
    const id = await conflictedOrder(2);
    const [c] = (await t.call("GET", `/api/conflicts?orderId=${id}`)).body.conflicts;
    const bad = await t.call("POST", `/api/conflicts/${c.id}/resolve`, { body: { resolution: "superseded" } });
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /resolution/);
    assert.equal((await t.call("POST", "/api/conflicts/abc/resolve", { body: {} })).status, 400);
    assert.equal((await t.call("POST", "/api/tasks/abc/done", { body: {} })).status, 400);
    assert.equal((await t.call("POST", "/api/conflicts/987654321/resolve", { body: {} })).status, 404);
    assert.equal((await t.call("POST", "/api/tasks/987654321/done", { body: {} })).status, 404);
    const auditor = await t.token("aud.wu", "auditor");
    assert.equal((await t.call("POST", `/api/conflicts/${c.id}/resolve`, { body: {}, token: auditor })).status, 403);
    assert.equal((await t.call("GET", `/api/conflicts?orderId=${id}`, { token: auditor })).status, 200, "auditors read");
    assert.equal((await t.call("GET", "/api/tasks?limit=0")).status, 400);
  });
});
