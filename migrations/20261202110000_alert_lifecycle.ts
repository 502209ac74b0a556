import type { Knex } from "knex";

/**
 * Alerts end (issue 15): who cleared an alert and why — `system` when the order left the
 * status the alert was raised in or the timer's condition ended (`status_left`,
 * `condition_ended`), or the person who closed it (`closed`, with an optional note).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("alerts", (t) => {
    t.text("cleared_by");
    t.text("clear_reason");
    t.text("clear_note");
  });
  await knex.raw(
    "ALTER TABLE alerts ADD CONSTRAINT alerts_clear_reason_known CHECK (clear_reason IS NULL OR clear_reason IN ('status_left', 'condition_ended', 'closed'))",
  );
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE alerts DROP CONSTRAINT IF EXISTS alerts_clear_reason_known");
  await knex.schema.alterTable("alerts", (t) => {
    t.dropColumn("clear_note");
    t.dropColumn("clear_reason");
    t.dropColumn("cleared_by");
  });
}
