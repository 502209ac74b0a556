import type { Knex } from "knex";

/** Re-seals one connector's credentials; undefined when they need nothing (already current, or none). */
export type Reseal = (sealed: string, connector: { workspaceId: string; id: string }) => string | undefined;

/**
 * Moves connector credentials still in the earlier sealed format (`v1:`) to the current seal
 * (run at start-up): each row
 * is rewritten only if it still holds the text that was read, so a PATCH racing this pass wins.
 * Returns how many rows were re-sealed. A row that cannot be re-sealed throws out of `reseal`
 * and is left as it is; the caller decides what to log.
 */
export async function resealConnectorCredentials(
  knex: Knex,
  reseal: Reseal,
  onError: (err: unknown, connector: { workspaceId: string; id: string }) => void,
): Promise<number> {
  const rows: Array<{ workspace_id: string; id: string; credentials: string | null }> = await knex("connector_instances")
    .select("workspace_id", "id", "credentials")
    .where("credentials", "like", "v1:%");
  let done = 0;
  for (const r of rows) {
    const ref = { workspaceId: r.workspace_id, id: r.id };
    let next: string | undefined;
    try {
      next = reseal(r.credentials!, ref);
    } catch (err) {
      onError(err, ref);
      continue;
    }
    if (next === undefined) continue;
    done += await knex("connector_instances")
      .where({ workspace_id: r.workspace_id, id: r.id, credentials: r.credentials })
      .update({ credentials: next });
  }
  return done;
}
