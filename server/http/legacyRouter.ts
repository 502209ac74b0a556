import crypto from "node:crypto";
import { Router, type NextFunction, type Request, type Response } from "express";
import { api } from "../contracts/api.js";
import { OrderInput } from "../contracts/orders.js";
import type { Principal } from "../domain/access/principal.js";
import { isScoped } from "../domain/access/rowScope.js";
import { InputError, NotFoundError, PayloadTooLargeError } from "../domain/errors.js";
import { normaliseWord } from "../domain/legacy/cellValues.js";
import { findHeaderRow, planImport, type ImportPlan, type LegacyOrderDraft, type RowPlan } from "../domain/legacy/dryRun.js";
import { headerFingerprint, sheetScore, type SheetGrid } from "../domain/legacy/headers.js";
import type { ImportRowRecord, ImportRun, LegacyStore } from "../domain/legacy/ports.js";
import { word } from "../domain/legacy/reasons.js";
import { phraseTable } from "../domain/legacy/statusPhrases.js";
import { avoidKey, nextStepToward, passedThrough, type WalkFacts } from "../domain/legacy/statusWalk.js";
import type { OrderStore } from "../domain/orders/ports.js";
import type { EventStore, WorkflowStore } from "../domain/workflow/ports.js";
import type { EventInput } from "../contracts/events.js";
import { readWorkbook } from "../legacy/readWorkbook.js";
import { bindRoute } from "./bindRoute.js";
import { toNewOrders } from "./orderView.js";

/** What the legacy-sheet routes need. */
export interface LegacyDeps {
  store: LegacyStore;
  orders: OrderStore;
  events: EventStore;
  workflows: Pick<WorkflowStore, "current">;
  now: () => Date;
  /** The largest upload taken (default 64 MiB). */
  uploadLimitBytes?: number;
}

declare module "express-serve-static-core" {
  interface Request {
    /** The bytes of a file upload (legacy sheets), read before the JSON body reader. */
    upload?: Buffer;
  }
}

/** Orders per import call and events per engine batch. */
const IMPORT_BATCH = 5000;
/** The most steps an imported order takes toward its sheet status. */
const MAX_STEPS = 24;

/** Reads the raw upload of `POST /api/legacy/imports` (the JSON reader must not see it). */
function readUpload(limit: number) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const type = String(req.headers["content-type"] ?? "none");
    req.on("data", (c: Buffer) => {
      if (failed) return;
      size += c.length;
      if (size > limit) {
        failed = true;
        chunks.length = 0;
        req.rawBody = `(an upload of more than ${limit} bytes, ${type}; not kept)`;
        req.rawBodyBytes = size;
        req.resume();
        next(new PayloadTooLargeError(`the file exceeds the upload limit of ${limit} bytes / 文件超过上传上限 ${limit} 字节`));
        return;
      }
      chunks.push(c);
    });
    req.on("error", (err) => {
      if (!failed) {
        failed = true;
        next(err);
      }
    });
    req.on("end", () => {
      if (failed) return;
      req.upload = Buffer.concat(chunks);
      req.rawBody = `(an upload of ${size} bytes, ${type})`;
      req.rawBodyBytes = size;
      next();
    });
  };
}

const toRowRecord = (r: RowPlan, orderId: string | null = null): ImportRowRecord => ({
  row: r.row,
  outcome: r.outcome,
  code: r.why.code,
  reason: r.reason,
  reasonZh: r.reasonZh,
  orderId,
  detail: { why: r.why, notes: r.notes, ...(r.order ? { order: r.order } : {}), ...(r.suggestions ? { suggestions: r.suggestions } : {}) },
});

/** The draft without its status, checked as `POST /api/orders` checks a body; the problem in words when it does not pass. */
function asOrderInput(draft: LegacyOrderDraft): { ok: true; input: OrderInput } | { ok: false; problem: string } {
  const { status: _status, ...fields } = draft;
  const r = OrderInput.safeParse(fields);
  if (r.success) return { ok: true, input: r.data };
  const i = r.error.issues[0];
  return { ok: false, problem: `${i.path.join(".")}: ${i.message}` };
}

/**
 * `/api/legacy/…` routes: `upload` is mounted before the JSON body reader (it takes the
 * workbook's bytes), `routes` after it.
 */
export function legacyRouters(deps: LegacyDeps): { upload: Router; routes: Router } {
  const upload = Router();
  const routes = Router();
  const limit = deps.uploadLimitBytes ?? 64 * 1024 * 1024;

  upload.post("/legacy/imports", readUpload(limit));
  bindRoute(upload, api.legacyImport, async ({ query, principal, req }) => {
    const bytes = req.upload ?? Buffer.alloc(0);
    const mediaType = String(req.headers["content-type"] ?? "").split(";")[0].trim().toLowerCase();
    const now = deps.now();
    const runId = crypto.randomUUID();
    const dryRun = query.dryRun === "1" || query.dryRun === "true";
    const base: ImportRun = {
      id: runId, workspaceId: principal.workspaceId, at: now.toISOString(), actor: principal.userName, dryRun, outcome: "failed", mediaType: mediaType || "none",
      sheet: null, fingerprint: null, headerRow: null, bytes: bytes.length, counts: {}, mapping: null, error: null,
    };
    // A file that cannot be used is answered 400 and kept, bytes and all, for an admin.
    const refuse = async (err: InputError, sheet: string | null = null): Promise<never> => {
      await deps.store.recordRun({ ...base, sheet, error: err.message.slice(0, 4000) }, [], bytes.length ? bytes : undefined);
      req.rawBody = `(an upload of ${bytes.length} bytes, ${mediaType || "no Content-Type"}; kept with legacy import run ${runId}: GET /api/legacy/imports/${runId}/upload)`;
      throw err;
    };
    if (bytes.length === 0) return refuse(new InputError("body: send the workbook's bytes (.xlsx or CSV) as the request body / 请求体为空：请上传 .xlsx 或 CSV 文件"));
    let sheets: SheetGrid[];
    try {
      sheets = await readWorkbook(bytes, mediaType);
    } catch (err) {
      if (err instanceof InputError) return refuse(err);
      throw err;
    }
    let grid: SheetGrid;
    if (query.sheet !== undefined) {
      const found = sheets.find((s) => s.name === query.sheet) ?? sheets.find((s) => normaliseWord(s.name) === normaliseWord(query.sheet!));
      if (!found) return refuse(new InputError(`sheet: the workbook has no sheet "${query.sheet}"; it has ${sheets.map((s) => `"${s.name}"`).join(", ")} / 工作簿中没有名为“${query.sheet}”的工作表`));
      grid = found;
    } else grid = sheets.reduce((best, s) => (sheetScore(s) > sheetScore(best) ? s : best), sheets[0]);
    const headerRow = findHeaderRow(grid);
    if (headerRow === null) {
      return refuse(
        new InputError(`sheet "${grid.name}": no header row found in its first 30 rows (a row naming at least three order columns such as 订单号, 金额, 状态) / 工作表“${grid.name}”前 30 行中找不到表头行`),
        grid.name,
      );
    }
    const fingerprint = headerFingerprint((grid.rows[headerRow - 1] ?? []).map((c) => (c === null ? "" : String(c instanceof Date ? c.toISOString() : c).trim())));
    const [confirmed, flow, phrases] = await Promise.all([
      deps.store.confirmedMapping(principal.workspaceId, fingerprint),
      deps.workflows.current(principal.workspaceId),
      deps.store.phrases(principal.workspaceId),
    ]);
    const plan = planImport(grid, confirmed?.headerRow ?? headerRow, {
      flow: flow.definition,
      phrases,
      timeZone: principal.timeZone,
      now,
      ...(confirmed ? { confirmed: confirmed.mapping } : {}),
      ...(query.defaultChannel ? { defaultChannel: query.defaultChannel as LegacyOrderDraft["channel"] } : {}),
    });
    // A row the order contract would refuse needs a decision, in the dry run already.
    const inputs = new Map<number, OrderInput>();
    for (const r of plan.rows) {
      if (r.outcome !== "import" || !r.order) continue;
      const checked = asOrderInput(r.order);
      if (checked.ok) inputs.set(r.row, checked.input);
      else {
        const w = word({ code: "order_invalid", params: { value: checked.problem } });
        Object.assign(r, { outcome: "decide", reason: w.en, reasonZh: w["zh-CN"], why: w });
      }
    }
    recount(plan);

    const orderIds = new Map<number, string>();
    if (!dryRun) await importRows(deps, principal, plan, inputs, orderIds, flow.definition, runId, now);

    const run: ImportRun = { ...base, outcome: dryRun ? "planned" : "imported", sheet: grid.name, fingerprint, headerRow: plan.headerRow, counts: plan.counts, mapping: plan.mapping };
    await deps.store.recordRun(run, plan.rows.map((r) => toRowRecord(r, orderIds.get(r.row) ?? null)));
    return {
      runId,
      dryRun,
      sheet: grid.name,
      sheets: sheets.map((s) => s.name),
      headerRow: plan.headerRow,
      fingerprint,
      mapping: plan.mapping,
      mappingConfirmed: plan.mappingConfirmed,
      hiddenColumns: plan.hiddenColumns,
      counts: plan.counts,
      unknownStatuses: plan.unknownStatuses,
      rows: plan.rows.map((r) => ({ ...r, ...(orderIds.has(r.row) ? { orderId: orderIds.get(r.row)! } : {}) })) as never,
    };
  });

  bindRoute(routes, api.legacyRuns, async ({ query, principal }) => ({ runs: await deps.store.listRuns(principal.workspaceId, query.limit) }));

  bindRoute(routes, api.legacyRun, async ({ params, principal }) => {
    const found = await deps.store.getRun(principal.workspaceId, params.id);
    if (!found) throw new NotFoundError(`no legacy import run ${params.id} in this workspace`);
    return { run: { ...found.run, hasUpload: found.hasUpload }, rows: found.rows as never };
  });

  bindRoute(routes, api.legacyRunUpload, async ({ params, principal, res }) => {
    const found = await deps.store.getRun(principal.workspaceId, params.id);
    const bytes = found ? await deps.store.upload(principal.workspaceId, params.id) : null;
    if (!found || !bytes) throw new NotFoundError(`legacy import run ${params.id} has no kept upload (only failed runs keep theirs)`);
    res.setHeader("Content-Type", found.run.mediaType.includes("/") ? found.run.mediaType : "application/octet-stream");
    res.setHeader("Content-Disposition", `attachment; filename="legacy-${params.id}"`);
    res.send(bytes);
    return "";
  });

  bindRoute(routes, api.legacyMapping, async ({ params, principal }) => {
    const m = await deps.store.confirmedMapping(principal.workspaceId, params.fingerprint);
    if (!m) throw new NotFoundError(`no mapping confirmed for workbook layout ${params.fingerprint}`);
    return m;
  });

  bindRoute(routes, api.confirmLegacyMapping, async ({ params, body, principal }) => {
    const taken = new Map<string, string>();
    for (const [header, field] of Object.entries(body.mapping)) {
      if (field === null) continue;
      if (taken.has(field)) throw new InputError(`mapping.${header}: field ${field} is already the column "${taken.get(field)}"; one column per field`, { problems: [{ path: `mapping.${header}`, message: "field taken twice" }] });
      taken.set(field, header);
    }
    const m = { fingerprint: params.fingerprint, sheet: body.sheet, headerRow: body.headerRow, mapping: body.mapping, confirmedBy: principal.userName, confirmedAt: deps.now().toISOString() };
    await deps.store.confirmMapping(principal.workspaceId, m);
    return m;
  });

  const phraseView = async (workspaceId: string) => {
    const [flow, own] = await Promise.all([deps.workflows.current(workspaceId), deps.store.phrases(workspaceId)]);
    return { workflow: flow.definition.name, phrases: phraseTable(flow.definition, own).entries() };
  };

  bindRoute(routes, api.legacyStatusPhrases, async ({ principal }) => phraseView(principal.workspaceId));

  bindRoute(routes, api.addLegacyStatusPhrases, async ({ body, principal }) => {
    const flow = (await deps.workflows.current(principal.workspaceId)).definition;
    const resolved = body.phrases.map((p, i) => {
      const key = normaliseWord(p.state);
      const state = flow.states.find((s) => s.code === p.state) ?? flow.states.find((s) => [s.code, s.labels["zh-CN"], s.labels.en].some((n) => normaliseWord(n) === key));
      if (!state) {
        throw new InputError(`phrases.${i}.state: "${p.state}" is not a state of workflow ${flow.name} (one of: ${flow.states.map((s) => s.code).join(", ")}) / “${p.state}”不是当前流程的状态`, {
          problems: [{ path: `phrases.${i}.state`, message: "not a state of the workflow" }],
        });
      }
      if (normaliseWord(p.phrase) === "") throw new InputError(`phrases.${i}.phrase: must hold a letter or a character, not only spaces and punctuation`, { problems: [{ path: `phrases.${i}.phrase`, message: "empty after folding" }] });
      return { phrase: p.phrase, state: state.code };
    });
    await deps.store.putPhrases(principal.workspaceId, principal.userName, resolved, deps.now());
    return phraseView(principal.workspaceId);
  });

  return { upload, routes };
}

function recount(plan: ImportPlan): void {
  plan.counts = { import: 0, skip: 0, decide: 0 };
  for (const r of plan.rows) plan.counts[r.outcome]++;
}

/**
 * Imports the rows planned for import through the one import path (orders start in the
 * workflow's initial status, audited and fed like any import), then walks each created
 * order to its sheet status through the engine (see `statusWalk.ts`). Rows already
 * imported before are left as they are.
 */
async function importRows(
  deps: LegacyDeps,
  principal: Principal,
  plan: ImportPlan,
  inputs: Map<number, OrderInput>,
  orderIds: Map<number, string>,
  flow: Parameters<typeof nextStepToward>[0],
  runId: string,
  now: Date,
): Promise<void> {
  const rows = plan.rows.filter((r) => inputs.has(r.row));
  const walkers: { r: RowPlan; id: string; current: string; version: number; avoid: Set<string>; facts: WalkFacts }[] = [];
  const ctx = { workspaceId: principal.workspaceId, timeZone: principal.timeZone, actor: principal.userName, source: `legacy:${runId}`, ...(isScoped(principal.scope) ? { scope: principal.scope } : {}) };
  for (let i = 0; i < rows.length; i += IMPORT_BATCH) {
    const slice = rows.slice(i, i + IMPORT_BATCH);
    const outcomes = await deps.orders.importOrders(ctx, toNewOrders(slice.map((r) => inputs.get(r.row)!)), now);
    outcomes.forEach((o, n) => {
      const r = slice[n];
      orderIds.set(r.row, o.id);
      const setWhy = (code: string, params: Record<string, string | number>) => {
        const w = word({ code, params });
        Object.assign(r, { reason: w.en, reasonZh: w["zh-CN"], why: w });
      };
      if (o.outcome === "unchanged") return setWhy("already_imported", { id: o.id });
      setWhy("imported", { id: o.id, state: r.order!.status });
      if (r.order!.status !== flow.initial) {
        walkers.push({
          r, id: o.id, current: flow.initial, version: 1, avoid: new Set(),
          facts: { carrier: r.order!.carrier, waybillNo: r.order!.waybillNo, placedAt: r.order!.placedAt, statusText: String((r.order!.extra.legacy as { status?: string })?.status ?? r.order!.status) },
        });
      }
    });
  }
  const eventCtx = { workspaceId: principal.workspaceId, timeZone: principal.timeZone, actor: { role: principal.role, name: principal.userName }, ...(isScoped(principal.scope) ? { scope: principal.scope } : {}) };
  const arrived = (w: (typeof walkers)[number]) => w.current === w.r.order!.status || passedThrough(flow, w.r.order!.status, w.current);
  let pending = walkers;
  for (let round = 0; round < MAX_STEPS && pending.length; round++) {
    const moving: { w: (typeof walkers)[number]; avoid: string; event: EventInput }[] = [];
    for (const w of pending) {
      const step = nextStepToward(flow, w.current, w.r.order!.status, w.facts, principal.role, w.avoid, now);
      if (!step) continue;
      const data = step.type === "manual.command" ? { to: step.to, baseVersion: w.version, note: "legacy sheet import" } : step.data;
      moving.push({ w, avoid: avoidKey(w.current, step.transition), event: { source: `legacy:${runId}`, sourceEventId: `${w.r.row}:${round}`, orderId: w.id, type: step.type, data } as EventInput });
    }
    for (let i = 0; i < moving.length; i += IMPORT_BATCH) {
      const slice = moving.slice(i, i + IMPORT_BATCH);
      const results = await deps.events.process(eventCtx, slice.map((m) => m.event), now);
      results.forEach((res, n) => {
        const m = slice[n];
        if (res.outcome === "applied" && res.status && res.status !== m.w.current) {
          m.w.current = res.status;
          if (res.version) m.w.version = res.version;
        } else {
          if (res.version) m.w.version = res.version;
          else if (res.currentVersion) m.w.version = res.currentVersion;
          m.w.avoid.add(m.avoid);
        }
      });
    }
    // Orders at their status, or with no step left, are done.
    const stepped = new Set(moving.map((m) => m.w));
    pending = pending.filter((w) => !arrived(w) && stepped.has(w));
  }
  const label = (code: string) => {
    const s = flow.states.find((x) => x.code === code);
    return s ? `${code} (${s.labels["zh-CN"]})` : code;
  };
  for (const w of walkers) {
    if (w.current === w.r.order!.status) continue;
    if (arrived(w)) {
      const wd = word({ code: "imported_moved_on", params: { id: w.id, state: label(w.r.order!.status), reached: label(w.current) } });
      Object.assign(w.r, { reason: wd.en, reasonZh: wd["zh-CN"], why: wd });
      continue;
    }
    const wd = word({ code: "imported_status_differs", params: { id: w.id, reached: label(w.current), state: label(w.r.order!.status) } });
    w.r.notes = [...w.r.notes, wd];
    Object.assign(w.r, { reason: wd.en, reasonZh: wd["zh-CN"], why: wd });
  }
}
