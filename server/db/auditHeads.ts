import type { Knex } from "knex";

/** Stores each order's newest audit hash (the chain head) on its row, in the caller's transaction. */
export async function writeAuditHeads(trx: Knex.Transaction, workspaceId: string, heads: Map<string, string | null>): Promise<void> {
  if (heads.size === 0) return;
  const ids = [...heads.keys()];
  for (let i = 0; i < ids.length; i += 5000) {
    const slice = ids.slice(i, i + 5000);
    await trx.raw(
      `update orders o set audit_head = h.hash
       from unnest(?::text[], ?::text[]) as h(id, hash)
       where o.workspace_id = ? and o.id = h.id`,
      [slice, slice.map((id) => heads.get(id) ?? ""), workspaceId],
    );
  }
}
