/**
 * What a verification found, worded for people: every reason and summary is given in
 * zh-CN and English ("中文 / English"), as the other messages users see.
 */

/** One broken place: the order and entry when known. */
export interface Finding {
  orderId: string | null;
  seq: string | null;
  reason: string;
}

/** Collects findings and keeps the earliest (by entry number; those without one last). */
export class Findings {
  private first: (Finding & { order: bigint }) | null = null;

  /** Records a finding; only the earliest is kept. */
  note(orderId: string | null, seq: string | null, reason: string): void {
    const order = seq === null ? BigInt(Number.MAX_SAFE_INTEGER) * 1000n : BigInt(seq);
    if (!this.first || order < this.first.order) this.first = { orderId, seq, reason, order };
  }

  /** Takes in an earlier run's finding (resuming a full check). */
  merge(f: Finding | null): void {
    if (f) this.note(f.orderId, f.seq, f.reason);
  }

  get earliest(): Finding | null {
    return this.first ? { orderId: this.first.orderId, seq: this.first.seq, reason: this.first.reason } : null;
  }
}

/** The reasons a check gives, in zh-CN and English. */
export const reasons = {
  edited: () => "条目内容与其哈希不符（被修改过） / the entry's content does not match its hash (it was edited)",
  firstPredecessorMissing: () => "链的第一条指向一个不存在的前一条 / the first entry of the chain points at a predecessor that is missing",
  predecessorMissing: () => "这一条之前的条目缺失或被替换 / the entry before this one is missing or was replaced",
  wholeChainMissing: () => "订单的整条审计链缺失 / the order's whole audit chain is missing",
  newestMissing: () => "订单审计链末尾的条目缺失 / the newest entries of the order's chain are missing",
  digestMismatch: (at: string, chains: number, removed: number) =>
    removed > 0
      ? `${at} 的摘要（${chains} 条链）不再相符：${removed} 条链被删除 / the digest of ${at} (${chains} chains) no longer matches: ${removed} chain(s) were removed`
      : `${at} 的摘要（${chains} 条链）不再相符：链被改动 / the digest of ${at} (${chains} chains) no longer matches: chains were altered`,
  digestUnlinked: (at: string) =>
    `${at} 的摘要没有接在前一个摘要之后：有摘要被删除或插入 / the digest of ${at} does not follow the digest before it: a digest was removed or inserted`,
  checkpointDigestGone: (id: string) =>
    `检查点已核对过的摘要 ${id} 不见了或被改动 / digest ${id}, already checked at the checkpoint, was removed or altered`,
  tallyLowered: (tallyChains: number, digestChains: number) =>
    `审计计数只有 ${tallyChains} 条链，但摘要已覆盖 ${digestChains} 条：计数被绕过服务器调低 / the audit tally counts ${tallyChains} chains but a digest already covered ${digestChains}: the tally was lowered behind the server's back`,
  tallyBelowVerified: (tallyEntries: number, verified: number) =>
    `审计计数只有 ${tallyEntries} 条，但已核对过 ${verified} 条：计数被绕过服务器调低 / the audit tally counts ${tallyEntries} entries but ${verified} were already verified: the tally was lowered behind the server's back`,
  inserted: (entries: number, chains: number, tallyEntries: number, tallyChains: number) =>
    `存在 ${chains} 条链共 ${entries} 条，但经服务器写入的只有 ${tallyChains} 条链共 ${tallyEntries} 条：有条目绕过服务器插入 / ${entries} entries in ${chains} chains are present but only ${tallyEntries} entries in ${tallyChains} chains were ever written through the server: entries were inserted behind its back`,
  removed: (missingChains: number, missingEntries: number, tallyEntries: number, tallyChains: number, entries: number, chains: number, ids: string[]) => {
    const zh = [missingChains > 0 ? `${missingChains} 条整链` : null, missingEntries > 0 ? `${missingEntries} 条条目` : null].filter(Boolean).join("和");
    const en = [
      missingChains > 0 ? `${missingChains} whole chain(s)` : null,
      missingEntries > 0 ? `${missingEntries} entr${missingEntries === 1 ? "y" : "ies"}` : null,
    ].filter(Boolean).join(" and ");
    const more = ids.length === 20 ? " …" : "";
    const zhNamed = ids.length ? `；链已不在的订单：${ids.join("、")}${more}` : "；变更记录里没有它们所属的订单";
    const enNamed = ids.length ? `; orders whose chain is gone: ${ids.join(", ")}${more}` : "; the change feed names no order they belonged to";
    return `${zh}被删除：计数为 ${tallyChains} 条链共 ${tallyEntries} 条，现存 ${chains} 条链共 ${entries} 条${zhNamed} / ${en} were removed: the tally counts ${tallyEntries} entries in ${tallyChains} chains, ${entries} in ${chains} are present${enNamed}`;
  },
};

/** The one-line summary of a verification. */
export function verificationMessage(r: { firstBroken: Finding | null; chains: number; entries: number; digestsChecked: number; mode: "routine" | "full"; entriesRead: number }): string {
  const b = r.firstBroken;
  if (b) {
    const zhWhere = `${b.orderId ? `，订单 ${b.orderId}` : ""}${b.seq ? `，条目 ${b.seq}` : ""}`;
    const enWhere = `${b.orderId ? ` at order ${b.orderId}` : ""}${b.seq ? `, entry ${b.seq}` : ""}`;
    const [zhReason, enReason] = b.reason.includes(" / ") ? [b.reason.slice(0, b.reason.indexOf(" / ")), b.reason.slice(b.reason.indexOf(" / ") + 3)] : [b.reason, b.reason];
    return `审计链断裂${zhWhere}：${zhReason} / audit trail broken${enWhere}: ${enReason}`;
  }
  const zhScope = r.mode === "routine" ? `（本次新核对 ${r.entriesRead} 条，共 ${r.entries} 条，核对摘要 ${r.digestsChecked} 个）` : `（全量核对 ${r.entries} 条，摘要 ${r.digestsChecked} 个）`;
  const enScope = r.mode === "routine" ? `(${r.entriesRead} new entries read, ${r.entries} in all, ${r.digestsChecked} digests checked)` : `(${r.entries} entries, ${r.digestsChecked} digests checked)`;
  return `全部 ${r.chains} 条审计链完好${zhScope} / all ${r.chains} chains hold ${enScope}`;
}
