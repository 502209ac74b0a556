import assert from "node:assert/strict";
import { DISTRIBUTED_TABLES, DISTRIBUTION_COLUMN, LOCAL_TABLES, REFERENCE_TABLES, citusLayoutSql } from "../../../server/db/citus.js";
import { describeEachDatabase } from "../../helpers/databases.js";

interface Constraint {
  table: string;
  kind: "p" | "u" | "f";
  columns: string[];
  refTable: string | null;
  refColumns: string[];
  def: string;
}

/**
 * Ready for Citus (issue 15, research §9): the migrated catalogue is checked against the
 * layout in `server/db/citus.ts`. A distributed table has a NOT NULL `workspace_id` in every
 * primary key and unique constraint and in every foreign key to another distributed table;
 * a reference table points at no distributed table; identity sequences are bigint; and every
 * table is placed in exactly one layout, so a new table fails here until it is.
 */
describeEachDatabase("Citus readiness of the schema", ({ db }) => {
  let tables: string[] = [];
  let constraints: Constraint[] = [];

  before(async () => {
    const knex = db().knex;
    tables = (
      await knex.raw(
        `select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = current_schema() and c.relkind in ('r', 'p') and not c.relispartition order by 1`,
      )
    ).rows.map((r: { relname: string }) => r.relname);
    const rows = (
      await knex.raw(
        `select c.conrelid::regclass::text as "table", c.contype as kind, c.confrelid::regclass::text as ref_table, pg_get_constraintdef(c.oid) as def,
                array(select a.attname from unnest(c.conkey) k join pg_attribute a on a.attrelid = c.conrelid and a.attnum = k) as columns,
                array(select a.attname from unnest(c.confkey) k join pg_attribute a on a.attrelid = c.confrelid and a.attnum = k) as ref_columns
           from pg_constraint c join pg_namespace n on n.oid = c.connamespace
          where n.nspname = current_schema() and c.contype in ('p', 'u', 'f')`,
      )
    ).rows as { table: string; kind: "p" | "u" | "f"; ref_table: string | null; def: string; columns: string[] | string; ref_columns: string[] | string | null }[];
    const list = (v: string[] | string | null): string[] => (v === null ? [] : Array.isArray(v) ? v : v.replace(/^\{|\}$/g, "").split(",").filter(Boolean));
    constraints = rows.map((r) => ({ table: r.table.replace(/^.*\./, ""), kind: r.kind, columns: list(r.columns), refTable: r.ref_table === "-" || r.ref_table === "0" ? null : r.ref_table?.replace(/^.*\./, "") ?? null, refColumns: list(r.ref_columns), def: r.def }));
  });

  it("places every table in exactly one layout", () => {
    const placed = [...DISTRIBUTED_TABLES, ...REFERENCE_TABLES, ...LOCAL_TABLES] as string[];
    assert.equal(new Set(placed).size, placed.length, "a table is placed twice");
    assert.deepEqual(tables.filter((t) => !placed.includes(t)), [], "tables not placed in server/db/citus.ts");
    assert.deepEqual(placed.filter((t) => !tables.includes(t)), [], "tables placed in server/db/citus.ts that the migrations do not create");
  });

  it("gives every distributed table a NOT NULL workspace_id inside each primary key, unique constraint and foreign key", async () => {
    const problems: string[] = [];
    const nullable = (
      await db().knex.raw(
        `select table_name, is_nullable from information_schema.columns where table_schema = current_schema() and column_name = ?`,
        [DISTRIBUTION_COLUMN],
      )
    ).rows as { table_name: string; is_nullable: string }[];
    for (const t of DISTRIBUTED_TABLES) {
      const col = nullable.find((c) => c.table_name === t);
      if (!col) problems.push(`${t} has no ${DISTRIBUTION_COLUMN}`);
      else if (col.is_nullable !== "NO") problems.push(`${t}.${DISTRIBUTION_COLUMN} may be NULL`);
      if (!constraints.some((c) => c.table === t && c.kind === "p")) problems.push(`${t} has no primary key`);
    }
    for (const c of constraints.filter((c) => (DISTRIBUTED_TABLES as readonly string[]).includes(c.table))) {
      if (c.kind !== "f" && !c.columns.includes(DISTRIBUTION_COLUMN)) problems.push(`${c.table}: ${c.def} leaves out ${DISTRIBUTION_COLUMN}`);
      if (c.kind === "f" && c.refTable && (DISTRIBUTED_TABLES as readonly string[]).includes(c.refTable)) {
        const i = c.columns.indexOf(DISTRIBUTION_COLUMN);
        if (i < 0 || c.refColumns[i] !== DISTRIBUTION_COLUMN) problems.push(`${c.table}: ${c.def} does not join on ${DISTRIBUTION_COLUMN}`);
      }
    }
    assert.deepEqual(problems, []);
  });

  it("lets no reference table point at a distributed one, and numbers rows with bigint sequences", async () => {
    const problems: string[] = [];
    for (const c of constraints.filter((c) => c.kind === "f" && (REFERENCE_TABLES as readonly string[]).includes(c.table))) {
      if (c.refTable && !(REFERENCE_TABLES as readonly string[]).includes(c.refTable)) problems.push(`${c.table}: ${c.def} points at ${c.refTable}`);
    }
    const serials = (
      await db().knex.raw(
        `select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type
           from pg_attribute a join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
           join pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
          where n.nspname = current_schema() and c.relkind in ('r', 'p') and pg_get_expr(d.adbin, d.adrelid) like 'nextval(%'`,
      )
    ).rows as { table: string; column: string; type: string }[];
    assert.ok(serials.some((s) => s.table === "audit_log"), "the check sees the sequences");
    for (const s of serials) if (s.type !== "bigint" && !(LOCAL_TABLES as readonly string[]).includes(s.table)) problems.push(`${s.table}.${s.column} is ${s.type}`);
    assert.deepEqual(problems, []);
  });

  it("prints the layout statements: reference tables first, the rest co-located with orders", () => {
    const sql = citusLayoutSql();
    assert.equal(sql.length, REFERENCE_TABLES.length + DISTRIBUTED_TABLES.length);
    assert.ok(sql.indexOf("SELECT create_reference_table('workspaces');") < sql.indexOf("SELECT create_distributed_table('orders', 'workspace_id');"));
    assert.ok(sql.includes("SELECT create_distributed_table('audit_log', 'workspace_id', colocate_with => 'orders');"));
  });
});
