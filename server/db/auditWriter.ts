import type { Knex } from "knex";
import { hashAuditEntry } from "../domain/audit/hashChain.js";
import { bulkInsert, type ColumnSpec } from "./bulkInsert.js";

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

/** An audit row ready to insert, hash computed. */
export type AuditRow = Record<string, unknown> & { order_id: string; hash: string };

/**
 * Hashes entries onto their orders' chains. `heads` holds each order's current chain head
 * and is advanced in place; nothing is written.
 */
export function chainEntries(workspaceId: string, entries: AuditEntryInput[], heads: Map<string, string | null>): AuditRow[] {
  return entries.map((e) => {
    const prev = heads.get(e.orderId) ?? null;
    const hash = hashAuditEntry(prev, hashedContent(workspaceId, e));
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

/** Inserts chained audit rows in the caller's transaction. */
export async function insertAuditRows(trx: Knex.Transaction, rows: AuditRow[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 5000) await bulkInsert(trx, "audit_log", AUDIT_COLUMNS, rows.slice(i, i + 5000));
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
  await insertAuditRows(trx, chainEntries(workspaceId, entries, heads));
}
