import type { Knex } from "knex";

/**
 * Where the SLA job's check of open timer alerts got to, per workspace (issue 15): a timer
 * alert's condition depends only on its order and the workflow, so a run re-checks only the
 * alerts of orders changed since the previous run (`checked_to`, less a margin), and all of
 * them when the workflow versions changed (`flows`) or the last full check is a day old
 * (`full_at`). Without it every run read every open timer alert with its order.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("timer_alert_sweeps", (t) => {
    t.text("workspace_id").notNullable();
    t.timestamp("checked_to", { useTz: true }).notNullable();
    t.timestamp("full_at", { useTz: true }).notNullable();
    t.text("flows").notNullable();
    t.primary(["workspace_id"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("timer_alert_sweeps");
}
