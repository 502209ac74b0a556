import type { ColumnMapping, RowProblem } from "../mapping/columnMapping.js";
import type { ConnectorCaller } from "./ports.js";

/** A file as uploaded to a file drop, to be kept. */
export interface NewFiledropFile {
  workspaceId: string;
  id: string;
  connectorId: string;
  name: string;
  mediaType: string;
  content: Buffer;
  sha256: string;
  outcome: "imported" | "refused";
  problems: RowProblem[];
  counts: Record<string, number>;
  uploadedBy: string;
}

/** A kept file, without its bytes. */
export interface FiledropFileInfo {
  id: string;
  name: string;
  mediaType: string;
  size: number;
  sha256: string;
  outcome: "imported" | "refused";
  problems: RowProblem[];
  counts: Record<string, number>;
  uploadedBy: string;
  uploadedAt: string;
}

/** Uploaded files (implemented by `KnexFiledropStore`). */
export interface FiledropFileStore {
  save(f: NewFiledropFile, now: Date): Promise<void>;
  list(workspaceId: string, connectorId: string, limit: number): Promise<FiledropFileInfo[]>;
  content(workspaceId: string, connectorId: string, id: string): Promise<{ name: string; mediaType: string; content: Buffer } | undefined>;
}

/** What an upload did. */
export interface FiledropResult {
  fileId: string;
  outcome: "imported";
  rows: number;
  orders: number;
  created: number;
  events: number;
  unmapped: number;
}

/** What a file's headers suggest. */
export interface FiledropSuggestion {
  headerLine: number;
  headers: string[];
  encoding: string | null;
  suggested: ColumnMapping;
  saved: ColumnMapping;
  /** What the saved mapping lacks for this file (empty: it can be imported as is). */
  problems: string[];
}

/** File drop as the HTTP routes use it (implemented by `FiledropService`). */
export interface Filedrop {
  upload(caller: ConnectorCaller, id: string, file: { bytes: Buffer; mediaType: string; name: string }): Promise<FiledropResult>;
  suggest(workspaceId: string, id: string, bytes: Buffer, mediaType: string): Promise<FiledropSuggestion>;
  files(workspaceId: string, id: string, limit: number): Promise<FiledropFileInfo[]>;
  content(workspaceId: string, id: string, fileId: string): Promise<{ name: string; mediaType: string; content: Buffer }>;
}
