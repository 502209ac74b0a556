import type { Knex } from "knex";

/**
 * A running tally of audit entries and chains per workspace, kept by the database itself:
 * a statement trigger on `audit_log` adds what each INSERT wrote, in the inserting
 * transaction. Verification compares the tally with the entries and chains it finds, so a
 * chain deleted together with its order row is caught at once, without waiting for a
 * digest. The tally is split over 16 slot rows (by transaction id) so concurrent writers
 * of one workspace do not queue on one row; its rows may only grow: lowering a count,
 * deleting or truncating is refused like a change to the audit log itself.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable("audit_tallies", (t) => {
    t.text("workspace_id").notNullable();
    t.smallint("slot").notNullable();
    t.bigInteger("entries").notNullable().defaultTo(0);
    t.bigInteger("chains").notNullable().defaultTo(0);
    t.primary(["workspace_id", "slot"]);
  });
  await knex.raw(`
    CREATE FUNCTION audit_tally_add() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO audit_tallies AS t (workspace_id, slot, entries, chains)
      SELECT n.workspace_id, (txid_current() % 16)::smallint, count(*), count(*) FILTER (WHERE n.prev_hash IS NULL)
      FROM audit_tally_new n GROUP BY n.workspace_id
      ON CONFLICT (workspace_id, slot) DO UPDATE
        SET entries = t.entries + excluded.entries, chains = t.chains + excluded.chains;
      RETURN NULL;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER audit_log_tally AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS audit_tally_new
    FOR EACH STATEMENT EXECUTE FUNCTION audit_tally_add()`);
  await knex.raw(`
    CREATE FUNCTION audit_tally_only_grows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.workspace_id = OLD.workspace_id AND NEW.slot = OLD.slot
         AND NEW.entries >= OLD.entries AND NEW.chains >= OLD.chains THEN
        RETURN NEW;
      END IF;
      RAISE EXCEPTION '% only grows: % refused', TG_TABLE_NAME, TG_OP;
    END $$`);
  await knex.raw(`
    CREATE TRIGGER audit_tallies_only_grow BEFORE UPDATE OR DELETE ON audit_tallies
    FOR EACH ROW EXECUTE FUNCTION audit_tally_only_grows()`);
  await knex.raw(`
    CREATE TRIGGER audit_tallies_no_truncate BEFORE TRUNCATE ON audit_tallies
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()`);
  // What was written before the tally existed.
  await knex.raw(`
    INSERT INTO audit_tallies (workspace_id, slot, entries, chains)
    SELECT workspace_id, 0, count(*), count(*) FILTER (WHERE prev_hash IS NULL) FROM audit_log GROUP BY workspace_id`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DROP TRIGGER IF EXISTS audit_log_tally ON audit_log");
  await knex.schema.dropTableIfExists("audit_tallies");
  await knex.raw("DROP FUNCTION IF EXISTS audit_tally_add()");
  await knex.raw("DROP FUNCTION IF EXISTS audit_tally_only_grows()");
}
