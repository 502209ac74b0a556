import type { Knex } from "knex";

/**
 * The sensitive-operation log: exports, workflow publishes, rule and connector changes,
 * unmasked reads of personal data, token and user changes — who, from where, when, what.
 * Append-only, enforced by the database like the audit log.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("sensitive_operations", (t) => {
    t.bigIncrements("seq").primary();
    t.text("workspace_id").notNullable();
    t.timestamp("at", { useTz: true }).notNullable();
    t.text("actor").notNullable();
    t.text("token_id");
    t.text("ip");
    t.text("user_agent");
    t.text("action").notNullable();
    t.text("target").notNullable();
    t.jsonb("detail").notNullable().defaultTo("{}");
    t.index(["workspace_id", "seq"]);
  });
  await knex.raw(`
    CREATE TRIGGER sensitive_operations_no_update_delete BEFORE UPDATE OR DELETE ON sensitive_operations
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
  await knex.raw(`
    CREATE TRIGGER sensitive_operations_no_truncate BEFORE TRUNCATE ON sensitive_operations
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("sensitive_operations");
}
