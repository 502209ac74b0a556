import type { Knex } from "knex";

/**
 * Conflicts and tasks end (issue 15 §3–4): until now nothing ever resolved a conflict or
 * finished a task, so "open" only grew and their retention removed nothing. Each now keeps
 * who ended it, why (`resolution` / `done_reason`) and an optional note; the partial indexes
 * serve "the open ones of a workspace / of these orders", which every list and every status
 * change asks.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("conflicts", (t) => {
    t.text("resolved_by");
    /** `kept_mine` | `took_server` | `superseded` (a later saved edit of the cell) | `status_left` | `closed`. */
    t.text("resolution");
    t.text("resolve_note");
  });
  await knex.schema.alterTable("tasks", (t) => {
    t.text("done_by");
    /** `done` (a person) | `status_left` (the order left the status the task was opened in). */
    t.text("done_reason");
    t.text("done_note");
  });
  await knex.raw("CREATE INDEX conflicts_open ON conflicts (workspace_id, order_id) WHERE resolved_at IS NULL");
  await knex.raw("CREATE INDEX tasks_open ON tasks (workspace_id, order_id) WHERE done_at IS NULL");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DROP INDEX IF EXISTS tasks_open");
  await knex.raw("DROP INDEX IF EXISTS conflicts_open");
  await knex.schema.alterTable("tasks", (t) => {
    t.dropColumns("done_by", "done_reason", "done_note");
  });
  await knex.schema.alterTable("conflicts", (t) => {
    t.dropColumns("resolved_by", "resolution", "resolve_note");
  });
}
