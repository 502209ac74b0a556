import type { Knex } from "knex";
import type { AuthEpochs } from "../../domain/access/authEpochs.js";

/** Moves a workspace's auth epoch on `db` (the root knex or an open transaction). */
export async function bumpAuthEpoch(db: Knex | Knex.Transaction, workspaceId: string): Promise<void> {
  await db.raw(
    "insert into auth_epochs (workspace_id, epoch) values (?, 1) on conflict (workspace_id) do update set epoch = auth_epochs.epoch + 1",
    [workspaceId],
  );
}

/** Per-workspace auth epochs in the `auth_epochs` table, shared by every server instance on the database. */
export class KnexAuthEpochs implements AuthEpochs {
  constructor(private readonly knex: Knex) {}

  /** Moves the workspace's epoch. */
  async bump(workspaceId: string): Promise<void> {
    await bumpAuthEpoch(this.knex, workspaceId);
  }

  /** The current epoch of each workspace asked for (0 for one that never moved). */
  async read(workspaceIds: readonly string[]): Promise<Map<string, number>> {
    const out = new Map<string, number>(workspaceIds.map((w) => [w, 0]));
    if (workspaceIds.length === 0) return out;
    const rows: { workspace_id: string; epoch: number | string }[] = await this.knex("auth_epochs")
      .whereIn("workspace_id", [...workspaceIds])
      .select("workspace_id", "epoch");
    for (const r of rows) out.set(r.workspace_id, Number(r.epoch));
    return out;
  }
}
