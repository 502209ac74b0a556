import type { Knex } from "knex";

const KEEP_DAYS = 2;

/**
 * Per-workspace job slots in the shared database: the server instance whose insert of
 * (workspace, job, slot) lands runs that slot; the others skip it. A single autocommit
 * statement, so no transaction stays open while the job runs.
 */
export class KnexJobSlots {
  private lastPrune = 0;

  constructor(
    private readonly knex: Knex,
    private readonly instance: string,
  ) {}

  /** Whether this instance won `slot` of `job` for the workspace. */
  async claim(workspaceId: string, job: string, slot: Date): Promise<boolean> {
    const rows = await this.knex("job_slots")
      .insert({ workspace_id: workspaceId, job, slot: slot.toISOString(), instance: this.instance, claimed_at: new Date().toISOString() })
      .onConflict(["workspace_id", "job", "slot"])
      .ignore()
      .returning(["job"]);
    await this.prune(slot);
    return rows.length === 1;
  }

  /** Drops slots older than two days, at most once an hour per instance. */
  private async prune(now: Date): Promise<void> {
    if (now.getTime() - this.lastPrune < 3_600_000) return;
    this.lastPrune = now.getTime();
    await this.knex("job_slots").where("slot", "<", new Date(now.getTime() - KEEP_DAYS * 86_400_000).toISOString()).del();
  }
}
