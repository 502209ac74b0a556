import type { Knex } from "knex";

/**
 * Column permissions per role as data: one access policy per workspace (which columns each
 * role may edit, whether it sees personal data unmasked, whether it may export). A workspace
 * without a row runs on the defaults in `server/contracts/access.ts`. Orders gain the
 * customer's address, personal data masked like name and phone.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("access_policies", (t) => {
    t.text("workspace_id").notNullable().primary().references("workspaces.id").onDelete("CASCADE");
    t.jsonb("policy").notNullable();
    t.text("updated_by").notNullable();
    t.timestamp("updated_at", { useTz: true }).notNullable();
  });
  if (!(await knex.schema.hasColumn("orders", "customer_address"))) {
    await knex.schema.alterTable("orders", (t) => {
      t.text("customer_address");
    });
  }
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("access_policies");
  if (await knex.schema.hasColumn("orders", "customer_address")) {
    await knex.schema.alterTable("orders", (t) => {
      t.dropColumn("customer_address");
    });
  }
}
