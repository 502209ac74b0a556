/** Sheet holding the Orders table. */
export const ORDERS_SHEET = "Orders";

/** Name of the Orders table. */
export const ORDERS_TABLE = "OrdersTable";

/** Hidden sheet holding the status labels the dropdown points at. */
export const LISTS_SHEET = "Lists";

/** Sheet listing open alerts. */
export const ALERTS_SHEET = "Alerts";

/** Sheet listing open conflicts. */
export const CONFLICTS_SHEET = "Conflicts";

/** Number format that keeps what is written as text (see core/cellFormats). */
export { TEXT_FORMAT } from "../core/cellFormats.js";

/** Last row of a worksheet (1-based), for rules that cover a whole column below the header. */
export const LAST_SHEET_ROW = 1_048_576;
