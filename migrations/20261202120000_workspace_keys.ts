import type { Knex } from "knex";

/**
 * Ready for Citus (issue 15): every primary key of a table that grows with the orders
 * includes `workspace_id`, the column a Citus cluster distributes by, so each workspace's
 * rows can live together on one node (`server/db/citus.ts` lists how each table is laid
 * out; `test/server/db/citusReadiness.test.ts` checks the catalogue against it). The
 * single-column keys stay unique — their sequences still number every row — but are now
 * enforced together with the workspace. Indexes the new keys make redundant are dropped.
 */
const KEYS: [table: string, column: string][] = [
  ["alerts", "id"],
  ["audit_digests", "id"],
  ["audit_log", "seq"],
  ["changes", "seq"],
  ["conflicts", "id"],
  ["events_inbox", "id"],
  ["sensitive_operations", "seq"],
  ["tasks", "id"],
];

/** Indexes on exactly (workspace_id, key), now the primary key. */
const REDUNDANT = ["changes_workspace_id_seq_index", "audit_digests_workspace_id_id_index", "sensitive_operations_workspace_id_seq_index"];

export async function up(knex: Knex): Promise<void> {
  for (const [table, column] of KEYS) {
    await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey, ADD CONSTRAINT ${table}_pkey PRIMARY KEY (workspace_id, ${column})`);
  }
  for (const index of REDUNDANT) await knex.raw(`DROP INDEX IF EXISTS ${index}`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("CREATE INDEX IF NOT EXISTS changes_workspace_id_seq_index ON changes (workspace_id, seq)");
  await knex.raw("CREATE INDEX IF NOT EXISTS audit_digests_workspace_id_id_index ON audit_digests (workspace_id, id)");
  await knex.raw("CREATE INDEX IF NOT EXISTS sensitive_operations_workspace_id_seq_index ON sensitive_operations (workspace_id, seq)");
  for (const [table, column] of KEYS) {
    await knex.raw(`ALTER TABLE ${table} DROP CONSTRAINT ${table}_pkey, ADD CONSTRAINT ${table}_pkey PRIMARY KEY (${column})`);
  }
}
