import type { Knex } from "knex";

/**
 * Shadow mode, part 1 (issue 12 §1): bringing in the sheet a team already keeps.
 * - `legacy_mappings`: the column mapping a person confirmed for a workbook, keyed by the
 *   workspace and the fingerprint of the workbook's header row (so the same sheet layout
 *   gets the same mapping back on every later upload);
 * - `legacy_status_phrases`: the team's own status phrases (phrase → workflow state),
 *   laid over the shipped phrase table;
 * - `legacy_import_runs` and `legacy_import_rows`: every dry run and import with each row's
 *   outcome and reason, for admins; a run that failed keeps the uploaded bytes.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("legacy_mappings", (t) => {
    t.text("workspace_id").notNullable();
    t.text("fingerprint").notNullable();
    t.text("sheet").notNullable();
    t.integer("header_row").notNullable();
    /** Header text → order field (or null: not imported). */
    t.jsonb("mapping").notNullable();
    t.text("confirmed_by").notNullable();
    t.timestamp("confirmed_at", { useTz: true }).notNullable();
    t.primary(["workspace_id", "fingerprint"]);
  });

  await knex.schema.createTable("legacy_status_phrases", (t) => {
    t.text("workspace_id").notNullable();
    /** The phrase as compared (case, width, spaces and punctuation folded). */
    t.text("phrase_key").notNullable();
    t.text("phrase").notNullable();
    t.text("state").notNullable();
    t.text("created_by").notNullable();
    t.timestamp("created_at", { useTz: true }).notNullable();
    t.primary(["workspace_id", "phrase_key"]);
  });

  await knex.schema.createTable("legacy_import_runs", (t) => {
    t.text("workspace_id").notNullable();
    t.text("id").notNullable();
    /** Order of recording (newest first in lists, also when clocks agree). */
    t.bigIncrements("seq", { primaryKey: false });
    t.timestamp("at", { useTz: true }).notNullable();
    t.text("actor").notNullable();
    t.boolean("dry_run").notNullable();
    /** `planned` (a dry run), `imported`, `failed` (the file could not be read or the import stopped). */
    t.text("outcome").notNullable();
    t.text("media_type").notNullable();
    t.text("sheet");
    t.text("fingerprint");
    t.integer("header_row");
    t.integer("bytes").notNullable();
    t.jsonb("counts").notNullable().defaultTo("{}");
    t.jsonb("mapping");
    t.text("error");
    /** The uploaded file, kept only when the run failed (for an admin to look at). */
    t.binary("upload");
    t.primary(["workspace_id", "id"]);
    t.index(["workspace_id", "seq"]);
  });

  await knex.schema.createTable("legacy_import_rows", (t) => {
    t.text("workspace_id").notNullable();
    t.text("run_id").notNullable();
    t.integer("row").notNullable();
    t.text("outcome").notNullable();
    t.text("code").notNullable();
    t.text("reason").notNullable();
    t.text("reason_zh").notNullable();
    t.text("order_id");
    /** The order draft, notes and suggestions as planned. */
    t.jsonb("detail").notNullable().defaultTo("{}");
    t.primary(["workspace_id", "run_id", "row"]);
    t.foreign(["workspace_id", "run_id"]).references(["workspace_id", "id"]).inTable("legacy_import_runs").onDelete("CASCADE");
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTableIfExists("legacy_import_rows");
  await knex.schema.dropTableIfExists("legacy_import_runs");
  await knex.schema.dropTableIfExists("legacy_status_phrases");
  await knex.schema.dropTableIfExists("legacy_mappings");
}
