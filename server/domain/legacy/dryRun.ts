/**
 * The dry run of bringing a hand-kept sheet in: per row below the header, what would be
 * imported (with the order and its status), skipped (blank, total, repeated header, a note,
 * a duplicate) or needs a person's decision (no order number, unreadable money, an unknown
 * status …), each with a worded reason. Pure: the caller reads the workbook and stores runs.
 */
import type { WorkflowDefinition } from "../../contracts/workflow.js";
import type { Channel } from "../channels.js";
import {
  cellText, explicitYear, fenToDecimal, instantToWallClock, isBlank, normaliseWord, parseCarrier, parseChannel, parseDateTime, parseIdentifier, parseMoney, parsePhone,
  parseQuantity, parseWallClock, type CellValue,
} from "./cellValues.js";
import { applyConfirmed, findHeaderRow, headerFingerprint, suggestMapping, type ColumnMapping, type LegacyField, type SheetGrid } from "./headers.js";
import { word, type Reason, type WordedReason } from "./reasons.js";
import { phraseTable, type StatusPhrase } from "./statusPhrases.js";

/** The order a row would become: the fields `POST /api/orders` takes, plus the status. */
export interface LegacyOrderDraft {
  channel: Channel;
  externalOrderId: string;
  customer: { id: null; name: string | null; phone: string | null; address: string | null };
  totalAmount: string;
  currency: "CNY";
  region: null;
  warehouse: null;
  carrier: string | null;
  waybillNo: string | null;
  tags: string[];
  extra: Record<string, unknown>;
  placedAt: string | null;
  promisedAt: null;
  lines: { sku: string; name: string; quantity: number; unitPrice: string; amount: string; flags: Record<string, boolean> }[];
  status: string;
}

/** One row's outcome. */
export interface RowPlan {
  /** The sheet's 1-based row number. */
  row: number;
  outcome: "import" | "skip" | "decide";
  /** The main reason in English; `reasonZh` in Chinese; `why` as code and parameters. */
  reason: string;
  reasonZh: string;
  why: WordedReason;
  /** Lesser things noticed (a phone kept as typed, a year assumed …). */
  notes: WordedReason[];
  order?: LegacyOrderDraft;
  /** For unknown statuses: the closest states. */
  suggestions?: { state: string; score: number }[];
}

/** Everything a dry run answers. */
export interface ImportPlan {
  sheet: string;
  headerRow: number;
  fingerprint: string;
  headers: string[];
  mapping: ColumnMapping[];
  /** True when the mapping came from a confirmed one for this workbook. */
  mappingConfirmed: boolean;
  hiddenColumns: number[];
  defaultYear: number;
  rows: RowPlan[];
  counts: { import: number; skip: number; decide: number };
  /** Status phrases not in the table, with the rows they are on and suggestions: what the team may add. */
  unknownStatuses: { phrase: string; rows: number[]; suggestions: { state: string; score: number }[] }[];
}

/** What a dry run needs besides the grid. */
export interface PlanOptions {
  flow: WorkflowDefinition;
  phrases: readonly StatusPhrase[];
  timeZone: string;
  now: Date;
  /** A confirmed mapping for this workbook (header → field), when one was remembered. */
  confirmed?: Record<string, LegacyField | null>;
  /** The channel of rows without a platform cell. */
  defaultChannel?: Channel;
}

const TOTAL_HINT = /合计|总计|小计|共计|总额|汇总|total|sum/i;
const TOTAL = /^(合计|总计|小计|共计|总额|汇总|total|sum|grandtotal|subtotal)/i;

/** Plans the import of one sheet. Throws nothing: a sheet without a header row is reported by `findHeaderRow` returning null to the caller first. */
export function planImport(grid: SheetGrid, headerRow: number, opts: PlanOptions): ImportPlan {
  const headerCells = grid.rows[headerRow - 1] ?? [];
  const suggested = suggestMapping(headerCells, grid.hiddenColumns);
  const mapping = opts.confirmed ? applyConfirmed(suggested, opts.confirmed) : suggested;
  const headers = headerCells.map((c) => cellText(c));
  const col = new Map<LegacyField, number>();
  for (const m of mapping) if (m.field) col.set(m.field, m.column);
  const get = (row: CellValue[], f: LegacyField): CellValue => {
    const c = col.get(f);
    return c === undefined ? null : (row[c - 1] ?? null);
  };
  const table = phraseTable(opts.flow, opts.phrases);
  const stateLabel = (code: string) => opts.flow.states.find((s) => s.code === code);

  // The year of dates typed without one: the sheet's most common written year, else the import's.
  const years = new Map<number, number>();
  const dataRows = grid.rows.slice(headerRow);
  for (const r of dataRows) {
    const y = explicitYear(get(r, "placedAt"));
    if (y !== null) years.set(y, (years.get(y) ?? 0) + 1);
  }
  const defaultYear = [...years.entries()].sort((a, b) => b[1] - a[1] || b[0] - a[0])[0]?.[0] ?? instantToWallClock(opts.now, opts.timeZone).year;
  const dateCtx = { timeZone: opts.timeZone, defaultYear, now: opts.now };

  const mappedCols = mapping.filter((m) => m.field).map((m) => m.column);
  const seqCol = col.get("seq");
  const seenContent = new Map<string, number>();
  const seenId = new Map<string, { row: number; content: string }>();
  const unknown = new Map<string, { phrase: string; rows: number[]; suggestions: { state: string; score: number }[] }>();
  const rows: RowPlan[] = [];

  dataRows.forEach((cells, i) => {
    const rowNo = headerRow + 1 + i;
    const plan = (outcome: RowPlan["outcome"], why: Reason, notes: Reason[] = [], extra: Partial<RowPlan> = {}): void => {
      const w = word(why);
      rows.push({ row: rowNo, outcome, reason: w.en, reasonZh: w["zh-CN"], why: w, notes: notes.map(word), ...extra });
    };
    const filled = cells.map((c, j) => ({ c, j })).filter(({ c }) => !isBlank(c));
    if (filled.length === 0) return plan("skip", { code: "blank_row" });
    const totalCell = filled.find(({ c }) => typeof c === "string" && TOTAL_HINT.test(c) && TOTAL.test(normaliseWord(c)));
    const idCell = get(cells, "externalOrderId");
    if (totalCell && (isBlank(idCell) || cells[totalCell.j] === idCell)) return plan("skip", { code: "total_row", params: { value: cellText(totalCell.c) } });
    const sameAsHeader = mappedCols.filter((c) => cellText(cells[c - 1] ?? null) === headers[c - 1]).length;
    if (mappedCols.length && sameAsHeader >= Math.ceil(mappedCols.length * 0.6)) return plan("skip", { code: "repeated_header" });
    if (filled.length === 1 && typeof filled[0].c === "string" && isBlank(idCell) && isBlank(get(cells, "amount"))) {
      return plan("skip", { code: "note_row", params: { value: cellText(filled[0].c).slice(0, 60) } });
    }

    const notes: Reason[] = [];
    const decide: Reason[] = [];
    const id = parseIdentifier(idCell);
    if (!id.ok) decide.push({ code: id.code === "id_missing" ? "order_id_missing" : id.code, params: id.params });
    let channel: Channel | undefined;
    const platformCell = get(cells, "channel");
    if (isBlank(platformCell) && opts.defaultChannel) channel = opts.defaultChannel;
    else {
      const ch = parseChannel(platformCell);
      if (ch.ok) channel = ch.value;
      else decide.push({ code: ch.code, params: ch.params });
    }
    const money = parseMoney(get(cells, "amount"));
    if (!money.ok) decide.push({ code: money.code, params: money.params });
    let placedAt: string | null = null;
    const dateCell = get(cells, "placedAt");
    if (!isBlank(dateCell)) {
      const d = parseDateTime(dateCell, dateCtx);
      if (d.ok) {
        placedAt = d.value.toISOString();
        const wc = parseWallClock(dateCell, dateCtx);
        if (wc.ok && "yearless" in wc.value && wc.value.yearless) notes.push({ code: "year_inferred", params: { value: cellText(dateCell), year: instantToWallClock(d.value, opts.timeZone).year } });
      } else decide.push({ code: d.code, params: d.params });
    } else if (col.has("placedAt")) notes.push({ code: "date_missing" });
    let quantity = 1;
    const qtyCell = get(cells, "quantity");
    if (!isBlank(qtyCell)) {
      const q = parseQuantity(qtyCell);
      if (q.ok) quantity = q.value;
      else decide.push({ code: q.code, params: q.params });
    } else if (col.has("quantity") && !isBlank(get(cells, "item"))) notes.push({ code: "quantity_missing" });
    let phone: string | null = null;
    const phoneCell = get(cells, "phone");
    if (!isBlank(phoneCell)) {
      const p = parsePhone(phoneCell);
      if (p.ok) phone = p.value;
      else {
        phone = cellText(phoneCell).slice(0, 50);
        notes.push({ code: p.code, params: p.params });
      }
    }
    let carrier: string | null = null;
    const carrierCell = get(cells, "carrier");
    if (!isBlank(carrierCell)) {
      const c = parseCarrier(carrierCell);
      if (c.ok) carrier = c.value;
      else {
        carrier = cellText(carrierCell).slice(0, 100);
        notes.push({ code: c.code, params: c.params });
      }
    }
    let state: string | undefined;
    let suggestions: { state: string; score: number }[] | undefined;
    const statusCell = get(cells, "status");
    const s = table.lookup(statusCell);
    if (s.ok) state = s.state;
    else if (s.code === "status_missing") {
      state = opts.flow.initial;
      if (col.has("status")) notes.push({ code: "status_missing", params: { state: label(stateLabel(state), state) } });
    } else {
      suggestions = s.suggestions;
      decide.push({ code: s.code, params: { value: s.phrase, ...(s.suggestions.length ? { suggest: s.suggestions.map((x) => label(stateLabel(x.state), x.state)).join(", ") } : {}) } });
      const key = normaliseWord(s.phrase);
      const u = unknown.get(key) ?? { phrase: s.phrase, rows: [], suggestions: s.suggestions };
      u.rows.push(rowNo);
      unknown.set(key, u);
    }

    const text = (f: LegacyField, max: number) => {
      const t = cellText(get(cells, f));
      return t === "" ? null : t.slice(0, max);
    };
    const itemName = text("item", 300);
    const sku = text("sku", 100) ?? (itemName ? itemName.slice(0, 100) : null);
    const fen = money.ok ? money.value : 0;
    const legacy: Record<string, unknown> = { sheet: grid.name, row: rowNo };
    for (const f of ["seq", "note", "handler"] as const) {
      const t = text(f, 500);
      if (t !== null) legacy[f] = t;
    }
    if (!isBlank(statusCell)) legacy.status = cellText(statusCell).slice(0, 100);
    const order: LegacyOrderDraft | undefined =
      id.ok && channel && money.ok
        ? {
            channel,
            externalOrderId: id.value,
            customer: { id: null, name: text("customerName", 200), phone, address: text("address", 500) },
            totalAmount: fenToDecimal(fen),
            currency: "CNY",
            region: null,
            warehouse: null,
            carrier,
            waybillNo: (() => {
              const w = parseIdentifier(get(cells, "waybillNo"));
              return w.ok ? w.value : null;
            })(),
            tags: [],
            extra: { legacy },
            placedAt,
            promisedAt: null,
            lines: sku ? [{ sku, name: itemName ?? sku, quantity, unitPrice: fenToDecimal(Math.round(fen / quantity)), amount: fenToDecimal(fen), flags: {} }] : [],
            status: state ?? opts.flow.initial,
          }
        : undefined;

    // Duplicates: the same content again is skipped; the same order number with other content needs a decision.
    // Compared as typed, the 序号 aside (a row pasted twice gets a new number).
    let content = "";
    for (const c of mappedCols) if (c !== seqCol) content += `${cellText(cells[c - 1] ?? null)}\u0001`;
    const sameRow = seenContent.get(content);
    if (sameRow !== undefined) return plan("skip", { code: "duplicate_row", params: { of: sameRow } }, [], order ? { order } : {});
    seenContent.set(content, rowNo);
    if (order) {
      const key = `${order.channel}\u0000${order.externalOrderId}`;
      const prior = seenId.get(key);
      if (prior) decide.unshift({ code: "conflicting_duplicate", params: { value: order.externalOrderId, of: prior.row } });
      else seenId.set(key, { row: rowNo, content });
    }
    if (decide.length) return plan("decide", decide[0], [...decide.slice(1), ...notes], { ...(order ? { order } : {}), ...(suggestions ? { suggestions } : {}) });
    plan("import", { code: "ready", params: { state: label(stateLabel(order!.status), order!.status) } }, notes, { order });
  });

  const counts = { import: 0, skip: 0, decide: 0 };
  for (const r of rows) counts[r.outcome]++;
  return {
    sheet: grid.name,
    headerRow,
    fingerprint: headerFingerprint(headers),
    headers,
    mapping,
    mappingConfirmed: Boolean(opts.confirmed),
    hiddenColumns: grid.hiddenColumns,
    defaultYear,
    rows,
    counts,
    unknownStatuses: [...unknown.values()],
  };
}

function label(state: { code: string; labels: { "zh-CN": string; en: string } } | undefined, code: string): string {
  return state ? `${code} (${state.labels["zh-CN"]})` : code;
}

/** Re-exported for callers that find the header row before planning. */
export { findHeaderRow };
