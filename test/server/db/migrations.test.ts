import assert from "node:assert/strict";
import { migrateLatest, migrateRollbackAll } from "../../../server/db/migrate.js";
import { describeEachDatabase } from "../../helpers/databases.js";

describeEachDatabase("migrations", function ({ db }) {
  it("roll all the way down and back up", async function () {
    const knex = db().knex;
    await migrateRollbackAll(knex);
    assert.equal(await knex.schema.hasTable("orders"), false);
    const applied = await migrateLatest(knex);
    assert.ok(applied.length >= 1);
    for (const table of ["workspaces", "users", "api_tokens", "orders", "order_lines", "events_inbox", "audit_log", "changes", "workflow_versions"]) {
      assert.equal(await knex.schema.hasTable(table), true, table);
    }
  });

  it("make the audit log refuse UPDATE and DELETE", async function () {
    const knex = db().knex;
    await knex("audit_log").insert({
      workspace_id: "w", order_id: "o", order_version: 1, at: new Date().toISOString(), actor: "a", source: "s",
      action: "created", field: null, old_value: "null", new_value: "null", prev_hash: null, hash: "h",
    });
    await assert.rejects(knex("audit_log").update({ actor: "mallory" }), /append-only/);
    await assert.rejects(knex("audit_log").del(), /append-only/);
    await assert.rejects(knex.raw("truncate audit_log"), /append-only/);
  });

  it("keep (channel, external order ID) unique per workspace and events unique on (source, source_event_id)", async function () {
    const knex = db().knex;
    const cols = await knex.raw(
      "select indexdef from pg_indexes where tablename in ('orders','events_inbox') and indexdef like '%UNIQUE%'",
    );
    const defs = (cols.rows as { indexdef: string }[]).map((r) => r.indexdef).join("\n");
    assert.match(defs, /workspace_id, channel, external_order_id/);
    assert.match(defs, /workspace_id, source, source_event_id/);
  });
});
