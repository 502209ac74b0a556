import type { Knex } from "knex";
import { convertToMonthlyPartitions } from "../server/db/partitions.js";

/**
 * Retention without row-by-row deletes (issue 15): the change feed (`changes`, by `at`) and
 * the events inbox (`events_inbox`, by `received_at`) become partitioned by UTC month, plus a
 * default partition, so history older than what is kept goes by dropping whole partitions.
 *
 * A unique index on a partitioned table must include the partition key, so the inbox's
 * unique (workspace_id, source, source_event_id) cannot stay: it becomes a plain index on
 * every partition, and the writers keep a key once by taking a transaction-level advisory
 * lock per key before they look it up (`server/db/inboxKeys.ts`). Primary keys gain the
 * partition column; they still lead with `workspace_id` (Citus).
 *
 * `feed_horizons` records, per workspace, the newest feed position a retention run dropped:
 * a client whose cursor is older is told to reload instead of silently missing changes.
 * The small tables whose old rows retention deletes in batches get an index on the time
 * it goes by.
 */
const APP_ROLE = "ordersheet_app";

const CHANGES_POLICY = `CREATE POLICY changes_row_scope ON changes AS PERMISSIVE FOR ALL TO ${APP_ROLE}
  USING (changes.order_id IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.workspace_id = changes.workspace_id AND o.id = changes.order_id))
  WITH CHECK (changes.order_id IS NULL OR EXISTS (SELECT 1 FROM orders o WHERE o.workspace_id = changes.workspace_id AND o.id = changes.order_id))`;

async function grant(knex: Knex, table: string): Promise<void> {
  // The role exists (row-scope migration); a database whose user may not grant keeps the default privileges.
  await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON ${table} TO ${APP_ROLE}`);
}

export async function up(knex: Knex): Promise<void> {
  const now = new Date();

  await knex.raw("DROP POLICY IF EXISTS changes_row_scope ON changes");
  await convertToMonthlyPartitions(knex, { table: "changes", column: "at", primaryKey: ["workspace_id", "seq", "at"], now, monthsAhead: 3 });
  await knex.raw("ALTER TABLE changes ENABLE ROW LEVEL SECURITY");
  await knex.raw(CHANGES_POLICY);
  await grant(knex, "changes");

  await convertToMonthlyPartitions(knex, { table: "events_inbox", column: "received_at", primaryKey: ["workspace_id", "id", "received_at"], now, monthsAhead: 3 });
  await knex.raw("CREATE INDEX events_inbox_key ON events_inbox (workspace_id, source, source_event_id)");
  await knex.raw("CREATE INDEX events_inbox_outcome ON events_inbox (workspace_id, outcome, id)");
  await knex.raw("CREATE INDEX events_inbox_held ON events_inbox (workspace_id, channel, id) WHERE outcome = 'held'");
  await grant(knex, "events_inbox");

  await knex.schema.createTable("feed_horizons", (t) => {
    t.text("workspace_id").notNullable().primary();
    t.bigInteger("dropped_upto_seq").notNullable();
    t.timestamp("dropped_at", { useTz: true }).notNullable();
  });
  await grant(knex, "feed_horizons");

  // Row retention of the small tables walks these from the oldest row, in batches.
  await knex.raw("CREATE INDEX rejected_inputs_at ON rejected_inputs (at)");
  await knex.raw("CREATE INDEX timer_firings_fired_at ON timer_firings (fired_at)");
  await knex.raw("CREATE INDEX conflicts_resolved_at ON conflicts (resolved_at) WHERE resolved_at IS NOT NULL");
  await knex.raw("CREATE INDEX tasks_done_at ON tasks (done_at) WHERE done_at IS NOT NULL");
}

/** Back to ordinary tables with the same rows, keys and indexes as before. */
async function unpartition(knex: Knex, table: string, key: string): Promise<void> {
  await knex.raw(`ALTER TABLE ${table} RENAME TO ${table}_partitioned`);
  await knex.raw(`ALTER TABLE ${table}_partitioned RENAME CONSTRAINT ${table}_pkey TO ${table}_partitioned_pkey`);
  await knex.raw(`CREATE TABLE ${table} (LIKE ${table}_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)`);
  await knex.raw(`ALTER TABLE ${table} ADD CONSTRAINT ${table}_pkey PRIMARY KEY (workspace_id, ${key})`);
  await knex.raw(`INSERT INTO ${table} SELECT * FROM ${table}_partitioned`);
  await knex.raw(`ALTER SEQUENCE ${table}_${key}_seq OWNED BY ${table}.${key}`);
  await knex.raw(`DROP TABLE ${table}_partitioned`);
}

export async function down(knex: Knex): Promise<void> {
  for (const index of ["tasks_done_at", "conflicts_resolved_at", "timer_firings_fired_at", "rejected_inputs_at"]) await knex.raw(`DROP INDEX IF EXISTS ${index}`);
  await knex.schema.dropTableIfExists("feed_horizons");

  await unpartition(knex, "events_inbox", "id");
  await knex.raw("ALTER TABLE events_inbox ADD CONSTRAINT events_inbox_workspace_id_source_source_event_id_unique UNIQUE (workspace_id, source, source_event_id)");
  await knex.raw("CREATE INDEX events_inbox_workspace_id_outcome_id_index ON events_inbox (workspace_id, outcome, id)");
  await knex.raw("CREATE INDEX events_inbox_held ON events_inbox (workspace_id, channel, id) WHERE outcome = 'held'");
  await grant(knex, "events_inbox");

  await unpartition(knex, "changes", "seq");
  await knex.raw("ALTER TABLE changes ENABLE ROW LEVEL SECURITY");
  await knex.raw(CHANGES_POLICY);
  await grant(knex, "changes");
}
