import type { Knex } from "knex";
import { hashAuditEntry } from "../domain/audit/hashChain.js";
import { reasons, type Findings } from "../domain/audit/findings.js";
import { hashedContent } from "./auditWriter.js";

type Db = Knex | Knex.Transaction;

/** The columns an entry's check reads. */
export const ENTRY_COLUMNS = ["seq", "order_id", "order_version", "at", "actor", "source", "action", "field", "old_value", "new_value", "prev_hash", "hash"] as const;

/** An audit row as read for checking. */
export type EntryRow = Record<(typeof ENTRY_COLUMNS)[number], any>;

/** A chain's entry as far as a link needs it. */
export interface Link {
  seq: string;
  hash: string;
}

/** Whether the row's stored hash matches its content and its recorded predecessor hash. */
export function hashHolds(workspaceId: string, r: EntryRow): boolean {
  const content = hashedContent(workspaceId, {
    orderId: r.order_id,
    orderVersion: Number(r.order_version),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    source: r.source,
    action: r.action,
    field: r.field,
    oldValue: r.old_value ?? null,
    newValue: r.new_value ?? null,
  });
  return hashAuditEntry(r.prev_hash ?? null, content) === r.hash;
}

/**
 * Checks one entry against its chain predecessor (`prev`, null when it has none): the link
 * and the content hash. Notes what is broken.
 */
export function checkEntry(workspaceId: string, r: EntryRow, prev: Link | null, findings: Findings): void {
  const seq = String(r.seq);
  if ((r.prev_hash ?? null) !== (prev?.hash ?? null)) {
    findings.note(r.order_id, seq, prev === null ? reasons.firstPredecessorMissing() : reasons.predecessorMissing());
  }
  if (!hashHolds(workspaceId, r)) findings.note(r.order_id, seq, reasons.edited());
}

/** Whether the workspace has archived months whose chain heads stand in for their entries. */
export async function hasArchive(db: Db, workspaceId: string): Promise<boolean> {
  const r = await db("audit_months").where({ workspace_id: workspaceId, state: "archived" }).first("month");
  return Boolean(r);
}

const PROBE = 2000;

/**
 * Each chain's entry just before `seq` (one index probe per chain on
 * (workspace_id, order_id, seq), batched), or the archived head standing in for it.
 */
export async function predecessors(db: Db, workspaceId: string, items: { orderId: string; seq: string }[], archive: boolean): Promise<Map<string, Link>> {
  const out = new Map<string, Link>();
  for (let i = 0; i < items.length; i += PROBE) {
    const slice = items.slice(i, i + PROBE);
    const ids = slice.map((x) => x.orderId);
    const seqs = slice.map((x) => x.seq);
    const live = await db.raw(
      `select u.order_id, p.seq, p.hash from unnest(?::text[], ?::bigint[]) as u(order_id, seq)
       cross join lateral (select a.seq, a.hash from audit_log a where a.workspace_id = ? and a.order_id = u.order_id and a.seq < u.seq order by a.seq desc limit 1) p`,
      [ids, seqs, workspaceId],
    );
    for (const r of live.rows as { order_id: string; seq: string | number; hash: string }[]) out.set(r.order_id, { seq: String(r.seq), hash: r.hash });
    if (!archive) continue;
    const kept = await db.raw(
      `select u.order_id, p.seq, p.hash from unnest(?::text[], ?::bigint[]) as u(order_id, seq)
       cross join lateral (select h.seq, h.hash from audit_archived_heads h join audit_months m on m.workspace_id = h.workspace_id and m.month = h.month and m.state = 'archived'
                            where h.workspace_id = ? and h.order_id = u.order_id and h.seq < u.seq order by h.seq desc limit 1) p`,
      [ids, seqs, workspaceId],
    );
    for (const r of kept.rows as { order_id: string; seq: string | number; hash: string }[]) {
      const have = out.get(r.order_id);
      if (!have || BigInt(have.seq) < BigInt(r.seq)) out.set(r.order_id, { seq: String(r.seq), hash: r.hash });
    }
  }
  return out;
}

/**
 * Compares orders' recorded heads (`orders.audit_head`) with the last entry of their chains
 * as given in `last` (orders absent from it have no entry). Orders that no longer exist are
 * left to the tally.
 */
export async function checkOrderHeads(db: Db, workspaceId: string, orderIds: string[], last: (id: string) => Link | undefined, findings: Findings): Promise<void> {
  // One index probe per order (a lateral lookup), never a pass over all orders.
  for (let i = 0; i < orderIds.length; i += PROBE) {
    const found = await db.raw(
      `select o.id, o.audit_head from unnest(?::text[]) as u(id)
       cross join lateral (select id, audit_head from orders where workspace_id = ? and id = u.id limit 1) o`,
      [orderIds.slice(i, i + PROBE), workspaceId],
    );
    const rows = found.rows as { id: string; audit_head: string | null }[];
    for (const r of rows) {
      const head = last(r.id);
      if (r.audit_head && !head) findings.note(r.id, null, reasons.wholeChainMissing());
      else if (r.audit_head && head && head.hash !== r.audit_head) findings.note(r.id, null, reasons.newestMissing());
    }
  }
}

/** The last entry of each chain, live or archived, for a page of orders. */
export async function lastEntries(db: Db, workspaceId: string, orderIds: string[], uptoSeq: string | null, archive: boolean): Promise<Map<string, Link>> {
  const big = "9223372036854775807";
  return predecessors(db, workspaceId, orderIds.map((orderId) => ({ orderId, seq: uptoSeq === null ? big : (BigInt(uptoSeq) + 1n).toString() })), archive);
}

/** Orders (up to 20) the change feed knows of that have no audit entry left, live or archived. */
export async function ordersWithoutChain(db: Db, workspaceId: string): Promise<string[]> {
  const lost = await db.raw(
    `select distinct c.order_id from changes c
     where c.workspace_id = ? and c.order_id is not null
       and not exists (select 1 from audit_log a where a.workspace_id = c.workspace_id and a.order_id = c.order_id)
       and not exists (select 1 from audit_archived_heads h where h.workspace_id = c.workspace_id and h.order_id = c.order_id)
     order by c.order_id limit 20`,
    [workspaceId],
  );
  return (lost.rows as { order_id: string }[]).map((x) => x.order_id);
}

/** The database's running tally of entries and chains written for the workspace. */
export async function readTally(db: Db, workspaceId: string): Promise<{ entries: number; chains: number }> {
  const r = await db("audit_tallies").where("workspace_id", workspaceId).sum({ entries: "entries", chains: "chains" }).first();
  return { entries: Number(r?.entries ?? 0), chains: Number(r?.chains ?? 0) };
}
