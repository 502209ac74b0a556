import type { Knex } from "knex";

/**
 * Users and tokens: a user can be disabled (every token of theirs stops), tokens can expire,
 * both remember when they were last used, and a per-workspace auth epoch that every disable,
 * revoke and role change bumps, so each server instance drops its token cache within a
 * fraction of a second.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("users", (t) => {
    t.timestamp("disabled_at", { useTz: true });
    t.timestamp("last_used_at", { useTz: true });
  });
  await knex.schema.alterTable("api_tokens", (t) => {
    t.timestamp("expires_at", { useTz: true });
    t.timestamp("last_used_at", { useTz: true });
  });
  await knex.schema.createTable("auth_epochs", (t) => {
    t.text("workspace_id").primary().references("workspaces.id").onDelete("CASCADE");
    t.bigInteger("epoch").notNullable().defaultTo(0);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("auth_epochs");
  await knex.schema.alterTable("api_tokens", (t) => {
    t.dropColumn("expires_at");
    t.dropColumn("last_used_at");
  });
  await knex.schema.alterTable("users", (t) => {
    t.dropColumn("disabled_at");
    t.dropColumn("last_used_at");
  });
}
