import type { Knex } from "knex";

/**
 * `fact_disputes` keyed by (workspace_id, id) instead of id alone, so the table can be
 * distributed by workspace on Citus like every table that grows with the orders (its
 * migration 20261205010000 had landed with the id alone as the key).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE fact_disputes DROP CONSTRAINT fact_disputes_pkey");
  await knex.raw("ALTER TABLE fact_disputes ADD CONSTRAINT fact_disputes_pkey PRIMARY KEY (workspace_id, id)");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE fact_disputes DROP CONSTRAINT fact_disputes_pkey");
  await knex.raw("ALTER TABLE fact_disputes ADD CONSTRAINT fact_disputes_pkey PRIMARY KEY (id)");
}
