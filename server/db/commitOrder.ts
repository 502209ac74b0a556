import type { Knex } from "knex";

/**
 * The per-workspace transaction lock held from a writer's first sequence-numbered row (an
 * audit entry, a feed row) to its commit, so that within a workspace those sequences are
 * handed out in commit order: a reader that sees entry N has seen every entry below it, and
 * the routine audit check can move its checkpoint to the highest entry it saw. Writers take
 * it after their other writes, just before these rows, so a holder never waits on another
 * writer's row locks. Re-entrant within a transaction.
 */
export async function lockCommitOrder(trx: Knex.Transaction, workspaceId: string): Promise<void> {
  await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`ordersheet.changes:${workspaceId}`]);
}
