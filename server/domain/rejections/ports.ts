import type { z } from "zod";
import type { RejectedInput } from "../../contracts/api.js";

/** A refused input as stored. */
export interface RejectionRecord {
  workspaceId: string | null;
  actor: string | null;
  route: string;
  status: number;
  reason: string;
  body: string;
  bodyBytes: number;
}

/** Refused input, kept where an admin can look at it (implemented by `KnexRejectionStore`). */
export interface RejectionStore {
  /** Stores one refused input. */
  record(r: RejectionRecord): Promise<void>;
  /** Newest first, optionally before an id (pagination); with `actor`, only what that user sent. */
  list(workspaceId: string, limit: number, before?: string, actor?: string): Promise<z.infer<typeof RejectedInput>[]>;
}
