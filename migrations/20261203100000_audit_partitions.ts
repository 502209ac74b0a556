import type { Knex } from "knex";
import { convertToMonthlyPartitions, listMonthlyPartitions, defaultPartitionName } from "../server/db/partitions.js";

/**
 * Audit verification that scales (issue 15, part 2). `audit_log` becomes partitioned by UTC
 * month on `at` (plus a default partition), so a past month that a full check verified can
 * be sealed and later detached as a whole; its primary key gains `at`, as a partitioned
 * table's keys must. Its indexes, append-only triggers, the tally trigger and the row-scope
 * policy are recreated on the partitioned parent (row triggers reach every partition; the
 * TRUNCATE guard, a statement trigger, is put on each partition too).
 *
 * Beside it: digests that cover only the chains changed since the previous digest and name
 * it (`from_seq`, `prev_digest`); a checkpoint per workspace (verified up to which entry,
 * which digest); full-check runs whose progress survives a restart; the months sealed or
 * archived; and the chain heads of archived months, so later entries still link.
 */
const APP_ROLE = "ordersheet_app";

/** Indexes, triggers and the row-scope policy of `audit_log`, whichever its layout. */
async function auditLogObjects(knex: Knex): Promise<void> {
  await knex.raw("CREATE INDEX audit_log_workspace_id_order_id_seq_index ON audit_log (workspace_id, order_id, seq)");
  await knex.raw("CREATE INDEX audit_log_status_changes ON audit_log (workspace_id, order_id, at) WHERE field = 'status'");
  await knex.raw(`CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
  await knex.raw(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  await knex.raw(`CREATE TRIGGER audit_log_tally AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS audit_tally_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_tally_add()`);
  await knex.raw("ALTER TABLE audit_log ENABLE ROW LEVEL SECURITY");
  const check = "EXISTS (SELECT 1 FROM orders o WHERE o.workspace_id = audit_log.workspace_id AND o.id = audit_log.order_id)";
  await knex.raw(`CREATE POLICY audit_log_row_scope ON audit_log AS PERMISSIVE FOR ALL TO ${APP_ROLE} USING (${check}) WITH CHECK (${check})`);
  await knex.raw(`GRANT SELECT, INSERT, UPDATE, DELETE ON audit_log TO ${APP_ROLE}`);
}

export async function up(knex: Knex): Promise<void> {
  await convertToMonthlyPartitions(knex, { table: "audit_log", column: "at", primaryKey: ["workspace_id", "seq", "at"], now: new Date(), monthsAhead: 3 });
  await auditLogObjects(knex);
  for (const p of [...(await listMonthlyPartitions(knex, "audit_log")).map((x) => x.name), defaultPartitionName("audit_log")]) {
    await knex.raw(`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON ${p} FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  }

  await knex.schema.alterTable("audit_digests", (t) => {
    t.bigInteger("from_seq").comment("entries after this seq (exclusive) are covered; null: a digest over every chain head (before 2026-12-03)");
    t.text("prev_digest").comment("the previous digest of the workspace, so a removed digest breaks the chain of digests");
    t.bigInteger("total_entries");
    t.bigInteger("total_chains");
  });

  await knex.schema.createTable("audit_checkpoints", (t) => {
    t.text("workspace_id").notNullable().primary();
    t.bigInteger("upto_seq").notNullable();
    t.bigInteger("entries").notNullable();
    t.bigInteger("chains").notNullable();
    t.bigInteger("digest_id");
    t.text("digest");
    t.integer("digests_checked").notNullable().defaultTo(0);
    t.bigInteger("last_from_seq").notNullable().defaultTo(0);
    t.bigInteger("last_entries_read").notNullable().defaultTo(0);
    t.text("last_mode").notNullable().defaultTo("routine");
    t.timestamp("verified_at", { useTz: true }).notNullable();
  });

  await knex.schema.createTable("audit_check_runs", (t) => {
    t.bigIncrements("id");
    t.text("workspace_id").notNullable();
    t.text("status").notNullable();
    t.text("phase").notNullable();
    t.bigInteger("upto_seq").notNullable();
    t.bigInteger("total").notNullable();
    t.bigInteger("done").notNullable().defaultTo(0);
    t.integer("pages").notNullable().defaultTo(0);
    t.jsonb("months").notNullable();
    t.integer("month_index").notNullable().defaultTo(0);
    t.text("cursor_order");
    t.bigInteger("cursor_seq");
    t.bigInteger("chains").notNullable().defaultTo(0);
    t.jsonb("first_broken");
    t.jsonb("result");
    t.timestamp("started_at", { useTz: true }).notNullable();
    t.timestamp("finished_at", { useTz: true });
    t.timestamp("heartbeat_at", { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(["workspace_id", "id"]);
  });

  await knex.schema.createTable("audit_months", (t) => {
    t.text("workspace_id").notNullable();
    t.text("month").notNullable().comment("YYYY-MM, UTC");
    t.text("state").notNullable().comment("sealed | archived | restored");
    t.bigInteger("entries").notNullable();
    t.bigInteger("chains").notNullable();
    t.bigInteger("first_seq");
    t.bigInteger("last_seq");
    t.bigInteger("sealed_by_run");
    t.timestamp("sealed_at", { useTz: true }).notNullable();
    t.timestamp("archived_at", { useTz: true });
    t.text("partition");
    t.primary(["workspace_id", "month"]);
  });

  await knex.schema.createTable("audit_archived_heads", (t) => {
    t.text("workspace_id").notNullable();
    t.text("month").notNullable();
    t.text("order_id").notNullable();
    t.bigInteger("seq").notNullable();
    t.text("hash").notNullable();
    t.boolean("chain_start").notNullable().comment("the month holds the chain's first entry");
    t.primary(["workspace_id", "order_id", "seq"]);
    t.index(["workspace_id", "month"]);
  });
  await knex.raw(`CREATE TRIGGER audit_archived_heads_no_update_delete BEFORE UPDATE OR DELETE ON audit_archived_heads
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()`);
}

export async function down(knex: Knex): Promise<void> {
  for (const t of ["audit_archived_heads", "audit_months", "audit_check_runs", "audit_checkpoints"]) await knex.schema.dropTableIfExists(t);
  await knex.schema.alterTable("audit_digests", (t) => {
    t.dropColumn("from_seq");
    t.dropColumn("prev_digest");
    t.dropColumn("total_entries");
    t.dropColumn("total_chains");
  });
  // Back to one ordinary table, rows kept, the sequence moved over.
  await knex.raw("ALTER TABLE audit_log RENAME TO audit_log_partitioned");
  await knex.raw("ALTER TABLE audit_log_partitioned RENAME CONSTRAINT audit_log_pkey TO audit_log_partitioned_pkey");
  await knex.raw("ALTER INDEX audit_log_workspace_id_order_id_seq_index RENAME TO audit_log_partitioned_order_seq");
  await knex.raw("ALTER INDEX audit_log_status_changes RENAME TO audit_log_partitioned_status_changes");
  await knex.raw("CREATE TABLE audit_log (LIKE audit_log_partitioned INCLUDING DEFAULTS INCLUDING CONSTRAINTS)");
  await knex.raw("ALTER TABLE audit_log ADD CONSTRAINT audit_log_pkey PRIMARY KEY (workspace_id, seq)");
  await knex.raw("INSERT INTO audit_log SELECT * FROM audit_log_partitioned");
  const seq = await knex.raw("select pg_get_serial_sequence('audit_log_partitioned', 'seq') as s");
  if (seq.rows[0]?.s) await knex.raw(`ALTER SEQUENCE ${seq.rows[0].s} OWNED BY audit_log.seq`);
  await knex.raw("DROP TABLE audit_log_partitioned CASCADE");
  await auditLogObjects(knex);
}
