import { EDITABLE_COLUMNS, type EditableColumn } from "../../server/contracts/edits.js";
import type { Lang } from "./i18n.js";

/** Identifiers of the Orders table columns, in sheet order. */
export const COLUMN_IDS = [
  "key",
  "version",
  "orderId",
  "status",
  "channel",
  "externalOrderId",
  "customer",
  "amount",
  "currency",
  "region",
  "warehouse",
  "carrier",
  "waybillNo",
  "tags",
  "remark",
  "placedAt",
  "statusSince",
  "sla",
  "updatedAt",
  "sync",
] as const;

/** One column identifier. */
export type ColumnId = (typeof COLUMN_IDS)[number];

/** One column of the Orders table. */
export interface ColumnDef {
  id: ColumnId;
  /** Header text per language. Hidden columns use the same neutral name in both. */
  header: Record<Lang, string>;
  /** Hidden from staff (the key and version columns the add-in finds rows by). */
  hidden: boolean;
  /** The edit-contract column when staff may edit it; undefined for system columns. */
  editable?: EditableColumn;
  /** Column width in points. */
  width: number;
}

const HEADERS: Record<ColumnId, [zh: string, en: string, width: number]> = {
  key: ["_key", "_key", 10],
  version: ["_version", "_version", 10],
  orderId: ["订单号", "Order ID", 120],
  status: ["状态", "Status", 90],
  channel: ["渠道", "Channel", 60],
  externalOrderId: ["平台单号", "External order ID", 120],
  customer: ["客户", "Customer", 80],
  amount: ["金额", "Amount", 70],
  currency: ["币种", "Currency", 45],
  region: ["地区", "Region", 60],
  warehouse: ["仓库", "Warehouse", 70],
  carrier: ["承运商", "Carrier", 70],
  waybillNo: ["运单号", "Waybill no.", 110],
  tags: ["标签", "Tags", 90],
  remark: ["备注", "Remark", 140],
  placedAt: ["下单时间", "Placed at", 100],
  statusSince: ["状态开始时间", "Status since", 100],
  sla: ["SLA", "SLA", 40],
  updatedAt: ["更新时间", "Updated at", 100],
  sync: ["同步", "Sync", 160],
};

function isEditable(id: string): id is EditableColumn {
  return Object.prototype.hasOwnProperty.call(EDITABLE_COLUMNS, id);
}

/** The Orders table model: every column in sheet order. */
export const COLUMNS: readonly ColumnDef[] = COLUMN_IDS.map((id) => {
  const [zhText, enText, width] = HEADERS[id];
  return {
    id,
    header: { "zh-CN": zhText, en: enText },
    hidden: id === "key" || id === "version",
    editable: isEditable(id) ? id : undefined,
    width,
  };
});

/** Position of each column (0-based) within the table. */
export const COL: Readonly<Record<ColumnId, number>> = Object.fromEntries(COLUMN_IDS.map((id, i) => [id, i])) as Record<ColumnId, number>;

/** Number of columns in the Orders table. */
export const COLUMN_COUNT = COLUMN_IDS.length;

/** Columns the server owns: shaded in the sheet, edits to them are refused and reverted. */
export const SYSTEM_COLUMNS: readonly ColumnDef[] = COLUMNS.filter((c) => !c.editable);

/** The header row in `lang`. */
export function headerRow(lang: Lang): string[] {
  return COLUMNS.map((c) => c.header[lang]);
}

/**
 * Whether an existing header row is the Orders table model, in either language.
 * Returns the first mismatching column index, or -1 when it matches.
 */
export function headerMismatch(headers: readonly unknown[]): number {
  for (let i = 0; i < COLUMN_COUNT; i++) {
    const h = String(headers[i] ?? "").trim();
    const c = COLUMNS[i];
    if (h !== c.header["zh-CN"] && h !== c.header.en) return i;
  }
  return -1;
}

/** The column definition for an edit-contract column name. */
export function columnForEditable(name: string): ColumnDef | undefined {
  return COLUMNS.find((c) => c.editable === name);
}

/** Excel column letters for a 0-based index (0 → A, 26 → AA). */
export function columnLetter(index: number): string {
  let n = index + 1;
  let out = "";
  while (n > 0) {
    const rem = (n - 1) % 26;
    out = String.fromCharCode(65 + rem) + out;
    n = Math.floor((n - 1) / 26);
  }
  return out;
}

/** 0-based column index of Excel column letters (A → 0, AA → 26). */
export function columnIndex(letters: string): number {
  let n = 0;
  for (const ch of letters.toUpperCase()) n = n * 26 + (ch.charCodeAt(0) - 64);
  return n - 1;
}
