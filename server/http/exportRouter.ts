import ExcelJS from "exceljs";
import { Router } from "express";
import { api } from "../contracts/api.js";
import type { ExportOrdersQuery } from "../contracts/access.js";
import { exportRefusal } from "../domain/access/accessPolicies.js";
import { maskOrder } from "../domain/access/masking.js";
import { ForbiddenError, InputError } from "../domain/errors.js";
import type { Order } from "../domain/order.js";
import { cellCsvText, csvRecord, EXPORT_COLUMNS, exportRows, type ExportCell } from "../domain/orders/exportTable.js";
import type { OrderListFilter, OrderStore } from "../domain/orders/ports.js";
import type { WorkflowStore } from "../domain/workflow/ports.js";
import { callerPolicy, logUnmaskedRead, type AccessGate } from "./accessGate.js";
import { bindRoute } from "./bindRoute.js";
import { listFilterOf } from "./orderView.js";
import { sensitiveOperation } from "./sensitiveOps.js";

/** What the export route needs. */
export interface ExportDeps extends AccessGate {
  orders: OrderStore;
  /** For status labels in the export's language. */
  workflows: Pick<WorkflowStore, "current">;
  /** The most rows one export may hold; narrower filters beyond it (default 100,000). */
  maxRows?: number;
}

const PAGE = 1000;
const XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/** The filters as the log records them (no personal data: filters are codes, days and IDs). */
function loggedFilters(query: ExportOrdersQuery): Record<string, string> {
  const { format: _f, lang: _l, ...filters } = query;
  return Object.fromEntries(Object.entries(filters).filter(([, v]) => v !== undefined).map(([k, v]) => [k, String(v)]));
}

async function xlsxFile(header: string[], rows: ExportCell[][], sheetName: string): Promise<Buffer> {
  const wb = new ExcelJS.Workbook();
  wb.creator = "Ordersheet";
  const ws = wb.addWorksheet(sheetName, { views: [{ state: "frozen", ySplit: 1 }] });
  ws.columns = EXPORT_COLUMNS.map((c, i) => ({ header: header[i], key: c.id, width: c.width }));
  ws.getRow(1).font = { bold: true };
  for (const cells of rows) {
    const row = ws.addRow(cells.map((c) => (c === null ? null : c.value)));
    cells.forEach((c, i) => {
      if (c === null) return;
      const cell = row.getCell(i + 1);
      // Text cells carry the "@" format so an order ID or a phone stays text when edited, too.
      if (c.kind === "text") cell.numFmt = "@";
      else if (c.kind === "number") cell.numFmt = c.digits > 0 ? `0.${"0".repeat(c.digits)}` : "0";
      else cell.numFmt = "yyyy-mm-dd hh:mm:ss";
    });
  }
  return Buffer.from(await wb.xlsx.writeBuffer());
}

function csvFile(header: string[], rows: ExportCell[][]): Buffer {
  const lines = [csvRecord(header), ...rows.map((r) => csvRecord(r.map(cellCsvText)))];
  // The BOM makes Excel read the file as UTF-8 (Chinese text intact).
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join("\r\n") + "\r\n", "utf8")]);
}

/**
 * `GET /api/orders/export`: the orders the list filters select, in the caller's row scope,
 * as Excel (typed cells) or CSV (UTF-8 with BOM), personal data masked per role. Roles the
 * access policy does not let export get 403; every export is in the sensitive-operation log.
 * Mounted before the orders router, whose `/orders/:id` would otherwise take `export`.
 */
export function exportRouter(deps: ExportDeps): Router {
  const router = Router();
  const maxRows = deps.maxRows ?? 100_000;

  bindRoute(router, api.exportOrders, async ({ query, principal, req, res }) => {
    const policy = await callerPolicy(deps, principal);
    if (!policy.mayExport) throw new ForbiddenError(exportRefusal(principal.role));

    const filter = await listFilterOf(query, principal, async () => (await deps.workflows.current(principal.workspaceId)).definition);
    const orders: Order[] = [];
    let cursor: OrderListFilter["cursor"];
    for (;;) {
      const page = await deps.orders.listOrders(principal.workspaceId, { ...filter, limit: PAGE, cursor });
      orders.push(...page.orders);
      if (orders.length > maxRows) {
        throw new InputError(`this export would hold more than ${maxRows} orders; narrow it with status, channel, region or placedFrom/placedTo (导出超过 ${maxRows} 条，请缩小筛选范围)`);
      }
      if (!page.next) break;
      cursor = page.next;
    }

    const flow = (await deps.workflows.current(principal.workspaceId)).definition;
    const labels = new Map(flow.states.map((s) => [s.code, s.labels[query.lang]]));
    const shown = policy.unmaskedPii ? orders : orders.map(maskOrder);
    const rows = exportRows(shown, { timeZone: principal.timeZone, statusLabel: (code) => labels.get(code) ?? code });
    const header = EXPORT_COLUMNS.map((c) => c.header[query.lang]);

    const at = deps.now();
    await deps.sensitiveLog.record(
      sensitiveOperation(req, principal, "export", "orders", { format: query.format, filters: loggedFilters(query), rows: orders.length, masked: !policy.unmaskedPii }, at),
    );
    if (policy.unmaskedPii) await logUnmaskedRead(deps, req, principal, orders, "GET /api/orders/export", { format: query.format });

    const stamp = at.toISOString().slice(0, 19).replace(/[-:]/g, "").replace("T", "-");
    const name = `orders-${stamp}.${query.format}`;
    const body = query.format === "xlsx" ? await xlsxFile(header, rows, query.lang === "en" ? "Orders" : "订单") : csvFile(header, rows);
    res.status(200);
    res.setHeader("Content-Type", query.format === "xlsx" ? XLSX_TYPE : "text/csv; charset=utf-8");
    res.setHeader("Content-Disposition", `attachment; filename="${name}"`);
    res.setHeader("Cache-Control", "no-store");
    res.send(body);
    return "";
  });

  return router;
}
