import type { Knex } from "knex";

/** An inbox key inside one workspace: who sent the event and its ID there. */
export interface InboxKey {
  source: string;
  sourceEventId: string;
}

/** `source` and `sourceEventId` joined into one map key. */
export function inboxKeyOf(k: InboxKey): string {
  return `${k.source}\u0000${k.sourceEventId}`;
}

/** Inbox rows at most one statement looks up at once. */
const LOOKUP_CHUNK = 5000;

/**
 * Keeps each inbox key once across the inbox's monthly partitions. A unique index on a
 * partitioned table must include the partition key (`received_at`), so the database can no
 * longer refuse a second row for (workspace, source, source_event_id) by itself; instead
 * every writer of new inbox rows first takes a transaction-level advisory lock per key,
 * then looks the keys up, then inserts the ones not found — all in one transaction. A
 * concurrent writer of the same key waits on the lock until the first commits, and then
 * finds its row. Locks are taken in one statement, in hash order, so two batches sharing
 * keys wait on each other instead of deadlocking. The two-key form keeps these locks apart
 * from the single-key advisory locks used elsewhere (a hash collision only makes two keys
 * share a lock, never loses one).
 */
export async function lockInboxKeys(trx: Knex.Transaction, workspaceId: string, keys: readonly InboxKey[]): Promise<void> {
  if (keys.length === 0) return;
  await trx.raw(
    `select count(pg_advisory_xact_lock(hashtext('ordersheet.inbox'), h)) as n
       from (select distinct hashtext(? || '/' || k.source || '/' || k.source_event_id) as h
               from unnest(?::text[], ?::text[]) as k(source, source_event_id)
              order by h) s`,
    [workspaceId, keys.map((k) => k.source), keys.map((k) => k.sourceEventId)],
  );
}

/** An inbox row as a later delivery finds it. */
export interface InboxRow {
  id: number;
  receivedAt: string;
  outcome: string;
  result: Record<string, any>;
  orderId: string | null;
}

/**
 * The inbox rows of these keys, by `inboxKeyOf`, looked up in one statement per few thousand
 * keys over every partition kept (the dedupe window is the inbox retention). With `lock`,
 * the rows stay locked until commit. Should a key ever have two rows, the newest answers.
 */
export async function findInboxRows(trx: Knex.Transaction | Knex, workspaceId: string, keys: readonly InboxKey[], lock = false): Promise<Map<string, InboxRow>> {
  const out = new Map<string, InboxRow>();
  for (let i = 0; i < keys.length; i += LOOKUP_CHUNK) {
    // Sorted, so the probes walk each partition's key index in order.
    const slice = keys.slice(i, i + LOOKUP_CHUNK).map((k) => [k.source, k.sourceEventId] as const).sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0));
    // One index probe per key and partition, forced: as a plain join, a batch of a thousand
    // keys made the planner hash the whole inbox (every month, read sequentially) — 0.8 s a
    // batch at 50,000 orders of history, growing with it. The lateral subquery with
    // `offset 0` cannot be flattened into a join, so it stays a nested loop over the keys.
    const rows = await trx.raw(
      `select e.id, e.received_at, e.source, e.source_event_id, e.outcome, e.result, e.order_id
         from unnest(?::text[], ?::text[]) as k(source, source_event_id)
         cross join lateral (
           select i.id, i.received_at, i.source, i.source_event_id, i.outcome, i.result, i.order_id
             from events_inbox i
            where i.workspace_id = ? and i.source = k.source and i.source_event_id = k.source_event_id
           offset 0 ${lock ? "for update" : ""}
         ) e`,
      [slice.map((k) => k[0]), slice.map((k) => k[1]), workspaceId],
    );
    for (const r of rows.rows) {
      const key = `${r.source}\u0000${r.source_event_id}`;
      if ((out.get(key)?.id ?? -1) > Number(r.id)) continue;
      out.set(key, {
        id: Number(r.id),
        receivedAt: new Date(r.received_at).toISOString(),
        outcome: r.outcome,
        result: r.result ?? {},
        orderId: r.order_id ?? null,
      });
    }
  }
  return out;
}
