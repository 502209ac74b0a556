import type { Knex } from "knex";

/** A column of a bulk write: its name and PostgreSQL type. */
export type ColumnSpec = readonly [name: string, type: string];

/**
 * Inserts many rows with one parameter: the rows travel as a JSON array and are expanded
 * by `jsonb_to_recordset`. Far cheaper to build and parse than thousands of bound values.
 * jsonb columns take plain objects/arrays (not pre-stringified). `suffix` is appended
 * verbatim (ON CONFLICT …, RETURNING …).
 */
export async function bulkInsert(
  trx: Knex.Transaction | Knex,
  table: string,
  columns: readonly ColumnSpec[],
  rows: readonly Record<string, unknown>[],
  suffix = "",
): Promise<Record<string, any>[]> {
  if (rows.length === 0) return [];
  return bulkInsertJson(trx, table, columns, JSON.stringify(rows), suffix);
}

/** {@link bulkInsert} with the rows already encoded as a JSON array (so callers can encode ahead). */
export async function bulkInsertJson(
  trx: Knex.Transaction | Knex,
  table: string,
  columns: readonly ColumnSpec[],
  json: string,
  suffix = "",
): Promise<Record<string, any>[]> {
  if (json === "[]") return [];
  const names = columns.map(([n]) => n).join(", ");
  const types = columns.map(([n, t]) => `${n} ${t}`).join(", ");
  const result = await trx.raw(`insert into ${table} (${names}) select ${names} from jsonb_to_recordset(?::jsonb) as x(${types}) ${suffix}`, [json]);
  return (result.rows ?? []) as Record<string, any>[];
}

/**
 * Updates many rows, matched on `keys`, from one JSON array parameter (like
 * {@link bulkInsert}); every non-key column in `columns` is set from the row.
 */
export async function bulkUpdateJson(trx: Knex.Transaction | Knex, table: string, keys: readonly string[], columns: readonly ColumnSpec[], json: string): Promise<number> {
  if (json === "[]") return 0;
  const types = columns.map(([n, t]) => `${n} ${t}`).join(", ");
  const set = columns.filter(([n]) => !keys.includes(n)).map(([n]) => `${n} = x.${n}`).join(", ");
  const where = keys.map((k) => `t.${k} = x.${k}`).join(" and ");
  const result = await trx.raw(`update ${table} as t set ${set} from jsonb_to_recordset(?::jsonb) as x(${types}) where ${where}`, [json]);
  return Number(result.rowCount ?? 0);
}

/**
 * Resolves once queries already started on a connection have been handed to the driver,
 * so the caller can do CPU work while the database executes them.
 */
export function whileQueued(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Column specs of `orders`, in write order. */
export const ORDER_WRITE_COLUMNS: readonly ColumnSpec[] = [
  ["workspace_id", "text"], ["id", "text"], ["channel", "text"], ["external_order_id", "text"], ["status", "text"],
  ["workflow_version", "int"], ["version", "int"], ["customer_id", "text"], ["customer_name", "text"],
  ["customer_phone", "text"], ["total_amount", "bigint"], ["currency", "text"], ["region", "text"],
  ["warehouse", "text"], ["carrier", "text"], ["waybill_no", "text"], ["tags", "jsonb"], ["extra", "jsonb"],
  ["placed_at", "timestamptz"], ["paid_at", "timestamptz"], ["outbound_at", "timestamptz"], ["promised_at", "timestamptz"],
  ["status_since", "timestamptz"], ["created_at", "timestamptz"], ["updated_at", "timestamptz"], ["audit_head", "text"],
  ["customer_address", "text"],
];

/** Column specs of `order_lines`. */
export const LINE_WRITE_COLUMNS: readonly ColumnSpec[] = [
  ["workspace_id", "text"], ["order_id", "text"], ["line_no", "int"], ["sku", "text"], ["name", "text"],
  ["quantity", "int"], ["unit_price", "bigint"], ["amount", "bigint"], ["flags", "jsonb"],
];
