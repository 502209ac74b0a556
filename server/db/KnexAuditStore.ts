import type { Knex } from "knex";
import { digestHeads, hashAuditEntry } from "../domain/audit/hashChain.js";
import { NotFoundError } from "../domain/errors.js";
import { hashedContent } from "./auditWriter.js";
import type { AuditEntry, AuditStore, Verification } from "../domain/audit/ports.js";
import type { RowScope } from "../domain/access/principal.js";
import { isScoped, whereInScope, withScope } from "./access/rowScope.js";

/** Declared with the port in `domain/`; re-exported for existing imports. */
export type { AuditEntry, Verification } from "../domain/audit/ports.js";

const PAGE = 5000;

function toEntry(r: Record<string, any>): AuditEntry {
  return {
    seq: String(r.seq),
    at: new Date(r.at).toISOString(),
    actor: r.actor,
    source: r.source,
    action: r.action,
    field: r.field,
    oldValue: r.old_value ?? null,
    newValue: r.new_value ?? null,
    orderVersion: Number(r.order_version),
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

/** Reads, verifies and digests the hash-chained audit trail. */
export class KnexAuditStore implements AuditStore {
  constructor(private readonly knex: Knex) {}

  /**
   * An order's audit entries, oldest first. With a row `scope`, the order must exist and lie
   * inside it (a scoped caller cannot tell an order outside it from a missing one); the read
   * runs under row-level security as well.
   */
  async history(workspaceId: string, orderId: string, scope?: RowScope): Promise<AuditEntry[]> {
    return withScope(this.knex, scope, async (db) => {
      const exists = await whereInScope(db("orders").where({ workspace_id: workspaceId, id: orderId }), scope).first("id");
      if (!exists && isScoped(scope)) throw new NotFoundError(`order ${orderId} does not exist`);
      const rows = await db("audit_log")
        .where({ workspace_id: workspaceId, order_id: orderId })
        .orderBy("seq")
        .select("seq", "at", "actor", "source", "action", "field", "old_value", "new_value", "order_version", "prev_hash", "hash");
      if (!exists && rows.length === 0) throw new NotFoundError(`order ${orderId} does not exist`);
      return rows.map(toEntry);
    });
  }

  /** Records a digest over every chain head now; returns it. */
  async writeDigest(workspaceId: string, now: Date): Promise<{ uptoSeq: string; chains: number; digest: string } | null> {
    const top = await this.knex("audit_log").where("workspace_id", workspaceId).max({ seq: "seq" }).first();
    if (!top || top.seq === null || top.seq === undefined) return null;
    const uptoSeq = String(top.seq);
    const heads = await this.headsUpTo(workspaceId, uptoSeq);
    const digest = digestHeads(heads);
    await this.knex("audit_digests").insert({ workspace_id: workspaceId, at: now.toISOString(), upto_seq: uptoSeq, chains: heads.length, digest });
    return { uptoSeq, chains: heads.length, digest };
  }

  private async headsUpTo(workspaceId: string, uptoSeq: string): Promise<{ orderId: string; hash: string; seq: number }[]> {
    const rows = await this.knex.raw(
      `select distinct on (order_id) order_id, hash, seq from audit_log
       where workspace_id = ? and seq <= ? order by order_id, seq desc`,
      [workspaceId, uptoSeq],
    );
    return (rows.rows as { order_id: string; hash: string; seq: string | number }[]).map((r) => ({ orderId: r.order_id, hash: r.hash, seq: Number(r.seq) }));
  }

  /**
   * Compares the running tally (kept by a trigger on `audit_log`, in each writer's
   * transaction) with the entries and chains present, in one statement so both come from
   * one snapshot; and the tally with the digests, which it can never be below. Names what
   * is missing, with order IDs the change feed still knows of.
   */
  private async tallyCheck(workspaceId: string, digests: { chains: unknown }[]): Promise<{ orderId: string | null; reason: string } | null> {
    const r = await this.knex.raw(
      `select (select coalesce(sum(entries), 0) from audit_tallies where workspace_id = ?) as tally_entries,
              (select coalesce(sum(chains), 0) from audit_tallies where workspace_id = ?) as tally_chains,
              (select count(*) from audit_log where workspace_id = ?) as entries,
              (select count(distinct order_id) from audit_log where workspace_id = ?) as chains`,
      [workspaceId, workspaceId, workspaceId, workspaceId],
    );
    const row = r.rows[0] as Record<string, string | number>;
    const [tallyEntries, tallyChains, entries, chains] = [row.tally_entries, row.tally_chains, row.entries, row.chains].map(Number);
    const digestChains = Math.max(0, ...digests.map((d) => Number(d.chains)));
    if (tallyChains < digestChains) {
      return { orderId: null, reason: `the audit tally counts ${tallyChains} chains but a digest already covered ${digestChains}: the tally was lowered behind the server's back` };
    }
    if (entries === tallyEntries && chains === tallyChains) return null;
    if (entries > tallyEntries || chains > tallyChains) {
      return {
        orderId: null,
        reason: `${entries} entries in ${chains} chains are present but only ${tallyEntries} entries in ${tallyChains} chains were ever written through the server: entries were inserted behind its back`,
      };
    }
    const lost = await this.knex.raw(
      `select distinct c.order_id from changes c
       where c.workspace_id = ? and c.order_id is not null
         and not exists (select 1 from audit_log a where a.workspace_id = c.workspace_id and a.order_id = c.order_id)
       order by c.order_id limit 20`,
      [workspaceId],
    );
    const ids = (lost.rows as { order_id: string }[]).map((x) => x.order_id);
    const missingEntries = tallyEntries - entries;
    const missingChains = tallyChains - chains;
    const what = [
      missingChains > 0 ? `${missingChains} whole chain(s)` : null,
      missingEntries > 0 ? `${missingEntries} entr${missingEntries === 1 ? "y" : "ies"}` : null,
    ].filter(Boolean).join(" and ");
    const named = ids.length ? `; orders whose chain is gone: ${ids.join(", ")}${ids.length === 20 ? " …" : ""}` : "; the change feed names no order they belonged to";
    return {
      orderId: ids.length === 1 ? ids[0] : null,
      reason: `${what} were removed: the tally counts ${tallyEntries} entries in ${tallyChains} chains, ${entries} in ${chains} are present${named}`,
    };
  }

  /**
   * Re-walks every chain: each entry's hash must match its content and its predecessor,
   * each order's recorded head must be its chain's last entry, and every stored digest
   * must match the heads recomputed up to its position (a removed chain changes it), and
   * the database's running tally of entries and chains must match what is present (a chain
   * removed with its order row, before any digest). Reports the earliest broken entry.
   */
  async verify(workspaceId: string): Promise<Verification> {
    let entries = 0;
    let chains = 0;
    let broken: { orderId: string | null; seq: string | null; reason: string; order: bigint } | null = null;
    const note = (orderId: string | null, seq: string | null, reason: string) => {
      const order = seq === null ? BigInt(Number.MAX_SAFE_INTEGER) : BigInt(seq);
      if (!broken || order < broken.order) broken = { orderId, seq, reason, order };
    };
    const lastHash = new Map<string, string>();
    let cursor: { orderId: string; seq: string } | null = null;
    let currentOrder: string | null = null;
    let prev: string | null = null;
    for (;;) {
      const q = this.knex("audit_log").where("workspace_id", workspaceId);
      if (cursor) {
        const c: { orderId: string; seq: string } = cursor;
        // Row-value keyset: an index bound, so each page starts where the last ended instead of rescanning from the start.
        q.andWhereRaw("(order_id, seq) > (?, ?::bigint)", [c.orderId, c.seq]);
      }
      const rows = await q
        .orderBy([{ column: "order_id" }, { column: "seq" }])
        .limit(PAGE)
        .select("seq", "order_id", "order_version", "at", "actor", "source", "action", "field", "old_value", "new_value", "prev_hash", "hash");
      for (const r of rows) {
        entries++;
        const seq = String(r.seq);
        if (r.order_id !== currentOrder) {
          currentOrder = r.order_id;
          prev = null;
          chains++;
        }
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
        if ((r.prev_hash ?? null) !== prev) {
          note(r.order_id, seq, prev === null ? "the first entry of the chain points at a predecessor that is missing" : "the entry before this one is missing or was replaced");
        }
        const expected = hashAuditEntry(r.prev_hash ?? null, content);
        if (expected !== r.hash) note(r.order_id, seq, "the entry's content does not match its hash (it was edited)");
        prev = r.hash;
        lastHash.set(r.order_id, r.hash);
      }
      if (rows.length < PAGE) break;
      const last = rows[rows.length - 1];
      cursor = { orderId: last.order_id, seq: String(last.seq) };
    }

    // Each order's recorded head must be the last entry of its chain.
    let orderCursor = "";
    for (;;) {
      const rows = await this.knex("orders")
        .where("workspace_id", workspaceId)
        .andWhere("id", ">", orderCursor)
        .orderBy("id")
        .limit(PAGE)
        .select("id", "audit_head");
      for (const r of rows) {
        const head = lastHash.get(r.id);
        if (r.audit_head && !head) note(r.id, null, "the order's whole audit chain is missing");
        else if (r.audit_head && head !== r.audit_head) note(r.id, null, "the newest entries of the order's chain are missing");
      }
      if (rows.length < PAGE) break;
      orderCursor = rows[rows.length - 1].id;
    }

    // Stored digests must match the heads recomputed up to their position.
    const digests = await this.knex("audit_digests").where("workspace_id", workspaceId).orderBy("id").select("id", "upto_seq", "chains", "digest", "at");
    for (const d of digests) {
      const heads = await this.headsUpTo(workspaceId, String(d.upto_seq));
      if (digestHeads(heads) !== d.digest) {
        note(null, null, `the digest of ${new Date(d.at).toISOString()} (${d.chains} chains) no longer matches: ${heads.length < Number(d.chains) ? `${Number(d.chains) - heads.length} chain(s) were removed` : "chains were altered"}`);
      }
    }

    // The tally the database keeps on every insert must match what is there now: a chain
    // deleted together with its order row leaves no other trace until a digest covers it.
    const tally = await this.tallyCheck(workspaceId, digests);
    if (tally) note(tally.orderId, null, tally.reason);

    const firstBroken = broken as { orderId: string | null; seq: string | null; reason: string } | null;
    return {
      ok: firstBroken === null,
      chains,
      entries,
      digestsChecked: digests.length,
      firstBroken: firstBroken ? { orderId: firstBroken.orderId, seq: firstBroken.seq, reason: firstBroken.reason } : null,
      message: firstBroken
        ? `audit trail broken${firstBroken.orderId ? ` at order ${firstBroken.orderId}` : ""}${firstBroken.seq ? `, entry ${firstBroken.seq}` : ""}: ${firstBroken.reason}`
        : `all ${chains} chains hold (${entries} entries, ${digests.length} digests checked)`,
    };
  }
}
