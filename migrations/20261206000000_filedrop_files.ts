import type { Knex } from "knex";

/**
 * File drop (issue 10): every file uploaded to a file-drop connector, kept with its bytes —
 * the imported ones for the record, the refused ones (a row that cannot be read) for admins
 * to see and fix — with the problems found, by line.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("filedrop_files", (t) => {
    t.text("workspace_id").notNullable();
    t.text("id").notNullable();
    t.text("connector_id").notNullable();
    t.text("name").notNullable();
    t.text("media_type").notNullable();
    t.integer("size").notNullable();
    t.text("sha256").notNullable();
    t.binary("content").notNullable();
    /** imported | refused */
    t.text("outcome").notNullable();
    t.jsonb("problems").notNullable().defaultTo("[]");
    t.jsonb("counts").notNullable().defaultTo("{}");
    t.text("uploaded_by").notNullable();
    t.timestamp("uploaded_at", { useTz: true }).notNullable();
    t.primary(["workspace_id", "id"]);
    t.index(["workspace_id", "connector_id", "uploaded_at"]);
    t.foreign(["workspace_id", "connector_id"]).references(["workspace_id", "id"]).inTable("connector_instances").onDelete("CASCADE");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("filedrop_files");
}
