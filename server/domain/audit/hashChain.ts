import { createHash } from "node:crypto";

/**
 * Audit entries are append-only and hash-chained per order: each hash covers the entry and
 * the previous hash, so editing, deleting or reordering an entry breaks the chain. A
 * periodic digest over all chain heads (`digestHeads`) pins every chain at a point in time.
 */

function encode(value: unknown, path: string, stack: object[]): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return JSON.stringify(value);
    case "boolean":
      return value ? "true" : "false";
    case "number":
      if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, which JSON cannot represent`);
      return JSON.stringify(value);
    case "object":
      break;
    default:
      throw new TypeError(`canonicalJson: ${path} is a ${typeof value}, which JSON cannot represent`);
  }
  const obj = value as Record<string, unknown> & { toJSON?: () => unknown };
  if (typeof obj.toJSON === "function") return encode(obj.toJSON(), path, stack);
  if (stack.includes(obj)) throw new TypeError(`canonicalJson: ${path} refers back to itself`);
  stack.push(obj);
  let out: string;
  if (Array.isArray(obj)) {
    out = `[${obj.map((v, i) => {
      if (v === undefined) throw new TypeError(`canonicalJson: ${path}[${i}] is undefined`);
      return encode(v, `${path}[${i}]`, stack);
    }).join(",")}]`;
  } else {
    const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
    out = `{${keys.map((k) => `${JSON.stringify(k)}:${encode(obj[k], `${path}.${k}`, stack)}`).join(",")}}`;
  }
  stack.pop();
  return out;
}

/**
 * The one JSON text of `value`: object keys sorted, no whitespace, `undefined` properties
 * left out, dates as ISO strings. Throws a `TypeError` for NaN/Infinity, `undefined` array
 * items, bigint, functions, symbols and cycles, so a hash never depends on lossy encoding.
 */
export function canonicalJson(value: unknown): string {
  if (value === undefined) throw new TypeError("canonicalJson: the value is undefined");
  return encode(value, "value", []);
}

function sha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** The hex SHA-256 of an entry chained after `prevHash` (null for an order's first entry). */
export function hashAuditEntry(prevHash: string | null, entry: unknown): string {
  return sha256(canonicalJson({ prev: prevHash, entry }));
}

/** A stored entry: its content and the hashes recorded with it. */
export interface ChainedEntry {
  entry: unknown;
  prevHash: string | null;
  hash: string;
}

/** The verdict on a chain; `index` is the first broken position (`entries.length` for a missing tail). */
export type ChainVerdict = { ok: true } | { ok: false; index: number; reason: string };

/** Where the checked stretch starts and what its head should be. */
export interface VerifyOptions {
  /** The hash before the first entry given (null: the chain's very start). */
  startHash?: string | null;
  /** The recorded head of the chain (e.g. `orders.audit_head`): catches deleted last entries. */
  head?: string | null;
}

/**
 * Checks a chain in order: each entry must point at the previous entry's hash and its own
 * hash must match its content. An edited entry fails the content check, a deleted or
 * reordered one the link check, a deleted last entry the `head` check.
 */
export function verifyChain(entries: readonly ChainedEntry[], opts: VerifyOptions = {}): ChainVerdict {
  let expectedPrev: string | null = opts.startHash ?? null;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i];
    if (e.prevHash !== expectedPrev) {
      return {
        ok: false,
        index: i,
        reason: `entry ${i} links to ${e.prevHash ?? "nothing"} but should follow ${expectedPrev ?? "nothing"}: an entry before it was deleted, inserted or reordered`,
      };
    }
    if (hashAuditEntry(e.prevHash, e.entry) !== e.hash) {
      return { ok: false, index: i, reason: `entry ${i} does not match its hash: its content was edited` };
    }
    expectedPrev = e.hash;
  }
  if (opts.head !== undefined && opts.head !== expectedPrev) {
    return {
      ok: false,
      index: entries.length,
      reason: `the chain ends at ${expectedPrev ?? "nothing"} but its recorded head is ${opts.head ?? "nothing"}: entries at the end are missing`,
    };
  }
  return { ok: true };
}

/** One order's chain head at digest time. */
export interface ChainHead {
  orderId: string;
  hash: string;
  /** How many entries the chain had (or the head entry's sequence number). */
  seq: number;
}

/**
 * The hex SHA-256 over all chain heads, independent of their order, for the periodic
 * digest. Throws on a repeated orderId (each chain has exactly one head).
 */
export function digestHeads(heads: readonly ChainHead[]): string {
  const sorted = [...heads].sort((a, b) => (a.orderId < b.orderId ? -1 : a.orderId > b.orderId ? 1 : 0));
  for (let i = 1; i < sorted.length; i++) {
    if (sorted[i].orderId === sorted[i - 1].orderId) throw new TypeError(`digestHeads: order ${sorted[i].orderId} has two heads`);
  }
  return sha256(canonicalJson(sorted.map((h) => ({ orderId: h.orderId, seq: h.seq, hash: h.hash }))));
}

/** What an incremental digest pins besides the heads of the chains it covers. */
export interface DigestRange {
  /** Entries after this seq (exclusive) are covered. */
  fromSeq: string;
  /** … up to this seq (inclusive). */
  uptoSeq: string;
  /** Entries written up to `uptoSeq`, all chains together (archived ones included). */
  totalEntries: number;
  /** Chains started up to `uptoSeq`. */
  totalChains: number;
}

/**
 * The hex SHA-256 of an incremental digest: the heads of the chains changed in its range,
 * the range and running totals, and the previous digest of the workspace (null for the
 * first), so digests form a chain of their own and removing one breaks the next.
 */
export function chainDigest(prevDigest: string | null, range: DigestRange, heads: readonly ChainHead[]): string {
  return sha256(canonicalJson({ prev: prevDigest, from: range.fromSeq, upto: range.uptoSeq, entries: range.totalEntries, chains: range.totalChains, heads: digestHeads(heads) }));
}
