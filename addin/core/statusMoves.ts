import type { Role } from "../../server/contracts/roles.js";
import type { WorkflowDefinition } from "../../server/contracts/workflow.js";
import { nextStatuses } from "../../server/domain/workflow/nextStatuses.js";
import type { Lang } from "./i18n.js";
import type { StatusBook } from "./StatusBook.js";

/**
 * One row of the status dropdown's table on the hidden lists sheet per state, in definition
 * order: the state's label first (a row keeps its status), then the labels of the states this
 * role may move it to. The Status cell's validation list is the row of the status it shows.
 */
export type StatusMoveTable = string[][];

/**
 * The dropdown table for `role` (every status open to all when the role is not known yet).
 * `allowedNext` — the server's own answer per state, when it sends one — wins over what the
 * add-in works out from the transitions.
 */
export function statusMoveTable(flow: WorkflowDefinition | undefined, statuses: StatusBook, lang: Lang, role?: Role, allowedNext?: Record<string, readonly string[]>): StatusMoveTable {
  const codes = statuses.codes();
  return codes.map((code) => {
    const next = allowedNext?.[code] ?? (flow && role ? nextStatuses(flow, code, role) : codes.filter((c) => c !== code));
    return [code, ...next.filter((c) => c !== code)].map((c) => statuses.label(c, lang));
  });
}

/** The options a row showing status `label` offers (its own label first); empty for a label not in the table. */
export function movesFor(table: StatusMoveTable, label: string): string[] {
  return table.find((row) => row[0] === label) ?? [];
}
