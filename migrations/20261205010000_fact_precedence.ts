import type { Knex } from "knex";

/**
 * Source precedence per fact (issue 10, point 8): each workspace's priority list of source
 * classes per fact and its tolerance (absent: the shipped default), and every disagreement
 * settled — the value kept and the one not taken, with their sources — auditable per order.
 * A disagreement beyond the tolerance is `frozen` until a person resolves it: while it is,
 * the order's facts are held in the inbox as a paused channel's are.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("fact_precedence", (t) => {
    t.text("workspace_id").notNullable().primary();
    t.jsonb("policy").notNullable();
    t.text("updated_by").notNullable();
    t.timestamp("updated_at", { useTz: true }).notNullable();
  });
  await knex.schema.createTable("fact_disputes", (t) => {
    t.bigIncrements("id").primary();
    t.text("workspace_id").notNullable();
    t.text("order_id").notNullable();
    t.text("fact").notNullable();
    t.text("kept_value").notNullable();
    t.text("kept_source").notNullable();
    t.text("kept_class").notNullable();
    t.text("lost_value").notNullable();
    t.text("lost_source").notNullable();
    t.text("lost_class").notNullable();
    t.text("winner").notNullable();
    t.integer("diff_minutes");
    t.boolean("frozen").notNullable();
    t.text("source_event_id").notNullable();
    t.timestamp("at", { useTz: true }).notNullable();
    t.timestamp("resolved_at", { useTz: true });
    t.text("resolved_by");
    t.text("resolution");
    t.index(["workspace_id", "order_id", "id"]);
  });
  // The engine asks on every batch whether an order is frozen: a small partial index answers it.
  await knex.raw("CREATE INDEX fact_disputes_open_holds ON fact_disputes (workspace_id, order_id) WHERE frozen AND resolved_at IS NULL");
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("fact_disputes");
  await knex.schema.dropTableIfExists("fact_precedence");
}
