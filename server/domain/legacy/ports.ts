import type { LegacyField } from "./headers.js";
import type { RowPlan } from "./dryRun.js";
import type { StatusPhrase } from "./statusPhrases.js";

/** A mapping a person confirmed for a workbook layout (keyed by the fingerprint of its header row). */
export interface ConfirmedMapping {
  fingerprint: string;
  sheet: string;
  headerRow: number;
  /** Header text → order field, or null: the column is not imported. */
  mapping: Record<string, LegacyField | null>;
  confirmedBy: string;
  confirmedAt: string;
}

/** A team's phrase as stored. */
export interface StoredPhrase extends StatusPhrase {
  createdBy: string;
  createdAt: string;
}

/** One dry run or import, as kept for admins. */
export interface ImportRun {
  id: string;
  workspaceId: string;
  at: string;
  actor: string;
  dryRun: boolean;
  outcome: "planned" | "imported" | "failed";
  mediaType: string;
  sheet: string | null;
  fingerprint: string | null;
  headerRow: number | null;
  bytes: number;
  counts: Record<string, number>;
  mapping: unknown;
  error: string | null;
}

/** One row's kept outcome. */
export interface ImportRowRecord {
  row: number;
  outcome: string;
  code: string;
  reason: string;
  reasonZh: string;
  orderId: string | null;
  detail: Pick<RowPlan, "notes" | "order" | "suggestions"> & Record<string, unknown>;
}

/** Mappings, phrases and runs of legacy-sheet imports (implemented by `KnexLegacyStore`). */
export interface LegacyStore {
  confirmedMapping(workspaceId: string, fingerprint: string): Promise<ConfirmedMapping | null>;
  confirmMapping(workspaceId: string, m: ConfirmedMapping): Promise<void>;
  phrases(workspaceId: string): Promise<StoredPhrase[]>;
  /** Adds or replaces phrases (compared after folding case, width, spaces and punctuation). */
  putPhrases(workspaceId: string, actor: string, phrases: StatusPhrase[], now: Date): Promise<void>;
  /** Keeps a run with its rows; `upload` only for failed runs. */
  recordRun(run: ImportRun, rows: ImportRowRecord[], upload?: Buffer): Promise<void>;
  listRuns(workspaceId: string, limit: number): Promise<ImportRun[]>;
  /** One run with its rows; null when there is none. */
  getRun(workspaceId: string, id: string): Promise<{ run: ImportRun; rows: ImportRowRecord[]; hasUpload: boolean } | null>;
  /** The kept upload of a failed run. */
  upload(workspaceId: string, id: string): Promise<Buffer | null>;
}
