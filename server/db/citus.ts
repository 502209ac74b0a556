/**
 * How each table lays out on a Citus cluster once one machine is outgrown: the tables that
 * grow with the orders are distributed by `workspace_id` and co-located, so every query of
 * one workspace runs on one node; the small directory tables every request reads by token
 * or workspace are reference tables (a copy on every node); the migration bookkeeping and
 * the refused-input store (which may hold input from no known workspace) stay on the
 * coordinator. `test/server/db/citusReadiness.test.ts` fails when a table is missing here or
 * breaks its layout's rules, so a new table must be placed on purpose.
 */
export const DISTRIBUTED_TABLES = [
  "orders",
  "order_lines",
  "order_id_counters",
  "events_inbox",
  "audit_log",
  "audit_digests",
  "audit_tallies",
  "audit_checkpoints",
  "audit_check_runs",
  "audit_months",
  "audit_archived_heads",
  "changes",
  "alerts",
  "tasks",
  "timer_firings",
  "timer_alert_sweeps",
  "conflicts",
  "channel_pauses",
  "job_slots",
  "sensitive_operations",
  "connector_instances",
  "connector_status_maps",
  "connector_unmapped",
  "connector_webhooks",
  "connector_filtered",
  "fact_precedence",
  "fact_disputes",
  "filedrop_files",
  "notify_targets",
  "notify_routes",
  "notify_seen",
  "notify_outbox",
  "notify_deliveries",
  "feed_horizons",
] as const;

/** Small tables read by token or by workspace on every request: replicated to every node. */
export const REFERENCE_TABLES = ["workspaces", "users", "api_tokens", "auth_epochs", "access_policies", "workflow_versions"] as const;

/** Tables that stay on the coordinator. */
export const LOCAL_TABLES = ["knex_migrations", "knex_migrations_lock", "rejected_inputs"] as const;

/** The distribution column. */
export const DISTRIBUTION_COLUMN = "workspace_id";

/**
 * The statements that lay out a migrated database on a Citus coordinator (run once, after
 * `npm run migrate`, with the worker nodes added): reference tables first, then the
 * distributed ones co-located with `orders`.
 */
export function citusLayoutSql(): string[] {
  return [
    ...REFERENCE_TABLES.map((t) => `SELECT create_reference_table('${t}');`),
    `SELECT create_distributed_table('orders', '${DISTRIBUTION_COLUMN}');`,
    ...DISTRIBUTED_TABLES.filter((t) => t !== "orders").map((t) => `SELECT create_distributed_table('${t}', '${DISTRIBUTION_COLUMN}', colocate_with => 'orders');`),
  ];
}
