import type { Knex } from "knex";

/**
 * What an order desk needs (issue 11): alerts keep their text in both languages (`messages`,
 * `{ "zh-CN", en }`; null for alerts raised before, which then show `message` in both), and
 * finding an order by platform order ID, waybill number or receiver phone (`GET /api/orders?q=`)
 * is one index probe each instead of a walk over the workspace's orders. (`mine=1` reads the
 * audit log per order through its existing `(workspace_id, order_id, seq)` index: no index on
 * the audit log's actor, which would tax every write.)
 */
export async function up(knex: Knex): Promise<void> {
  await knex.raw("ALTER TABLE alerts ADD COLUMN messages jsonb");
  await knex.raw("CREATE INDEX orders_external_order_id ON orders (workspace_id, external_order_id)");
  await knex.raw("CREATE INDEX orders_waybill_no ON orders (workspace_id, waybill_no) WHERE waybill_no IS NOT NULL");
  await knex.raw("CREATE INDEX orders_customer_phone ON orders (workspace_id, customer_phone) WHERE customer_phone IS NOT NULL");
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw("DROP INDEX IF EXISTS orders_customer_phone");
  await knex.raw("DROP INDEX IF EXISTS orders_waybill_no");
  await knex.raw("DROP INDEX IF EXISTS orders_external_order_id");
  await knex.raw("ALTER TABLE alerts DROP COLUMN IF EXISTS messages");
}
