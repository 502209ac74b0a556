import type { Knex } from "knex";

/**
 * Workflow engine: alerts and tasks raised by timers and rules, timer firings (each fires
 * once per key), conflicts (for circuit breakers and the sheet), paused channels that hold
 * their events, and the periodic digest over all audit chain heads.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("alerts", (t) => {
    t.bigIncrements("id").primary();
    t.text("workspace_id").notNullable();
    t.text("order_id").notNullable();
    t.text("key").notNullable();
    t.text("source").notNullable();
    t.text("source_id").notNullable();
    t.text("level").notNullable();
    t.text("message").notNullable();
    t.text("notify");
    t.text("via");
    t.jsonb("details").notNullable().defaultTo("{}");
    t.timestamp("raised_at", { useTz: true }).notNullable();
    t.timestamp("cleared_at", { useTz: true });
    t.unique(["workspace_id", "order_id", "key"]);
    t.index(["workspace_id", "cleared_at", "id"]);
  });

  await knex.schema.createTable("tasks", (t) => {
    t.bigIncrements("id").primary();
    t.text("workspace_id").notNullable();
    t.text("order_id").notNullable();
    t.text("key").notNullable();
    t.text("source_id").notNullable();
    t.text("assignee").notNullable();
    t.text("message").notNullable();
    t.timestamp("created_at", { useTz: true }).notNullable();
    t.timestamp("done_at", { useTz: true });
    t.unique(["workspace_id", "order_id", "key"]);
  });

  await knex.schema.createTable("timer_firings", (t) => {
    t.text("workspace_id").notNullable();
    t.text("order_id").notNullable();
    t.text("key").notNullable();
    t.timestamp("fired_at", { useTz: true }).notNullable();
    t.primary(["workspace_id", "order_id", "key"]);
  });

  await knex.schema.createTable("conflicts", (t) => {
    t.bigIncrements("id").primary();
    t.text("workspace_id").notNullable();
    t.text("order_id").notNullable();
    t.text("channel").notNullable();
    t.text("kind").notNullable();
    t.text("field");
    t.jsonb("details").notNullable().defaultTo("{}");
    t.timestamp("at", { useTz: true }).notNullable();
    t.timestamp("resolved_at", { useTz: true });
    t.index(["workspace_id", "channel", "at"]);
    t.index(["workspace_id", "order_id"]);
  });

  await knex.schema.createTable("channel_pauses", (t) => {
    t.text("workspace_id").notNullable();
    t.text("channel").notNullable();
    t.text("reason").notNullable();
    t.text("source_id").notNullable();
    t.timestamp("paused_at", { useTz: true }).notNullable();
    t.primary(["workspace_id", "channel"]);
  });

  await knex.schema.createTable("audit_digests", (t) => {
    t.bigIncrements("id").primary();
    t.text("workspace_id").notNullable();
    t.timestamp("at", { useTz: true }).notNullable();
    t.bigInteger("upto_seq").notNullable();
    t.integer("chains").notNullable();
    t.text("digest").notNullable();
    t.index(["workspace_id", "id"]);
  });
  await knex.raw(`
    CREATE TRIGGER audit_digests_no_update_delete BEFORE UPDATE OR DELETE ON audit_digests
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);

  await knex.schema.alterTable("events_inbox", (t) => {
    t.text("channel");
  });
  await knex.raw("CREATE INDEX events_inbox_held ON events_inbox (workspace_id, channel, id) WHERE outcome = 'held'");
  await knex.raw("CREATE INDEX audit_log_status_changes ON audit_log (workspace_id, order_id, at) WHERE field = 'status'");
  await knex.raw("CREATE INDEX orders_customer ON orders (workspace_id, customer_id, placed_at) WHERE customer_id IS NOT NULL");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DROP INDEX IF EXISTS orders_customer");
  await knex.raw("DROP INDEX IF EXISTS audit_log_status_changes");
  await knex.raw("DROP INDEX IF EXISTS events_inbox_held");
  await knex.schema.alterTable("events_inbox", (t) => {
    t.dropColumn("channel");
  });
  await knex.schema.dropTableIfExists("audit_digests");
  await knex.schema.dropTableIfExists("channel_pauses");
  await knex.schema.dropTableIfExists("conflicts");
  await knex.schema.dropTableIfExists("timer_firings");
  await knex.schema.dropTableIfExists("tasks");
  await knex.schema.dropTableIfExists("alerts");
}
