import assert from "node:assert/strict";
import { describeEachDatabase } from "../../helpers/databases.js";
import { fullCheckOverHttp } from "../../helpers/auditChecks.js";
import { sampleOrder, startTestServer, type TestServer } from "../../helpers/testServer.js";

const T0 = new Date("2026-01-15T02:00:00Z");

describeEachDatabase("audit checks over HTTP: routine and full", function ({ db }) {
  let t: TestServer;

  before(async function () {
    t = await startTestServer(db(), {}, () => T0);
  });
  after(async function () {
    await t?.close();
  });

  it("answers the routine check at once, reading only what is new since its checkpoint, and logs it", async function () {
    assert.equal((await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(81_000), sampleOrder(81_001)] } })).status, 200);
    const first = await t.call("POST", "/api/audit/verify");
    assert.equal(first.status, 200, JSON.stringify(first.body));
    assert.deepEqual([first.body.ok, first.body.mode, first.body.entriesRead], [true, "routine", first.body.entries]);
    assert.equal((await t.call("POST", "/api/orders", { body: { orders: [sampleOrder(81_002)] } })).status, 200);
    const second = await t.call("POST", "/api/audit/verify?full=0");
    assert.equal(second.status, 200);
    assert.equal(second.body.fromSeq, first.body.uptoSeq);
    assert.ok(second.body.entriesRead > 0 && second.body.entriesRead < second.body.entries, JSON.stringify(second.body));
    assert.match(second.body.message, / \/ all \d+ chains hold/);
    const log = await t.call("GET", "/api/access/log?limit=50");
    assert.equal(log.status, 200, JSON.stringify(log.body));
    const routine = log.body.entries.find((e: any) => e.action === "audit.verify" && e.detail.mode === "routine");
    assert.equal(routine.detail.entriesRead, second.body.entriesRead);
  });

  it("starts the full check with 202 and a run id, shows its progress and outcome, and logs the start", async function () {
    const run = await fullCheckOverHttp(t);
    assert.equal(run.status, "done");
    assert.equal(run.result.ok, true, run.result.message);
    assert.equal(run.result.mode, "full");
    assert.equal(run.entriesDone, run.entriesTotal);
    assert.ok(run.result.months.length >= 1);
    const log = await t.call("GET", "/api/access/log?limit=50");
    assert.ok(log.body.entries.some((e: any) => e.action === "audit.verify" && e.detail.mode === "full" && e.detail.runId === run.id));
  });

  it("answers 404 for a run of another workspace or none, 400 for a bad id or query, 403 for a role without audit rights", async function () {
    const started = await t.call("POST", "/api/audit/verify?full=1");
    assert.equal(started.status, 202);
    const other = await t.token("ops.other", "admin", "audit_other_ws");
    assert.equal((await t.call("GET", `/api/audit/verify/runs/${started.body.id}`, { token: other })).status, 404);
    assert.equal((await t.call("GET", "/api/audit/verify/runs/999999999")).status, 404);
    const bad = await t.call("GET", "/api/audit/verify/runs/abc");
    assert.equal(bad.status, 400);
    assert.match(JSON.stringify(bad.body), /runId/);
    assert.equal((await t.call("POST", "/api/audit/verify?full=maybe")).status, 400);
    const cs = await t.token("cs.audit", "customer_service");
    assert.equal((await t.call("POST", "/api/audit/verify?full=1", { token: cs })).status, 403);
    assert.equal((await t.call("GET", `/api/audit/verify/runs/${started.body.id}`, { token: cs })).status, 403);
  });
});
