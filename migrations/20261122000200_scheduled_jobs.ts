import type { Knex } from "knex";

/**
 * Scheduled jobs: an index the SLA timer scan walks (per workspace and status, oldest
 * `status_since` first), a safe timestamp parser so the scan can read fact anchors kept
 * as text in `orders.extra`, and per-workspace job slots that server instances sharing one
 * database claim so each (job, time slot) runs once.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("CREATE INDEX orders_timer_scan ON orders (workspace_id, status, status_since, id)");

  // NULL for anything that is not a plain ISO-8601 instant with an explicit zone, instead of
  // an error: one malformed fact must not stop the timer scan of a whole workspace.
  // (No "?" in this SQL: knex would read it as a binding placeholder.)
  await knex.raw(`
    CREATE FUNCTION ordersheet_try_instant(v text) RETURNS timestamptz LANGUAGE plpgsql STABLE AS $$
    BEGIN
      IF v IS NULL OR v !~ '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,3}){0,1}(Z|[+-]\\d{2}:\\d{2})$' THEN
        RETURN NULL;
      END IF;
      RETURN v::timestamptz;
    EXCEPTION WHEN others THEN
      RETURN NULL;
    END $$`);

  await knex.schema.createTable("job_slots", (t) => {
    t.text("workspace_id").notNullable();
    t.text("job").notNullable();
    t.timestamp("slot", { useTz: true }).notNullable();
    t.text("instance").notNullable();
    t.timestamp("claimed_at", { useTz: true }).notNullable();
    t.primary(["workspace_id", "job", "slot"]);
    t.index(["job", "slot"]);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("job_slots");
  await knex.raw("DROP FUNCTION IF EXISTS ordersheet_try_instant(text)");
  await knex.raw("DROP INDEX IF EXISTS orders_timer_scan");
}
