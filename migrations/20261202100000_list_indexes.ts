import type { Knex } from "knex";

/**
 * Indexes that keep the order list on an index as history grows (issue 15, a year of
 * history): each list filter has an index that also matches the list's sort
 * (`updated_at, id`), so a page is the first rows of one index range instead of a walk
 * over the whole `updated_at` index that filters out every other status; the placing-day
 * filter gets an index on the same expression the query uses, so a day is an index
 * range, not a filter. `(workspace_id, status, updated_at, id)` makes the old
 * `(workspace_id, status)` index redundant. Open alerts — a handful among a year of cleared
 * ones — get a partial index, so the newest open alerts are read without passing the
 * cleared ones.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("CREATE INDEX orders_status_updated ON orders (workspace_id, status, updated_at, id)");
  await knex.raw("CREATE INDEX orders_channel_updated ON orders (workspace_id, channel, updated_at, id)");
  await knex.raw("CREATE INDEX orders_region_updated ON orders (workspace_id, region, updated_at, id)");
  await knex.raw("CREATE INDEX orders_placed_day ON orders (workspace_id, (coalesce(placed_at, created_at)))");
  await knex.raw("DROP INDEX IF EXISTS orders_workspace_id_status_index");
  await knex.raw("CREATE INDEX alerts_open ON alerts (workspace_id, id) WHERE cleared_at IS NULL");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DROP INDEX IF EXISTS alerts_open");
  await knex.raw("CREATE INDEX IF NOT EXISTS orders_workspace_id_status_index ON orders (workspace_id, status)");
  await knex.raw("DROP INDEX IF EXISTS orders_placed_day");
  await knex.raw("DROP INDEX IF EXISTS orders_region_updated");
  await knex.raw("DROP INDEX IF EXISTS orders_channel_updated");
  await knex.raw("DROP INDEX IF EXISTS orders_status_updated");
}
