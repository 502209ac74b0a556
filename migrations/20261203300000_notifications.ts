import type { Knex } from "knex";

/**
 * Notifications (issue 10): targets (robots and SMS recipients, secrets sealed with the
 * server's secret-box key), routing rules, the sources already looked at (each alert raising
 * and task once), the outbox of messages to send (claimed with a lease, retried with
 * backoff) and the delivery log. Every key starts with `workspace_id` (Citus).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("notify_targets", (t) => {
    t.text("workspace_id").notNullable();
    t.bigIncrements("id", { primaryKey: false });
    t.text("name").notNullable();
    t.text("kind").notNullable();
    t.text("locale").notNullable().defaultTo("zh-CN");
    t.boolean("enabled").notNullable().defaultTo(true);
    /** Sealed JSON: webhook URL, signing secret, SMS account. */
    t.text("sealed").notNullable();
    t.text("webhook_host");
    t.boolean("signed").notNullable().defaultTo(false);
    t.text("phone");
    t.timestamp("hold_until", { useTz: true });
    t.timestamp("created_at", { useTz: true }).notNullable();
    t.timestamp("updated_at", { useTz: true }).notNullable();
    t.primary(["workspace_id", "id"]);
  });
  await knex.raw("ALTER TABLE notify_targets ADD CONSTRAINT notify_targets_kind_known CHECK (kind IN ('wecom', 'dingtalk', 'feishu', 'sms'))");

  await knex.schema.createTable("notify_routes", (t) => {
    t.text("workspace_id").notNullable();
    t.bigIncrements("id", { primaryKey: false });
    t.text("name").notNullable();
    t.jsonb("match").notNullable();
    t.bigInteger("target_id").notNullable();
    t.boolean("enabled").notNullable().defaultTo(true);
    t.timestamp("created_at", { useTz: true }).notNullable();
    t.timestamp("updated_at", { useTz: true }).notNullable();
    t.primary(["workspace_id", "id"]);
    t.foreign(["workspace_id", "target_id"]).references(["workspace_id", "id"]).inTable("notify_targets").onDelete("CASCADE");
  });

  await knex.schema.createTable("notify_seen", (t) => {
    t.text("workspace_id").notNullable();
    t.text("source_kind").notNullable();
    t.text("source_ref").notNullable();
    t.timestamp("seen_at", { useTz: true }).notNullable();
    t.primary(["workspace_id", "source_kind", "source_ref"]);
    t.index(["workspace_id", "seen_at"]);
  });

  await knex.schema.createTable("notify_outbox", (t) => {
    t.text("workspace_id").notNullable();
    t.bigIncrements("id", { primaryKey: false });
    t.bigInteger("target_id").notNullable();
    t.text("source_kind").notNullable();
    t.text("source_ref").notNullable();
    t.text("order_id");
    t.jsonb("notice").notNullable();
    t.text("status").notNullable().defaultTo("pending");
    t.integer("attempts").notNullable().defaultTo(0);
    t.timestamp("next_at", { useTz: true }).notNullable();
    t.timestamp("lease_until", { useTz: true });
    t.text("lease_by");
    t.text("last_error");
    t.timestamp("created_at", { useTz: true }).notNullable();
    t.timestamp("sent_at", { useTz: true });
    t.bigInteger("delivery_id");
    t.primary(["workspace_id", "id"]);
    t.unique(["workspace_id", "source_kind", "source_ref", "target_id"]);
    t.foreign(["workspace_id", "target_id"]).references(["workspace_id", "id"]).inTable("notify_targets").onDelete("CASCADE");
  });
  await knex.raw("ALTER TABLE notify_outbox ADD CONSTRAINT notify_outbox_status_known CHECK (status IN ('pending', 'sent', 'undeliverable'))");
  await knex.raw("CREATE INDEX notify_outbox_due ON notify_outbox (workspace_id, target_id, next_at, id) WHERE status = 'pending'");

  await knex.schema.createTable("notify_deliveries", (t) => {
    t.text("workspace_id").notNullable();
    t.bigIncrements("id", { primaryKey: false });
    t.bigInteger("target_id").notNullable();
    t.text("target_name").notNullable();
    t.text("kind").notNullable();
    t.timestamp("at", { useTz: true }).notNullable();
    t.text("outcome").notNullable();
    t.integer("items").notNullable();
    t.text("detail").notNullable().defaultTo("");
    t.primary(["workspace_id", "id"]);
    t.index(["workspace_id", "target_id", "at"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("notify_deliveries");
  await knex.schema.dropTableIfExists("notify_outbox");
  await knex.schema.dropTableIfExists("notify_seen");
  await knex.schema.dropTableIfExists("notify_routes");
  await knex.schema.dropTableIfExists("notify_targets");
}
