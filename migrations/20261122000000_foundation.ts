import type { Knex } from "knex";

/**
 * Foundation schema: workspaces, users and hashed API tokens, orders and lines, the
 * idempotent events inbox, the append-only audit log, the change feed, rejected input.
 * Every table carries workspace_id so a workspace can become a distribution column.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("workspaces", (t) => {
    t.text("id").primary();
    t.text("name").notNullable();
    t.text("time_zone").notNullable().defaultTo("Asia/Shanghai");
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable("users", (t) => {
    t.text("workspace_id").notNullable().references("workspaces.id").onDelete("CASCADE");
    t.text("id").notNullable();
    t.text("name").notNullable();
    t.text("role").notNullable();
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(["workspace_id", "id"]);
    t.unique(["workspace_id", "name"]);
  });

  await knex.schema.createTable("api_tokens", (t) => {
    t.text("workspace_id").notNullable().references("workspaces.id").onDelete("CASCADE");
    t.text("id").notNullable();
    t.text("user_id").notNullable();
    t.text("token_hash").notNullable().unique();
    t.text("label").notNullable().defaultTo("");
    t.timestamp("created_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp("revoked_at", { useTz: true });
    t.primary(["workspace_id", "id"]);
    t.foreign(["workspace_id", "user_id"]).references(["workspace_id", "id"]).inTable("users").onDelete("CASCADE");
  });

  await knex.schema.createTable("workflow_versions", (t) => {
    t.text("workspace_id").notNullable().references("workspaces.id").onDelete("CASCADE");
    t.integer("version").notNullable();
    t.jsonb("definition").notNullable();
    t.text("published_by").notNullable();
    t.timestamp("published_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(["workspace_id", "version"]);
  });

  await knex.schema.createTable("order_id_counters", (t) => {
    t.text("workspace_id").notNullable();
    t.text("prefix").notNullable();
    t.text("day").notNullable();
    t.integer("last_value").notNullable();
    t.primary(["workspace_id", "prefix", "day"]);
  });

  await knex.schema.createTable("orders", (t) => {
    t.text("workspace_id").notNullable().references("workspaces.id").onDelete("CASCADE");
    t.text("id").notNullable();
    t.text("channel").notNullable();
    t.text("external_order_id").notNullable();
    t.text("status").notNullable();
    t.integer("workflow_version").notNullable();
    t.integer("version").notNullable().defaultTo(1);
    t.text("customer_id");
    t.text("customer_name");
    t.text("customer_phone");
    t.bigInteger("total_amount").notNullable();
    t.string("currency", 3).notNullable();
    t.text("region");
    t.text("warehouse");
    t.text("carrier");
    t.text("waybill_no");
    t.jsonb("tags").notNullable().defaultTo("[]");
    t.jsonb("extra").notNullable().defaultTo("{}");
    t.timestamp("placed_at", { useTz: true });
    t.timestamp("paid_at", { useTz: true });
    t.timestamp("outbound_at", { useTz: true });
    t.timestamp("promised_at", { useTz: true });
    t.timestamp("status_since", { useTz: true }).notNullable();
    t.text("audit_head"); // hash of the newest audit entry of this order
    t.timestamp("created_at", { useTz: true }).notNullable();
    t.timestamp("updated_at", { useTz: true }).notNullable();
    t.primary(["workspace_id", "id"]);
    t.unique(["workspace_id", "channel", "external_order_id"]);
    t.index(["workspace_id", "updated_at", "id"]);
    t.index(["workspace_id", "status"]);
  });

  await knex.schema.createTable("order_lines", (t) => {
    t.text("workspace_id").notNullable();
    t.text("order_id").notNullable();
    t.integer("line_no").notNullable();
    t.text("sku").notNullable();
    t.text("name").notNullable();
    t.integer("quantity").notNullable();
    t.bigInteger("unit_price").notNullable();
    t.bigInteger("amount").notNullable();
    t.jsonb("flags").notNullable().defaultTo("{}");
    t.primary(["workspace_id", "order_id", "line_no"]);
    t.foreign(["workspace_id", "order_id"]).references(["workspace_id", "id"]).inTable("orders").onDelete("CASCADE");
  });

  await knex.schema.createTable("events_inbox", (t) => {
    t.bigIncrements("id").primary();
    t.text("workspace_id").notNullable();
    t.text("source").notNullable();
    t.text("source_event_id").notNullable();
    t.text("type").notNullable();
    t.text("order_id");
    t.jsonb("payload").notNullable();
    t.text("outcome").notNullable();
    t.jsonb("result").notNullable().defaultTo("{}");
    t.text("actor").notNullable();
    t.timestamp("received_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(["workspace_id", "source", "source_event_id"]);
    t.index(["workspace_id", "outcome", "id"]);
  });

  await knex.schema.createTable("audit_log", (t) => {
    t.bigIncrements("seq").primary();
    t.text("workspace_id").notNullable();
    t.text("order_id").notNullable();
    t.integer("order_version").notNullable();
    t.timestamp("at", { useTz: true }).notNullable();
    t.text("actor").notNullable();
    t.text("source").notNullable();
    t.text("action").notNullable();
    t.text("field");
    t.jsonb("old_value");
    t.jsonb("new_value");
    t.text("prev_hash");
    t.text("hash").notNullable();
    t.index(["workspace_id", "order_id", "seq"]);
  });
  // Append-only: the database itself refuses to change or remove audit entries.
  await knex.raw(`
    CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
  await knex.raw(`
    CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);

  await knex.schema.createTable("changes", (t) => {
    t.bigIncrements("seq").primary();
    t.text("workspace_id").notNullable();
    t.text("kind").notNullable();
    t.text("order_id");
    t.integer("order_version");
    t.jsonb("data").notNullable().defaultTo("{}");
    t.timestamp("at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(["workspace_id", "seq"]);
  });

  await knex.schema.createTable("rejected_inputs", (t) => {
    t.bigIncrements("id").primary();
    t.text("workspace_id");
    t.text("actor");
    t.text("route").notNullable();
    t.integer("status").notNullable();
    t.text("reason").notNullable();
    t.text("body").notNullable();
    t.integer("body_bytes").notNullable();
    t.timestamp("at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(["workspace_id", "id"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("rejected_inputs");
  await knex.schema.dropTableIfExists("changes");
  await knex.schema.dropTableIfExists("audit_log");
  await knex.raw("DROP FUNCTION IF EXISTS audit_log_append_only() CASCADE");
  await knex.schema.dropTableIfExists("events_inbox");
  await knex.schema.dropTableIfExists("order_lines");
  await knex.schema.dropTableIfExists("orders");
  await knex.schema.dropTableIfExists("order_id_counters");
  await knex.schema.dropTableIfExists("workflow_versions");
  await knex.schema.dropTableIfExists("api_tokens");
  await knex.schema.dropTableIfExists("users");
  await knex.schema.dropTableIfExists("workspaces");
}
