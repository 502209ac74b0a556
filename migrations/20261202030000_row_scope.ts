import type { Knex } from "knex";

/**
 * Row scope: the regions, warehouses and channels a user may see, stored on the user, and
 * row-level security that confines every query made under the app's own role
 * (`ordersheet_app`) to the scope named by the transaction's settings. Superusers and table
 * owners bypass policies, so the stores switch to that role (`SET LOCAL ROLE`) for a scoped
 * caller's transaction.
 *
 * The role is cluster-wide while tables are per schema (tests run many schemas in one
 * cluster), so it is created only when missing and a concurrent creator is tolerated.
 */
export const APP_ROLE = "ordersheet_app";

/** Tables whose rows belong to one order, confined through the order they name. */
const ORDER_CHILD_TABLES = ["order_lines", "audit_log", "alerts", "changes"] as const;

export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable("users", (t) => {
    t.jsonb("scope");
  });

  await knex.raw(`
    DO $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${APP_ROLE}') THEN
        BEGIN
          CREATE ROLE ${APP_ROLE} NOLOGIN NOSUPERUSER NOBYPASSRLS;
        EXCEPTION WHEN duplicate_object OR unique_violation THEN
          NULL; -- created by a concurrent migration meanwhile
        END;
      END IF;
      IF NOT pg_has_role(current_user, '${APP_ROLE}', 'MEMBER') THEN
        BEGIN
          EXECUTE format('GRANT ${APP_ROLE} TO %I', current_user);
        EXCEPTION WHEN unique_violation OR duplicate_object THEN
          NULL;
        END;
      END IF;
    EXCEPTION WHEN insufficient_privilege THEN
      RAISE EXCEPTION 'the database user % may not create or join role ${APP_ROLE}', current_user
        USING HINT = 'as a superuser run: CREATE ROLE ${APP_ROLE} NOLOGIN; GRANT ${APP_ROLE} TO ' || current_user || '; then start again';
    END
    $$`);

  // The app role reads and writes every table of this schema, now and later.
  await knex.raw(`
    DO $$
    BEGIN
      EXECUTE format('GRANT USAGE ON SCHEMA %I TO ${APP_ROLE}', current_schema());
      EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA %I TO ${APP_ROLE}', current_schema());
      EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA %I TO ${APP_ROLE}', current_schema());
      EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${APP_ROLE}', current_schema());
      EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I GRANT USAGE, SELECT ON SEQUENCES TO ${APP_ROLE}', current_schema());
    END
    $$`);

  // Whether an order's (region, warehouse, channel) lies inside the transaction's scope.
  // Fails closed: without `ordersheet.scope = 'on'` nothing is visible to the app role.
  // A dimension set to '*' is unrestricted; otherwise it is a text[] literal of allowed values.
  await knex.raw(`
    CREATE FUNCTION ordersheet_in_scope(region text, warehouse text, channel text) RETURNS boolean
    LANGUAGE sql STABLE AS $fn$
      SELECT coalesce(current_setting('ordersheet.scope', true) = 'on', false)
        AND (coalesce(current_setting('ordersheet.regions', true), '') = '*' OR coalesce(region = ANY (nullif(current_setting('ordersheet.regions', true), '')::text[]), false))
        AND (coalesce(current_setting('ordersheet.warehouses', true), '') = '*' OR coalesce(warehouse = ANY (nullif(current_setting('ordersheet.warehouses', true), '')::text[]), false))
        AND (coalesce(current_setting('ordersheet.channels', true), '') = '*' OR coalesce(channel = ANY (nullif(current_setting('ordersheet.channels', true), '')::text[]), false))
    $fn$`);

  await knex.raw("ALTER TABLE orders ENABLE ROW LEVEL SECURITY");
  await knex.raw(`CREATE POLICY orders_row_scope ON orders TO ${APP_ROLE}
    USING (ordersheet_in_scope(region, warehouse, channel))
    WITH CHECK (ordersheet_in_scope(region, warehouse, channel))`);
  for (const table of ORDER_CHILD_TABLES) {
    // The subquery on orders is itself confined by the orders policy. Feed rows about no
    // order (a channel paused) carry no order data and stay visible.
    const nullable = table === "changes" ? "changes.order_id IS NULL OR " : "";
    await knex.raw(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`);
    await knex.raw(`CREATE POLICY ${table}_row_scope ON ${table} AS PERMISSIVE FOR ALL TO ${APP_ROLE}
      USING (${nullable}EXISTS (SELECT 1 FROM orders o WHERE o.workspace_id = ${table}.workspace_id AND o.id = ${table}.order_id))
      WITH CHECK (${nullable}EXISTS (SELECT 1 FROM orders o WHERE o.workspace_id = ${table}.workspace_id AND o.id = ${table}.order_id))`);
  }
}

export async function down(knex: Knex): Promise<void> {
  for (const table of ORDER_CHILD_TABLES) {
    await knex.raw(`DROP POLICY IF EXISTS ${table}_row_scope ON ${table}`);
    await knex.raw(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`);
  }
  await knex.raw("DROP POLICY IF EXISTS orders_row_scope ON orders");
  await knex.raw("ALTER TABLE orders DISABLE ROW LEVEL SECURITY");
  await knex.raw("DROP FUNCTION IF EXISTS ordersheet_in_scope(text, text, text)");
  // Privileges of this schema only; the role itself is shared by every schema of the cluster and stays.
  await knex.raw(`
    DO $$
    BEGIN
      EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON TABLES FROM ${APP_ROLE}', current_schema());
      EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA %I REVOKE ALL ON SEQUENCES FROM ${APP_ROLE}', current_schema());
      EXECUTE format('REVOKE ALL ON ALL TABLES IN SCHEMA %I FROM ${APP_ROLE}', current_schema());
      EXECUTE format('REVOKE ALL ON ALL SEQUENCES IN SCHEMA %I FROM ${APP_ROLE}', current_schema());
      EXECUTE format('REVOKE USAGE ON SCHEMA %I FROM ${APP_ROLE}', current_schema());
    END
    $$`);
  await knex.schema.alterTable("users", (t) => {
    t.dropColumn("scope");
  });
}
