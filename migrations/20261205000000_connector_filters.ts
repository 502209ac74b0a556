import type { Knex } from "knex";

/**
 * Connector filters (issue 10, point 7): each instance's keep-rules, and what they dropped —
 * counted per rule and value with the latest few sample records — so a filter never hides
 * orders in silence.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("connector_instances", (t) => {
    t.jsonb("filters").notNullable().defaultTo("[]");
  });
  await knex.schema.createTable("connector_filtered", (t) => {
    t.text("workspace_id").notNullable();
    t.text("connector_id").notNullable();
    t.text("rule_id").notNullable();
    t.text("field").notNullable();
    t.text("value").notNullable();
    t.bigInteger("count").notNullable().defaultTo(0);
    t.timestamp("first_seen_at", { useTz: true }).notNullable();
    t.timestamp("last_seen_at", { useTz: true }).notNullable();
    /** The latest records dropped (at most 5), newest first; no personal data. */
    t.jsonb("samples").notNullable().defaultTo("[]");
    t.primary(["workspace_id", "connector_id", "rule_id", "field", "value"]);
    t.foreign(["workspace_id", "connector_id"]).references(["workspace_id", "id"]).inTable("connector_instances").onDelete("CASCADE");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("connector_filtered");
  await knex.schema.alterTable("connector_instances", (t) => {
    t.dropColumn("filters");
  });
}
