import type { Knex } from "knex";
import { Findings, reasons, verificationMessage } from "../domain/audit/findings.js";
import type { Verification } from "../domain/audit/ports.js";
import { checkDigests, type DigestRow } from "./auditDigests.js";
import { ENTRY_COLUMNS, checkEntry, checkOrderHeads, hasArchive, ordersWithoutChain, predecessors, readTally, type EntryRow, type Link } from "./auditEntryCheck.js";

const PAGE = 5000;

/** A workspace's checkpoint: verified up to `upto_seq`, with the figures and last digest checked. */
export interface Checkpoint {
  uptoSeq: string;
  entries: number;
  chains: number;
  digestId: string | null;
  digest: string | null;
}

/** The workspace's checkpoint, or null before its first check. */
export async function readCheckpoint(db: Knex | Knex.Transaction, workspaceId: string): Promise<Checkpoint | null> {
  const r = await db("audit_checkpoints").where("workspace_id", workspaceId).first();
  if (!r) return null;
  return { uptoSeq: String(r.upto_seq), entries: Number(r.entries), chains: Number(r.chains), digestId: r.digest_id === null ? null : String(r.digest_id), digest: r.digest ?? null };
}

/** Moves the checkpoint forward (never back) after a check that found everything whole. */
export async function advanceCheckpoint(
  db: Knex | Knex.Transaction,
  workspaceId: string,
  cp: Checkpoint,
  run: { fromSeq: string; entriesRead: number; digestsChecked: number; mode: "routine" | "full"; at: Date },
): Promise<void> {
  await db.raw(
    `insert into audit_checkpoints as c (workspace_id, upto_seq, entries, chains, digest_id, digest, digests_checked, last_from_seq, last_entries_read, last_mode, verified_at)
     values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
     on conflict (workspace_id) do update set upto_seq = excluded.upto_seq, entries = excluded.entries, chains = excluded.chains,
       digest_id = coalesce(excluded.digest_id, c.digest_id), digest = coalesce(excluded.digest, c.digest), digests_checked = excluded.digests_checked,
       last_from_seq = excluded.last_from_seq, last_entries_read = excluded.last_entries_read, last_mode = excluded.last_mode, verified_at = excluded.verified_at
     where c.upto_seq <= excluded.upto_seq`,
    [workspaceId, cp.uptoSeq, cp.entries, cp.chains, cp.digestId, cp.digest, run.digestsChecked, run.fromSeq, run.entriesRead, run.mode, run.at.toISOString()],
  );
}

/**
 * The routine check, linear in what is new since the checkpoint: each new entry's hash and
 * its link to its chain predecessor (one batched index probe per chain), the new digests
 * (each over its own range), the tally against the checkpoint's figures plus the new
 * entries, and the recorded head of every order touched since. All read in one snapshot;
 * the checkpoint moves only when everything holds, so a break keeps being reported.
 */
export async function routineCheck(knex: Knex, workspaceId: string, now: Date): Promise<Verification> {
  const outcome = await knex.transaction(async (trx) => {
    await trx.raw("set transaction isolation level repeatable read");
    const findings = new Findings();
    const cp = await readCheckpoint(trx, workspaceId);
    const fromSeq = cp?.uptoSeq ?? "0";
    const top = await trx("audit_log").where("workspace_id", workspaceId).andWhere("seq", ">", fromSeq).max({ seq: "seq" }).first();
    const uptoSeq = top?.seq === null || top?.seq === undefined ? fromSeq : String(top.seq);
    const archive = await hasArchive(trx, workspaceId);

    const last = new Map<string, Link>();
    let entriesRead = 0;
    let newChains = 0;
    let cursor = fromSeq;
    while (BigInt(cursor) < BigInt(uptoSeq)) {
      const rows = (await trx("audit_log")
        .where("workspace_id", workspaceId)
        .andWhere("seq", ">", cursor)
        .andWhere("seq", "<=", uptoSeq)
        .orderBy("seq")
        .limit(PAGE)
        .select(...ENTRY_COLUMNS)) as EntryRow[];
      if (rows.length === 0) break;
      const firsts = new Map<string, string>();
      for (const r of rows) if (!last.has(r.order_id) && !firsts.has(r.order_id)) firsts.set(r.order_id, String(r.seq));
      // With no checkpoint (from entry 0) every live predecessor of an entry has been read
      // already, so only archived months can hold one: nothing to probe without an archive.
      const preds = fromSeq === "0" && !archive ? new Map<string, Link>() : await predecessors(trx, workspaceId, [...firsts].map(([orderId, seq]) => ({ orderId, seq })), archive);
      for (const r of rows) {
        const prev = last.get(r.order_id) ?? preds.get(r.order_id) ?? null;
        checkEntry(workspaceId, r, prev, findings);
        if (r.prev_hash === null || r.prev_hash === undefined) newChains++;
        last.set(r.order_id, { seq: String(r.seq), hash: r.hash });
        entriesRead++;
      }
      cursor = String(rows[rows.length - 1].seq);
    }

    await checkOrderHeads(trx, workspaceId, [...last.keys()], (id) => last.get(id), findings);

    // Digests written since the checkpoint, chained onto the one it last checked.
    let anchor: DigestRow | null = null;
    if (cp?.digestId) {
      anchor = ((await trx("audit_digests").where({ workspace_id: workspaceId, id: cp.digestId }).first()) as DigestRow | undefined) ?? null;
      if (!anchor || anchor.digest !== cp.digest) findings.note(null, null, reasons.checkpointDigestGone(cp.digestId));
    }
    const digests = (await trx("audit_digests")
      .where("workspace_id", workspaceId)
      .andWhere("id", ">", cp?.digestId ?? "0")
      .orderBy("id")) as DigestRow[];
    await checkDigests(trx, workspaceId, anchor, digests, findings);

    // The tally the database keeps on every insert against what has been verified.
    const tally = await readTally(trx, workspaceId);
    const entries = (cp?.entries ?? 0) + entriesRead;
    const chains = (cp?.chains ?? 0) + newChains;
    const maxDigest = await trx("audit_digests").where("workspace_id", workspaceId).max({ c: trx.raw("coalesce(total_chains, chains)") }).first();
    const digestChains = Number(maxDigest?.c ?? 0);
    if (tally.chains < digestChains) findings.note(null, null, reasons.tallyLowered(tally.chains, digestChains));
    else if (cp && tally.entries < cp.entries) findings.note(null, null, reasons.tallyBelowVerified(tally.entries, cp.entries));
    else if (entries > tally.entries || chains > tally.chains) findings.note(null, null, reasons.inserted(entries, chains, tally.entries, tally.chains));
    else if (entries < tally.entries || chains < tally.chains) {
      const ids = await ordersWithoutChain(trx, workspaceId);
      findings.note(ids.length === 1 ? ids[0] : null, null, reasons.removed(tally.chains - chains, tally.entries - entries, tally.entries, tally.chains, entries, chains, ids));
    }

    const lastDigest = digests.length ? digests[digests.length - 1] : anchor;
    const firstBroken = findings.earliest;
    const result: Verification = {
      ok: firstBroken === null,
      chains,
      entries,
      digestsChecked: digests.length,
      firstBroken,
      message: verificationMessage({ firstBroken, chains, entries, digestsChecked: digests.length, mode: "routine", entriesRead }),
      mode: "routine",
      entriesRead,
      fromSeq,
      uptoSeq,
    };
    const next: Checkpoint = { uptoSeq, entries, chains, digestId: lastDigest ? String(lastDigest.id) : null, digest: lastDigest?.digest ?? null };
    return { result, next };
  });
  if (outcome.result.ok) {
    await advanceCheckpoint(knex, workspaceId, outcome.next, { fromSeq: outcome.result.fromSeq!, entriesRead: outcome.result.entriesRead!, digestsChecked: outcome.result.digestsChecked, mode: "routine", at: now });
  }
  return outcome.result;
}
