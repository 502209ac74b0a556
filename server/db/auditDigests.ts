import type { Knex } from "knex";
import { chainDigest, digestHeads, type ChainHead } from "../domain/audit/hashChain.js";
import { reasons, type Findings } from "../domain/audit/findings.js";

type Db = Knex | Knex.Transaction;

/** A stored digest row. */
export type DigestRow = Record<string, any> & { id: string | number; upto_seq: string | number; digest: string };

/** What `writeDigest` wrote. */
export interface WrittenDigest {
  uptoSeq: string;
  chains: number;
  digest: string;
}

/** The head (last entry up to `uptoSeq`) of each chain with an entry in (fromSeq, uptoSeq]: a range read on (workspace_id, seq). */
export async function rangeHeads(db: Db, workspaceId: string, fromSeq: string, uptoSeq: string): Promise<ChainHead[]> {
  const rows = await db.raw(
    `select distinct on (order_id) order_id, hash, seq from audit_log
     where workspace_id = ? and seq > ? and seq <= ? order by order_id, seq desc`,
    [workspaceId, fromSeq, uptoSeq],
  );
  return (rows.rows as { order_id: string; hash: string; seq: string | number }[]).map((r) => ({ orderId: r.order_id, hash: r.hash, seq: Number(r.seq) }));
}

/** Entries and chain starts in (fromSeq, uptoSeq], those of archived months inside the range included (as recorded when archived). */
async function rangeCounts(db: Db, workspaceId: string, fromSeq: string, uptoSeq: string): Promise<{ entries: number; starts: number }> {
  const r = await db.raw(
    `select (select count(*) from audit_log where workspace_id = ? and seq > ? and seq <= ?) as entries,
            (select count(*) from audit_log where workspace_id = ? and seq > ? and seq <= ? and prev_hash is null) as starts,
            (select coalesce(sum(entries), 0) from audit_months where workspace_id = ? and state = 'archived' and first_seq > ? and last_seq <= ?) as archived_entries,
            (select coalesce(sum(chains), 0) from audit_months where workspace_id = ? and state = 'archived' and first_seq > ? and last_seq <= ?) as archived_starts`,
    [workspaceId, fromSeq, uptoSeq, workspaceId, fromSeq, uptoSeq, workspaceId, fromSeq, uptoSeq, workspaceId, fromSeq, uptoSeq],
  );
  const row = r.rows[0];
  return { entries: Number(row.entries) + Number(row.archived_entries), starts: Number(row.starts) + Number(row.archived_starts) };
}

/** Digests written before digests were incremental cover every chain head up to their position. */
async function allHeadsUpTo(db: Db, workspaceId: string, uptoSeq: string): Promise<ChainHead[]> {
  return rangeHeads(db, workspaceId, "0", uptoSeq);
}

/**
 * Writes the workspace's next digest: the heads of the chains changed since the previous
 * digest, chained to it. Null when nothing was written since (or ever). One writer at a
 * time per workspace (a transaction-level advisory lock).
 */
export async function writeDigest(knex: Knex, workspaceId: string, now: Date): Promise<WrittenDigest | null> {
  return knex.transaction(async (trx) => {
    await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`audit-digest:${workspaceId}`]);
    const last = (await trx("audit_digests").where("workspace_id", workspaceId).orderBy("id", "desc").first()) as DigestRow | undefined;
    const fromSeq = last ? String(last.upto_seq) : "0";
    const top = await trx("audit_log").where("workspace_id", workspaceId).andWhere("seq", ">", fromSeq).max({ seq: "seq" }).first();
    if (!top || top.seq === null || top.seq === undefined) return null;
    const uptoSeq = String(top.seq);
    let base = { entries: 0, chains: 0 };
    if (last && last.total_entries !== null && last.total_entries !== undefined) base = { entries: Number(last.total_entries), chains: Number(last.total_chains) };
    else if (last) {
      // The previous digest predates running totals: count once what it covered.
      const c = await rangeCounts(trx, workspaceId, "0", fromSeq);
      base = { entries: c.entries, chains: c.starts };
    }
    const heads = await rangeHeads(trx, workspaceId, fromSeq, uptoSeq);
    const counts = await rangeCounts(trx, workspaceId, fromSeq, uptoSeq);
    const totals = { entries: base.entries + counts.entries, chains: base.chains + counts.starts };
    const prev = last?.digest ?? null;
    const digest = chainDigest(prev, { fromSeq, uptoSeq, totalEntries: totals.entries, totalChains: totals.chains }, heads);
    await trx("audit_digests").insert({
      workspace_id: workspaceId, at: now.toISOString(), from_seq: fromSeq, upto_seq: uptoSeq, chains: heads.length, digest, prev_digest: prev,
      total_entries: totals.entries, total_chains: totals.chains,
    });
    return { uptoSeq, chains: heads.length, digest };
  });
}

/** Seq spans of archived months: a digest over one of them can only be checked for its place in the chain of digests. */
export async function archivedSpans(db: Db, workspaceId: string): Promise<[bigint, bigint][]> {
  const rows = await db("audit_months").where({ workspace_id: workspaceId, state: "archived" }).whereNotNull("first_seq").select("first_seq", "last_seq");
  return rows.map((r) => [BigInt(r.first_seq), BigInt(r.last_seq)]);
}

/**
 * Checks digests in order, each after `before` (the digest preceding the first, or null
 * when they start at the beginning): its place in the chain of digests, and the heads and
 * totals recomputed over its range only. Notes what no longer matches.
 */
export async function checkDigests(db: Db, workspaceId: string, before: DigestRow | null, digests: DigestRow[], findings: Findings): Promise<void> {
  const spans = digests.length ? await archivedSpans(db, workspaceId) : [];
  let prev = before;
  for (const d of digests) {
    const at = new Date(d.at).toISOString();
    if (d.from_seq === null || d.from_seq === undefined) {
      // Written before digests were incremental: every head up to its position.
      const heads = await allHeadsUpTo(db, workspaceId, String(d.upto_seq));
      if (!spans.length && digestHeads(heads) !== d.digest) findings.note(null, null, reasons.digestMismatch(at, Number(d.chains), Math.max(0, Number(d.chains) - heads.length)));
      prev = d;
      continue;
    }
    const expectedFrom = prev ? String(prev.upto_seq) : "0";
    if ((d.prev_digest ?? null) !== (prev?.digest ?? null) || String(d.from_seq) !== expectedFrom) {
      findings.note(null, null, reasons.digestUnlinked(at));
    }
    const from = BigInt(d.from_seq);
    const upto = BigInt(d.upto_seq);
    const overArchive = spans.some(([a, b]) => a <= upto && b > from);
    if (!overArchive) {
      const heads = await rangeHeads(db, workspaceId, String(d.from_seq), String(d.upto_seq));
      const recomputed = chainDigest(d.prev_digest ?? null, { fromSeq: String(d.from_seq), uptoSeq: String(d.upto_seq), totalEntries: Number(d.total_entries), totalChains: Number(d.total_chains) }, heads);
      let countsHold = true;
      const base = !prev ? { entries: 0, chains: 0 } : prev.total_entries !== null && prev.total_entries !== undefined ? { entries: Number(prev.total_entries), chains: Number(prev.total_chains) } : null;
      if (base) {
        const c = await rangeCounts(db, workspaceId, String(d.from_seq), String(d.upto_seq));
        countsHold = base.entries + c.entries === Number(d.total_entries) && base.chains + c.starts === Number(d.total_chains);
      }
      if (recomputed !== d.digest || !countsHold) {
        findings.note(null, null, reasons.digestMismatch(at, Number(d.chains), Math.max(0, Number(d.chains) - heads.length)));
      }
    }
    prev = d;
  }
}
