import assert from "node:assert/strict";
import { furnitureWorkflow } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../helpers/testServer.js";
import { at, importOrder, send } from "./fixtures.js";

describeEachDatabase("scheduled jobs in the server", function ({ db }) {
  let clock = at(0);
  let t: TestServer | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });

  it("are off in test servers unless asked for", async function () {
    t = await startTestServer(db());
    assert.equal(t.server.scheduler, undefined);
  });

  it("run the SLA timers on the server's clock, and the alert reaches clients through the change feed", async function () {
    t = await startTestServer(db(), { jobs: true }, () => clock);
    assert.ok(t.server.scheduler);
    await t.server.workspaces.createWorkspace({ id: "furniture", name: "furniture", workflow: furnitureWorkflow });
    const token = await t.token("li.li", "supervisor", "furniture");
    const id = await importOrder(db(), "furniture", at(0));
    await send(db(), "furniture", id, at(0), "milestone", { code: "risk_approved" });
    await send(db(), "furniture", id, at(0), "milestone", { code: "params_confirming" });
    const cursor = (await t.call("GET", "/api/changes?since=0&limit=5000", { token })).body.cursor;

    clock = at(121);
    assert.equal(await t.server.scheduler!.tick("sla-timers"), "ran");
    const page = await t.call("GET", `/api/changes?since=${cursor}`, { token });
    const alerts = page.body.changes.filter((c: any) => c.kind === "alert.raised");
    assert.deepEqual(alerts.map((c: any) => [c.orderId, c.data.level, c.data.sourceId]), [[id, "red", "params_confirmation_red_2h"]]);

    assert.equal(await t.server.scheduler!.tick("audit-digest"), "ran");
    const digests = await db().knex("audit_digests").where("workspace_id", "furniture").select("at");
    assert.deepEqual(digests.map((d) => new Date(d.at).toISOString()), [at(121).toISOString()]);
  });
});
