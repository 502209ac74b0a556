import { serialText } from "../../../addin/core/cellFormats.js";
import type { WritePlan } from "../../../addin/core/diffRows.js";
import type { CellValue } from "../../../addin/core/rowsFromOrders.js";

/** A cell as the text-only sheet wrote it before cells were typed: amounts "199.90", times "2026-01-15 10:00". */
function asText(value: CellValue, col: number, amountCol: number): CellValue {
  if (typeof value !== "number") return value;
  return col === amountCol ? value.toFixed(2) : serialText(value);
}

/** TEST-ONLY: a write plan with its typed cells turned back into the text they were written as before, to compare the bytes of both loads. */
export function textOnlyPlan(plan: WritePlan, amountCol = 7): WritePlan {
  return {
    ...plan,
    appends: plan.appends.map((row) => row.map((v, c) => asText(v, c, amountCol))),
    updates: plan.updates.map((u) => ({ ...u, values: u.values.map((v, i) => asText(v, u.col + i, amountCol)) })),
  };
}
