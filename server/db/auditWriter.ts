import type { Knex } from "knex";
import { createHash } from "node:crypto";
import { canonicalJson, hashAuditEntry } from "../domain/audit/hashChain.js";
import { bulkInsertJson, type ColumnSpec } from "./bulkInsert.js";
import { lockCommitOrder } from "./commitOrder.js";

const AUDIT_COLUMNS: readonly ColumnSpec[] = [
  ["workspace_id", "text"], ["order_id", "text"], ["order_version", "int"], ["at", "timestamptz"], ["actor", "text"],
  ["source", "text"], ["action", "text"], ["field", "text"], ["old_value", "jsonb"], ["new_value", "jsonb"],
  ["prev_hash", "text"], ["hash", "text"],
];

/** One audit entry before hashing. */
export interface AuditEntryInput {
  orderId: string;
  orderVersion: number;
  at: string;
  actor: string;
  source: string;
  action: string;
  field: string | null;
  oldValue: unknown;
  newValue: unknown;
}

/** The exact object that is hashed for an entry; verification rebuilds it from the row. */
export function hashedContent(workspaceId: string, e: AuditEntryInput): Record<string, unknown> {
  return {
    workspaceId,
    orderId: e.orderId,
    orderVersion: e.orderVersion,
    at: e.at,
    actor: e.actor,
    source: e.source,
    action: e.action,
    field: e.field,
    oldValue: e.oldValue ?? null,
    newValue: e.newValue ?? null,
  };
}

const str = JSON.stringify;

/**
 * `hashAuditEntry(prev, hashedContent(workspaceId, e))`, with the canonical JSON of the
 * fixed-shape part written out directly (keys already in sorted order) — the general
 * encoder sorts and walks every object, which dominated bulk writes. Entries of any other
 * shape take the general path, so the hash is the same text either way.
 */
export function entryHash(prev: string | null, workspaceId: string, e: AuditEntryInput): string {
  const plain =
    typeof workspaceId === "string" && typeof e.orderId === "string" && typeof e.at === "string" && typeof e.actor === "string" &&
    typeof e.source === "string" && typeof e.action === "string" && (e.field === null || typeof e.field === "string") &&
    Number.isFinite(e.orderVersion) && (prev === null || typeof prev === "string");
  if (!plain) return hashAuditEntry(prev, hashedContent(workspaceId, e));
  const text =
    `{"entry":{"action":${str(e.action)},"actor":${str(e.actor)},"at":${str(e.at)},"field":${e.field === null ? "null" : str(e.field)},` +
    `"newValue":${canonicalJson(e.newValue ?? null)},"oldValue":${canonicalJson(e.oldValue ?? null)},"orderId":${str(e.orderId)},` +
    `"orderVersion":${str(e.orderVersion)},"source":${str(e.source)},"workspaceId":${str(workspaceId)}},"prev":${prev === null ? "null" : str(prev)}}`;
  return createHash("sha256").update(text, "utf8").digest("hex");
}

/** An audit row ready to insert, hash computed. */
export type AuditRow = Record<string, unknown> & { order_id: string; hash: string };

/**
 * Hashes entries onto their orders' chains. `heads` holds each order's current chain head
 * and is advanced in place; nothing is written.
 */
export function chainEntries(workspaceId: string, entries: AuditEntryInput[], heads: Map<string, string | null>): AuditRow[] {
  return entries.map((e) => {
    const prev = heads.get(e.orderId) ?? null;
    const hash = entryHash(prev, workspaceId, e);
    heads.set(e.orderId, hash);
    return {
      workspace_id: workspaceId,
      order_id: e.orderId,
      order_version: e.orderVersion,
      at: e.at,
      actor: e.actor,
      source: e.source,
      action: e.action,
      field: e.field,
      old_value: e.oldValue ?? null,
      new_value: e.newValue ?? null,
      prev_hash: prev,
      hash,
    };
  });
}

const AUDIT_CHUNK = 5000;

/** Inserts chained audit rows of `workspaceId` in the caller's transaction. */
export async function insertAuditRows(trx: Knex.Transaction, workspaceId: string, rows: AuditRow[]): Promise<void> {
  await insertAuditPayloads(trx, workspaceId, auditPayloads(rows));
}

/** Chained audit rows encoded for {@link insertAuditPayloads}, so encoding can overlap other queries. */
export function auditPayloads(rows: AuditRow[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < rows.length; i += AUDIT_CHUNK) out.push(JSON.stringify(rows.slice(i, i + AUDIT_CHUNK)));
  return out;
}

/**
 * Inserts audit rows of `workspaceId` encoded by {@link auditPayloads} in the caller's
 * transaction, under the workspace's commit-order lock (entries numbered in commit order;
 * see `lockCommitOrder`): callers do this as their last write before the feed rows.
 */
export async function insertAuditPayloads(trx: Knex.Transaction, workspaceId: string, payloads: string[]): Promise<void> {
  if (payloads.length === 0) return;
  await lockCommitOrder(trx, workspaceId);
  for (const json of payloads) await bulkInsertJson(trx, "audit_log", AUDIT_COLUMNS, json);
}

/**
 * Chains and inserts audit entries for several orders inside the caller's transaction.
 * `heads` is advanced in place; the new heads must be written to `orders.audit_head` by
 * the caller in the same transaction.
 */
export async function appendAudit(
  trx: Knex.Transaction,
  workspaceId: string,
  entries: AuditEntryInput[],
  heads: Map<string, string | null>,
): Promise<void> {
  if (entries.length === 0) return;
  await insertAuditRows(trx, workspaceId, chainEntries(workspaceId, entries, heads));
}
