/** Name of the Orders table. */
export const ORDERS_TABLE = "OrdersTable";

/** Number format that keeps what is written as text (see core/cellFormats). */
export { TEXT_FORMAT } from "../core/cellFormats.js";

/** Last row of a worksheet (1-based), for rules that cover a whole column below the header. */
export const LAST_SHEET_ROW = 1_048_576;
