import crypto from "node:crypto";
import { FiledropConfig, FiledropCredentials } from "../../contracts/connectors.js";
import type { EventInput } from "../../contracts/events.js";
import type { ConnectorCaller, ConnectorStore, UnmappedSighting } from "../../domain/connectors/ports.js";
import type { Filedrop, FiledropFileInfo, FiledropFileStore, FiledropResult, FiledropSuggestion } from "../../domain/connectors/filedrop.js";
import { DEFAULT_STATUS_MAPS, effectiveStatusMap, lookupStatus, type StatusMapEntry, type StatusTarget } from "../../domain/connectors/statusMaps.js";
import { ConflictError, InputError, NotFoundError } from "../../domain/errors.js";
import { mappingProblems, readTable, suggestMapping, type ReadOrder, type RowProblem } from "../../domain/mapping/columnMapping.js";
import type { NewOrder } from "../../domain/orders/ports.js";
import type { Connector, MappedRecord, ParsedWebhook, PulledPage } from "../sdk/Connector.js";
import { readSheet } from "./readSheet.js";

/** The most problems a refusal lists (all are kept with the file). */
const LISTED = 20;

/**
 * File drop for shops with no API: an export (CSV in UTF-8 or GBK, or .xlsx) read through
 * the instance's saved column mapping into orders and events, written through the same
 * door as a pull page (one transaction; orders idempotent on channel + order number,
 * events deduplicated on source + a key derived from the row's order and fact), so the same
 * file uploaded twice imports nothing twice. One unreadable row refuses the whole file —
 * nothing half-imported — with every problem named by line, and the file kept for admins.
 */
export class FiledropService implements Filedrop {
  constructor(
    private readonly deps: { store: ConnectorStore; files: FiledropFileStore; now: () => Date },
  ) {}

  private async instance(workspaceId: string, id: string): Promise<{ name: string; config: FiledropConfig }> {
    const r = await this.deps.store.get(workspaceId, id);
    if (!r) throw new NotFoundError(`no connector ${id} in this workspace`);
    if (r.kind !== "filedrop") throw new ConflictError(`connector ${id} is a ${r.kind} connector, not a file drop`);
    return { name: r.name, config: FiledropConfig.parse(r.config) };
  }

  async suggest(workspaceId: string, id: string, bytes: Buffer, mediaType: string): Promise<FiledropSuggestion> {
    const { config } = await this.instance(workspaceId, id);
    const table = await readSheet(bytes, mediaType);
    return {
      headerLine: table.headerLine,
      headers: table.headers,
      encoding: table.encoding ?? null,
      suggested: suggestMapping(table.headers),
      saved: config.mapping,
      problems: mappingProblems(config.mapping, table.headers),
    };
  }

  async files(workspaceId: string, id: string, limit: number): Promise<FiledropFileInfo[]> {
    await this.instance(workspaceId, id);
    return this.deps.files.list(workspaceId, id, limit);
  }

  async content(workspaceId: string, id: string, fileId: string): Promise<{ name: string; mediaType: string; content: Buffer }> {
    await this.instance(workspaceId, id);
    const f = await this.deps.files.content(workspaceId, id, fileId);
    if (!f) throw new NotFoundError(`no file ${fileId} on connector ${id}`);
    return f;
  }

  async upload(caller: ConnectorCaller, id: string, file: { bytes: Buffer; mediaType: string; name: string }): Promise<FiledropResult> {
    const { name, config } = await this.instance(caller.workspaceId, id);
    const now = this.deps.now();
    const fileId = crypto.randomUUID();
    const sha256 = crypto.createHash("sha256").update(file.bytes).digest("hex");
    const keep = (problems: RowProblem[], counts: Record<string, number> = {}) =>
      this.deps.files.save(
        { workspaceId: caller.workspaceId, id: fileId, connectorId: id, name: file.name, mediaType: file.mediaType, content: file.bytes, sha256, outcome: problems.length ? "refused" : "imported", problems, counts, uploadedBy: caller.user },
        now,
      );
    const refuse = async (message: string, problems: RowProblem[], extra: Record<string, unknown> = {}): Promise<never> => {
      await keep(problems);
      throw new InputError(message, { fileId, problems: problems.slice(0, LISTED).map((p) => ({ path: `line ${p.line}${p.column ? ` ${p.column}` : ""}`, message: p.reason, line: p.line, column: p.column ?? null })), ...extra });
    };

    let table;
    try {
      table = await readSheet(file.bytes, file.mediaType);
    } catch (err) {
      if (err instanceof InputError) return refuse(`文件无法读取 / invalid file: ${err.message}`, [{ line: 0, reason: err.message }]);
      throw err;
    }
    const lacking = mappingProblems(config.mapping, table.headers);
    if (lacking.length) {
      return refuse(`列映射与文件不符，未导入任何数据 / invalid file: the saved column mapping does not fit it: ${lacking.join("; ")}`, lacking.map((reason) => ({ line: table.headerLine, reason })), { suggested: suggestMapping(table.headers), headers: table.headers });
    }
    const read = readTable(table, config.mapping, { currency: config.currency, timeZone: config.timeZone });
    if (read.problems.length) {
      const listed = read.problems.slice(0, 5).map((p) => `line ${p.line}${p.column ? ` (${p.column})` : ""}: ${p.reason}`);
      return refuse(
        `文件有 ${read.problems.length} 处无法读取，未导入任何数据 / invalid file: ${read.problems.length} row problem(s), nothing was imported: ${listed.join("; ")}${read.problems.length > 5 ? " …" : ""}`,
        read.problems,
      );
    }

    const table_ = config.platform ? effectiveStatusMap(config.platform, await this.deps.store.statusOverrides(caller.workspaceId, config.platform)) : [];
    const statusField = config.statusField ?? (config.platform ? DEFAULT_STATUS_MAPS[config.platform][0]?.field : undefined);
    const source = `connector:${id}`;
    const mapped = read.orders.map((o) => mapOrder(o, config, table_, statusField, source, now));
    const result = await this.deps.store.commitPage(
      caller.workspaceId,
      id,
      {
        drafts: mapped.map((m) => m.order!),
        events: mapped.flatMap((m) => m.events),
        unmapped: mapped.flatMap((m) => m.unmapped),
        pulled: read.orders.length,
        highWaterAt: null,
        actor: `filedrop:${caller.user}`,
      },
      now,
    );
    if (result.outcome !== "committed") throw new ConflictError(`connector "${name}" was removed while the file was read`);
    const counts = { rows: table.rows.length, orders: read.orders.length, created: result.created, events: result.mapped, unmapped: result.unmapped };
    await keep([], counts);
    return { fileId, outcome: "imported", ...counts };
  }
}

/** An order read from a file as a draft and its events (ids from the order number and the fact, so a re-upload repeats none). */
function mapOrder(o: ReadOrder, config: FiledropConfig, table: readonly StatusMapEntry[], statusField: string | undefined, source: string, now: Date): MappedRecord {
  const ext = { channel: config.channel, externalOrderId: o.externalOrderId };
  const event = (id: string, type: string, data: Record<string, unknown>, occurredAt?: string | null): EventInput =>
    ({ source, sourceEventId: `filedrop:${config.channel}:${o.externalOrderId}:${id}`, ...ext, type, data, ...(occurredAt ? { occurredAt } : {}) }) as EventInput;
  const events: EventInput[] = [];
  const unmapped: UnmappedSighting[] = [];
  if (o.paidAt) events.push(event("paid", "payment.confirmed", { paidAt: o.paidAt }, o.paidAt));
  if (o.waybillNo) events.push(event(`waybill:${o.waybillNo}`, "waybill.assigned", { carrier: o.carrier ?? "unknown", waybillNo: o.waybillNo }));
  if (o.status && config.platform && statusField) {
    const target = lookupStatus(table, statusField, o.status);
    if (target === undefined) unmapped.push({ ...ext, field: statusField, value: o.status, sample: { externalOrderId: o.externalOrderId, line: o.line, status: o.status } });
    else if (target !== "none") events.push(statusEvent(target, o, now, (id, type, data) => event(id, type, data)));
  }
  const lines = o.lines.length
    ? o.lines.map((l, i) => ({ lineNo: i + 1, sku: l.sku, name: l.name, quantity: l.quantity, unitPrice: l.unitPrice, amount: l.amount, flags: {} }))
    : [{ lineNo: 1, sku: "(no sku)", name: "", quantity: 1, unitPrice: o.totalAmount, amount: o.totalAmount, flags: {} }];
  const order: NewOrder = {
    ...ext,
    customer: o.customer,
    totalAmount: o.totalAmount,
    currency: o.currency,
    region: o.region,
    warehouse: o.warehouse,
    carrier: null,
    waybillNo: null,
    tags: [],
    extra: {},
    placedAt: o.placedAt,
    promisedAt: null,
    lines,
  };
  return { order, events, unmapped };
}

function statusEvent(target: Exclude<StatusTarget, "none">, o: ReadOrder, now: Date, event: (id: string, type: string, data: Record<string, unknown>) => EventInput): EventInput {
  const id = `status:${o.status}`;
  switch (target) {
    case "payment.confirmed":
      return event("paid", target, o.paidAt ? { paidAt: o.paidAt } : {});
    case "wms.outbound":
      return event(id, target, { outboundAt: now.toISOString() });
    case "carrier.problem":
      return event(id, target, { reason: `status ${o.status}` });
    default:
      return event(id, target, {});
  }
}

/**
 * The file-drop kind as a connector: it has nothing to pull on a schedule and takes no
 * webhooks; its orders arrive as uploaded files (`FiledropService`).
 */
export class FiledropConnector implements Connector<never, FiledropConfig, FiledropCredentials> {
  readonly kind = "filedrop" as const;
  // Statuses are looked up in the instance's own platform table, at upload.
  readonly platform = "shopify" as const;
  readonly configSchema = FiledropConfig;
  readonly credentialsSchema = FiledropCredentials;

  async pullPage(ctx: { state: Record<string, unknown> }): Promise<PulledPage<never>> {
    return { records: [], nextState: ctx.state, done: true, highWaterAt: null };
  }
  updatedAt(): string | null {
    return null;
  }
  cursorTime(): string | null {
    return null;
  }
  verifyWebhook(): { ok: false; reason: string } {
    return { ok: false, reason: "a file drop takes no webhooks: upload files to /api/connectors/<id>/files" };
  }
  parseWebhook(): ParsedWebhook<never> {
    throw new InputError("a file drop takes no webhooks");
  }
  map(): MappedRecord {
    return { events: [], unmapped: [] };
  }
}
