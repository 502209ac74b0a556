import type { Logger } from "pino";
import type { SlotClaims } from "./jobPorts.js";

/** What the digest job needs (implemented by `KnexAuditStore` and a workspace lister). */
export interface DigestWriter {
  writeDigest(workspaceId: string, now: Date): Promise<{ uptoSeq: string; chains: number; digest: string } | null>;
}

/** What one digest run did. */
export interface DigestRunSummary {
  /** Workspaces that got a digest. */
  written: number;
  /** Workspaces with no audit entries since their last digest (or ever). */
  empty: number;
  /** Workspaces another instance digested this slot. */
  skipped: number;
  errors: number;
}

/** How the digest job is put together. */
export interface DigestJobOptions {
  workspaces: () => Promise<{ id: string }[]>;
  audit: DigestWriter;
  logger: Logger;
  slots?: SlotClaims;
  /**
   * Upkeep run once per run before the digests, on every instance: full checks a stopped
   * server left running. (The audit log's month partitions are the retention job's, through
   * its `alsoEnsure`.)
   */
  maintain?: (now: Date) => Promise<unknown>;
}

/**
 * Periodically pins the audit chains: a digest over the heads of the chains changed since
 * the previous digest of each workspace, chained to it, so that verification notices a
 * chain removed as a whole (entries and order row alike), which the per-order hash links
 * alone cannot show. A workspace with nothing written since gets none (counted as empty).
 */
export class DigestJob {
  constructor(private readonly opts: DigestJobOptions) {}

  /** One run at `now`; `slot` names the schedule slot for claims (default: `now`). */
  async run(now: Date, slot: Date = now): Promise<DigestRunSummary> {
    const sum: DigestRunSummary = { written: 0, empty: 0, skipped: 0, errors: 0 };
    if (this.opts.maintain) {
      try {
        await this.opts.maintain(now);
      } catch (err) {
        sum.errors += 1;
        this.opts.logger.error({ err, job: "audit-digest" }, "audit partition upkeep failed");
      }
    }
    for (const ws of await this.opts.workspaces()) {
      try {
        if (this.opts.slots && !(await this.opts.slots.claim(ws.id, "audit-digest", slot))) {
          sum.skipped += 1;
          continue;
        }
        const d = await this.opts.audit.writeDigest(ws.id, now);
        if (d) sum.written += 1;
        else sum.empty += 1;
      } catch (err) {
        sum.errors += 1;
        this.opts.logger.error({ err, job: "audit-digest", workspaceId: ws.id }, "audit digest failed for a workspace");
      }
    }
    return sum;
  }
}
