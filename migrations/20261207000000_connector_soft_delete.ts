import type { Knex } from "knex";

/**
 * Removing a connector keeps its row (config, counts, last error, unmapped statuses and
 * webhook deliveries) for the record: it is marked deleted, paused, and renamed so its
 * name can be used again. Its orders, events and audit entries are untouched.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("connector_instances", (t) => {
    t.timestamp("deleted_at", { useTz: true });
    t.text("deleted_by");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable("connector_instances", (t) => {
    t.dropColumn("deleted_at");
    t.dropColumn("deleted_by");
  });
}
