import type { ChangedBlock, ChangeOrigin } from "./editCapture.js";
import type { SheetSnapshot, WritePlan } from "./diffRows.js";
import type { Lang } from "./i18n.js";
import type { CellPatch } from "./resultPlan.js";
import type { CellValue } from "./rowsFromOrders.js";

/** What the workbook is set up with. */
export interface WorkbookSetup {
  lang: Lang;
  /** Status labels for the dropdown, in the current language. */
  statusLabels: string[];
  /** Header texts of the Orders table in the current language. */
  headers: string[];
  /** Labels of the SLA colours in both languages, for conditional formatting. */
  slaLabels: { red: string[]; orange: string[]; green: string[] };
  /**
   * The status dropdown per state (see `statusMoveTable`): each row's list offers only the moves
   * the workflow allows this user from the status the row shows. Absent: every status.
   */
  statusMoves?: readonly (readonly string[])[];
  /** Rename the pane's sheets still named in another language to this language's names (the language switch). */
  renameSheets?: boolean;
  /** Title and message of the status dropdown's error alert. */
  validation: { title: string; message: string };
  /**
   * Editable columns (0-based table indexes) the signed-in user may not edit under the access
   * policy: shaded like system columns. Absent or empty: none.
   */
  lockedColumns?: readonly number[];
}

/** Progress of a long write: rows written of the total. */
export type WriteProgress = (done: number, total: number) => void;

/** What a sync of rows did. */
export interface SyncOutcome {
  plan: WritePlan;
  /** Excel round trips and write calls it took, and the bytes written. */
  syncs: number;
  calls: number;
  bytes: number;
}

/** A list sheet the pane keeps (alerts, conflicts). */
export type ListSheet = "Alerts" | "Conflicts";

/**
 * Everything the pane asks of the workbook. `addin/excel` implements it over Office.js;
 * tests implement it over a plain grid. Rows are always found by the hidden key column.
 */
export interface SheetGateway {
  /** Creates the Orders, Lists, Alerts and Conflicts sheets when missing, and refreshes labels. */
  prepare(setup: WorkbookSetup): Promise<void>;
  /**
   * Reads the rows holding `ids` (every row with "all"), hands them to `plan`, and writes
   * the resulting plan in chunks.
   */
  syncRows(ids: readonly string[] | "all", plan: (snapshot: SheetSnapshot) => WritePlan, progress?: WriteProgress): Promise<SyncOutcome>;
  /** The values of one column of the Orders table by order ID (rows without a key left out). */
  readColumn?(col: number): Promise<Map<string, CellValue>>;
  /** Writes single cells of rows found by order ID; unknown IDs are skipped. */
  patchCells(patches: readonly CellPatch[]): Promise<void>;
  /** Calls `handler` with each change staff make to the Orders table; resolves to an unsubscribe function. */
  onEdit(handler: (block: ChangedBlock, origin: ChangeOrigin) => void, onError?: (error: unknown) => void): Promise<() => Promise<void>>;
  /** The rows staff selected on a list sheet (their values, header row left out); empty when the selection is elsewhere. */
  selectedListRows?(sheet: ListSheet): Promise<CellValue[][]>;
  /** Filters the Orders table to the rows of `orderIds` (null: every row again). */
  filterRows?(orderIds: readonly string[] | null): Promise<void>;
  /** Selects the cell of an order's column; false when the order is not on the sheet. */
  select(orderId: string, col: number): Promise<boolean>;
  /** Replaces the content of a list sheet. */
  writeList(sheet: ListSheet, headers: string[], rows: CellValue[][]): Promise<void>;
}

/** Thrown when an existing Orders table does not have the expected columns. */
export class TableShapeError extends Error {
  constructor(
    readonly column: number,
    readonly expected: string,
  ) {
    super(`Orders table column ${column + 1} should be "${expected}"`);
    this.name = "TableShapeError";
  }
}
