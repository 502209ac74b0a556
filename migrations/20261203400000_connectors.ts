import type { Knex } from "knex";

/**
 * Connectors (issue 10): one row per connector instance of a workspace (its kind, schedule,
 * sealed credentials, cursor state and health), the status-mapping overrides supervisors
 * edit per platform, the unmapped statuses seen (counted, with a sample record), and the
 * webhook deliveries received (deduplicated on the platform's event id).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("connector_instances", (t) => {
    t.text("workspace_id").notNullable();
    t.text("id").notNullable();
    t.text("kind").notNullable();
    t.text("name").notNullable();
    t.jsonb("config").notNullable().defaultTo("{}");
    /** AES-256-GCM sealed JSON (see server/connectors/credentials.ts); never returned by the API. */
    t.text("credentials").notNullable();
    t.text("schedule").notNullable();
    t.jsonb("state").notNullable().defaultTo("{}");
    t.boolean("paused").notNullable().defaultTo(false);
    t.timestamp("created_at", { useTz: true }).notNullable();
    t.timestamp("updated_at", { useTz: true }).notNullable();
    t.timestamp("last_run_at", { useTz: true });
    t.timestamp("last_success_at", { useTz: true });
    t.text("last_error_code");
    t.jsonb("last_error");
    t.integer("consecutive_failures").notNullable().defaultTo(0);
    t.timestamp("retry_at", { useTz: true });
    t.timestamp("high_water_at", { useTz: true });
    t.bigInteger("pulled").notNullable().defaultTo(0);
    t.bigInteger("mapped").notNullable().defaultTo(0);
    t.bigInteger("unmapped").notNullable().defaultTo(0);
    t.bigInteger("dead").notNullable().defaultTo(0);
    t.bigInteger("filtered").notNullable().defaultTo(0);
    t.primary(["workspace_id", "id"]);
    t.unique(["workspace_id", "name"]);
    // Webhooks address an instance by id alone (a random UUID).
    t.index(["id"]);
  });

  await knex.schema.createTable("connector_status_maps", (t) => {
    t.text("workspace_id").notNullable();
    t.text("platform").notNullable();
    t.text("field").notNullable();
    t.text("value").notNullable();
    t.text("event").notNullable();
    t.text("updated_by").notNullable();
    t.timestamp("updated_at", { useTz: true }).notNullable();
    t.primary(["workspace_id", "platform", "field", "value"]);
  });

  await knex.schema.createTable("connector_unmapped", (t) => {
    t.text("workspace_id").notNullable();
    t.text("connector_id").notNullable();
    t.text("field").notNullable();
    t.text("value").notNullable();
    t.bigInteger("count").notNullable().defaultTo(0);
    t.timestamp("first_seen_at", { useTz: true }).notNullable();
    t.timestamp("last_seen_at", { useTz: true }).notNullable();
    t.jsonb("sample").notNullable();
    t.primary(["workspace_id", "connector_id", "field", "value"]);
    t.foreign(["workspace_id", "connector_id"]).references(["workspace_id", "id"]).inTable("connector_instances").onDelete("CASCADE");
  });

  await knex.schema.createTable("connector_webhooks", (t) => {
    t.text("workspace_id").notNullable();
    t.text("connector_id").notNullable();
    t.text("event_id").notNullable();
    t.text("topic").notNullable();
    t.timestamp("received_at", { useTz: true }).notNullable();
    t.jsonb("result").notNullable().defaultTo("{}");
    t.primary(["workspace_id", "connector_id", "event_id"]);
    t.index(["workspace_id", "received_at"]);
    t.foreign(["workspace_id", "connector_id"]).references(["workspace_id", "id"]).inTable("connector_instances").onDelete("CASCADE");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("connector_webhooks");
  await knex.schema.dropTableIfExists("connector_unmapped");
  await knex.schema.dropTableIfExists("connector_status_maps");
  await knex.schema.dropTableIfExists("connector_instances");
}
