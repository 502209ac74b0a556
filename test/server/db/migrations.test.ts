import assert from "node:assert/strict";
import { migrateLatest, migrateRollbackAll } from "../../../server/db/migrate.js";
import { defaultPartitionName, isPartitioned, listMonthlyPartitions, partitionName } from "../../../server/db/partitions.js";
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

  it("keep (channel, external order ID) unique per workspace; index inbox keys on every partition (kept once by the writers' key locks)", async function () {
    const knex = db().knex;
    const cols = await knex.raw("select indexdef from pg_indexes where tablename = 'orders' and indexdef like '%UNIQUE%'");
    const defs = (cols.rows as { indexdef: string }[]).map((r) => r.indexdef).join("\n");
    assert.match(defs, /workspace_id, channel, external_order_id/);
    // A unique index on the partitioned inbox would have to include received_at: the key is an ordinary index instead.
    const inbox = await knex.raw("select indexdef from pg_indexes where schemaname = current_schema() and tablename = 'events_inbox' and indexdef like '%(workspace_id, source, source_event_id)%'");
    assert.equal(inbox.rows.length, 1);
    assert.doesNotMatch(inbox.rows[0].indexdef, /UNIQUE/);
  });

  it("partition the change feed and the events inbox by UTC month, with a default partition each", async function () {
    const knex = db().knex;
    for (const [table, column] of [["changes", "at"], ["events_inbox", "received_at"]]) {
      assert.equal(await isPartitioned(knex, table), true, table);
      const key = await knex.raw("select pg_get_partkeydef(?::regclass) as def", [table]);
      assert.equal(key.rows[0].def, `RANGE (${column})`);
      assert.ok((await listMonthlyPartitions(knex, table)).some((p) => p.name === partitionName(table, new Date())), `${table} has this month's partition`);
      assert.equal((await knex.raw("select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = current_schema() and c.relname = ?", [defaultPartitionName(table)])).rows.length, 1);
    }
  });
});
