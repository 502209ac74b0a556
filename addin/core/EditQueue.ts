import { z } from "zod";
import { CellEdit, type EditResult } from "../../server/contracts/edits.js";

/** Where the queue keeps its state: one text value per workbook that survives a pane reload. */
export interface QueueStorage {
  load(): string | null;
  save(text: string): void;
}

const Stored = z.object({ v: z.literal(1), edits: z.array(CellEdit) });

/** What one drain did. */
export interface DrainReport {
  /** Edits the server answered (saved, conflict or refused). */
  results: EditResult[];
  /** The edits those results are for, as sent. */
  sent: CellEdit[];
  /** Set when the server could not be reached (the edits stay queued). */
  error?: unknown;
}

/** Sends a batch of edits and returns one result per edit, in order. */
export type SendEdits = (edits: CellEdit[]) => Promise<EditResult[]>;

/**
 * The edits not yet answered by the server, persisted per workbook. An edit stays queued
 * until it gets a definite answer (saved, conflict or refused); then it is dropped and never
 * sent again. Sending an edit whose answer was lost is harmless: the server dedupes on
 * `clientEditId`. A later edit of the same order cell replaces a queued one not yet in flight.
 */
export class EditQueue {
  private edits: CellEdit[] = [];
  private readonly inFlight = new Set<string>();
  private draining: Promise<DrainReport> | undefined;

  constructor(
    private readonly storage: QueueStorage,
    private readonly batchSize = 500,
  ) {
    const text = storage.load();
    if (text) {
      const parsed = Stored.safeParse(safeJson(text));
      if (parsed.success) this.edits = parsed.data.edits;
    }
  }

  /** Edits waiting (in flight included). */
  size(): number {
    return this.edits.length;
  }

  /** A copy of the waiting edits, oldest first. */
  pending(): CellEdit[] {
    return [...this.edits];
  }

  /** Adds edits; an ID already queued is ignored, and a queued edit of the same cell is replaced. */
  enqueue(edits: readonly CellEdit[]): void {
    for (const e of edits) {
      if (this.edits.some((q) => q.clientEditId === e.clientEditId)) continue;
      this.edits = this.edits.filter((q) => this.inFlight.has(q.clientEditId) || q.orderId !== e.orderId || q.column !== e.column);
      this.edits.push(e);
    }
    this.persist();
  }

  /**
   * Sends everything queued, in batches, once: concurrent calls share the same drain.
   * Stops at the first failure to reach the server; what was not answered stays queued.
   */
  drain(send: SendEdits): Promise<DrainReport> {
    this.draining ??= this.run(send).finally(() => {
      this.draining = undefined;
    });
    return this.draining;
  }

  private async run(send: SendEdits): Promise<DrainReport> {
    const report: DrainReport = { results: [], sent: [] };
    for (;;) {
      const batch = this.edits.filter((e) => !this.inFlight.has(e.clientEditId)).slice(0, this.batchSize);
      if (!batch.length) return report;
      for (const e of batch) this.inFlight.add(e.clientEditId);
      try {
        const results = await send(batch);
        const answered = new Set(results.map((r) => r.clientEditId));
        this.edits = this.edits.filter((e) => !answered.has(e.clientEditId));
        this.persist();
        report.results.push(...results);
        report.sent.push(...batch.filter((e) => answered.has(e.clientEditId)));
        if (answered.size < batch.length) return report;
      } catch (error) {
        report.error = error;
        return report;
      } finally {
        for (const e of batch) this.inFlight.delete(e.clientEditId);
      }
    }
  }

  private persist(): void {
    this.storage.save(JSON.stringify({ v: 1, edits: this.edits }));
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
