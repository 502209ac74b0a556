import { coded } from "../contracts/refusals.js";
import { Role, type Role as RoleName } from "../contracts/roles.js";
import { movesByStatus } from "../domain/workflow/nextStatuses.js";
import { COLUMN_LABELS, ROLE_LABELS } from "../contracts/access.js";
import crypto from "node:crypto";
import { Router } from "express";
import { api } from "../contracts/api.js";
import type { CellEdit, EditResult } from "../contracts/edits.js";
import type { EventInput } from "../contracts/events.js";
import { replayHeld } from "./replayHeld.js";
import type { WorkflowDefinition } from "../contracts/workflow.js";
import type { AuditStore } from "../domain/audit/ports.js";
import { compareReports } from "../domain/sandbox/compareReports.js";
import type { StreamProfile } from "../domain/sandbox/orderStream.js";
import type { SimulationReport } from "../domain/sandbox/simulationReport.js";
import { ConflictError, InputError, NotAllowedError, NotFoundError } from "../domain/errors.js";
import type { AlertStore, ChannelStore, EditStore, EventOutcome, EventStore, WorkflowStore } from "../domain/workflow/ports.js";
import { summariseProblems, validateDefinition } from "../domain/workflow/validateDefinition.js";
import { columnRefusal, mayEditColumn, type AccessPolicyStore } from "../domain/access/accessPolicies.js";
import type { SensitiveLog } from "../domain/access/sensitiveOperation.js";
import { ruleChanges } from "../domain/workflow/ruleChanges.js";
import type { Principal, RowScope } from "../domain/access/principal.js";
import { isScoped } from "../domain/access/rowScope.js";
import { bindRoute } from "./bindRoute.js";
import { sensitiveOperation } from "./sensitiveOps.js";

/** What the workflow-engine routes need: ports from `domain/`, implemented by the `Knex…` stores of the same name. */
export interface EngineDeps {
  events: EventStore;
  edits: EditStore;
  workflows: WorkflowStore;
  audit: AuditStore;
  alerts: AlertStore;
  channels: ChannelStore;
  /**
   * Replays a seeded synthetic stream through a definition, off the request thread, so a
   * what-if of tens of thousands of orders does not stall everyone's long-polls meanwhile.
   */
  simulate: (flow: WorkflowDefinition, stream: { orders: number; seed: number; profile: StreamProfile }, tz: string) => Promise<SimulationReport>;
  now: () => Date;
  /** Column permissions per role; absent, the edit store's own role rules decide alone. */
  policies?: AccessPolicyStore;
  /** Where workflow publishes, rule changes, channel resumes and audit verifications are logged. */
  sensitiveLog?: SensitiveLog;
}

/**
 * The caller's row scope as the stores take it: absent when it restricts nothing. Every
 * order-bearing route passes it on (events, status commands, edits, history, alerts); a
 * channel's resume replays held facts from their original senders and stays workspace-wide.
 */
function scopeOf(principal: Principal): { scope?: RowScope } {
  return isScoped(principal.scope) ? { scope: principal.scope } : {};
}

/** Counts of outcomes in a batch answer, e.g. `{ applied: 980, duplicate: 20 }`. */
function countOutcomes(results: { outcome: string }[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
  return counts;
}

/**
 * Resolves what a sheet put in a Status cell to a state code: the code itself, or its
 * zh-CN or English label (staff pick labels from the dropdown).
 */
export function statusCode(flow: WorkflowDefinition, value: unknown): string | null {
  if (typeof value !== "string") return null;
  const text = value.trim();
  if (flow.states.some((s) => s.code === text)) return text;
  const byLabel = flow.states.find((s) => s.labels["zh-CN"] === text || s.labels.en.toLowerCase() === text.toLowerCase());
  return byLabel?.code ?? null;
}

/** Which profile of synthetic orders suits a definition (furniture flows have production milestones). */
function profileFor(flow: WorkflowDefinition): StreamProfile {
  return flow.transitions.some((t) => t.trigger === "milestone") ? "furniture" : "standard";
}

/**
 * Turns the engine's answer to a status edit into the sheet's answer. A repeat of an edit
 * answers like its first delivery (`first` is that stored answer).
 */
export function editResultFromEvent(edit: CellEdit, r: EventOutcome, first?: Partial<EventOutcome>): EditResult {
  const base = { clientEditId: edit.clientEditId, orderId: edit.orderId, column: edit.column };
  const o = r.outcome === "duplicate" ? { ...first, ...r, outcome: r.firstOutcome ?? "pending", reason: first?.reason ?? r.reason } : r;
  switch (o.outcome) {
    case "applied":
    case "noop":
      return { ...base, outcome: "saved", version: o.version ?? edit.baseVersion, value: o.status ?? null };
    case "conflict":
      return {
        ...base,
        outcome: "conflict",
        reason: o.reason ?? "the order changed since you saw it",
        ...(o.code ? coded(o.code, { ...o.params, ...(o.changedBy ? { by: o.changedBy } : {}) }) : coded("edit_conflict_unknown", { baseVersion: edit.baseVersion })),
        currentValue: o.currentStatus ?? o.status ?? null,
        currentVersion: o.currentVersion ?? o.version ?? edit.baseVersion,
        changedBy: o.changedBy ?? null,
        changedAt: o.changedAt ?? null,
      };
    case "refused":
      return {
        ...base,
        outcome: "refused",
        reason: o.reason ?? "the workflow does not allow this move",
        ...(o.code ? coded(o.code, o.params) : coded("not_allowed")),
        currentValue: o.status ?? null,
        currentVersion: o.version ?? null,
        allowed: o.allowed ?? [],
      };
    case "not_found":
      return { ...base, outcome: "refused", reason: `order ${edit.orderId} does not exist`, ...coded("order_not_found", { orderId: edit.orderId }), currentValue: null, currentVersion: null };
    default:
      return { ...base, outcome: "refused", reason: o.reason ?? "this edit is still being processed; send it again", ...coded("edit_in_progress"), currentValue: o.status ?? null, currentVersion: o.version ?? null };
  }
}

/** Workflow engine routes: events, status commands, edits, history, audit, workflow, alerts. */
export function engineRouter(deps: EngineDeps): Router {
  const router = Router();

  bindRoute(router, api.postEvents, async ({ body, principal }) => {
    const results = await deps.events.process(
      { workspaceId: principal.workspaceId, timeZone: principal.timeZone, actor: { role: principal.role, name: principal.userName }, ...scopeOf(principal) },
      body.events,
      deps.now(),
    );
    return { results, counts: countOutcomes(results) };
  });

  bindRoute(router, api.statusCommand, async ({ params, body, principal }) => {
    const flow = (await deps.workflows.current(principal.workspaceId)).definition;
    const to = statusCode(flow, body.to) ?? body.to;
    const event: EventInput = {
      source: `api:${principal.userName}`,
      sourceEventId: body.commandId ?? crypto.randomUUID(),
      orderId: params.id,
      type: "manual.command",
      data: { to, baseVersion: body.baseVersion, ...(body.note ? { note: body.note } : {}) },
    } as EventInput;
    const [r] = await deps.events.process(
      { workspaceId: principal.workspaceId, timeZone: principal.timeZone, actor: { role: principal.role, name: principal.userName }, ...scopeOf(principal) },
      [event],
      deps.now(),
    );
    // Refusals answer in the error envelope like every other error; the engine's answer
    // (current status and version, who changed it, the statuses allowed) is in `details`.
    const effective = r.outcome === "duplicate" ? r.firstOutcome : r.outcome;
    // A redelivered command answers with its first delivery's reason, code and all.
    const first = r.outcome === "duplicate" ? ((await deps.edits.priorEventResults(principal.workspaceId, event.source, [event.sourceEventId])).get(event.sourceEventId) as Partial<EventOutcome> | undefined) : undefined;
    const code = r.code ?? first?.code;
    const fine = <E extends NotFoundError | ConflictError | NotAllowedError>(e: E) => (code ? e.withRefusal(code, r.params ?? first?.params ?? {}) : e);
    if (effective === "not_found") throw fine(new NotFoundError(r.reason ?? `order ${params.id} does not exist in this workspace`, r)).withRefusal("order_not_found", { orderId: params.id });
    if (effective === "conflict") throw fine(new ConflictError(r.reason ?? "the order changed since you saw it", r));
    if (effective === "refused") throw fine(new NotAllowedError(r.reason ?? "the workflow does not allow this move", r));
    return r;
  });

  bindRoute(router, api.edits, async ({ body, principal }) => {
    const ctx = { workspaceId: principal.workspaceId, user: principal.userName, role: principal.role, policyChecked: Boolean(deps.policies), ...scopeOf(principal) };
    const now = deps.now();
    const results: EditResult[] = new Array(body.edits.length);
    const fieldIdx: number[] = [];
    const statusIdx: number[] = [];
    // Columns the access policy does not let this role edit are refused before anything runs.
    const policy = deps.policies ? (await deps.policies.get(principal.workspaceId)).policy : undefined;
    body.edits.forEach((e, i) => {
      if (policy && !mayEditColumn(policy, principal.role, e.column)) {
        results[i] = { clientEditId: e.clientEditId, orderId: e.orderId, column: e.column, outcome: "refused", reason: columnRefusal(principal.role, e.column), ...coded("column_not_editable", { role: ROLE_LABELS[principal.role], roleCode: principal.role, column: COLUMN_LABELS[e.column], columnCode: e.column }), currentValue: null, currentVersion: null };
        return;
      }
      (e.column === "status" ? statusIdx : fieldIdx).push(i);
    });

    // Field edits first; a status edit in the same request based on the version before
    // them still holds (the request is one user's own sequence of edits) — but only when
    // those edits are all that happened since: a field edit may be saved on top of someone
    // else's newer change (its own cell untouched), and a status edit must not ride on that.
    const rebase = new Map<string, { from: number; to: number; saved: number }>();
    if (fieldIdx.length) {
      const fieldResults = await deps.edits.apply(ctx, fieldIdx.map((i) => body.edits[i]), now);
      fieldResults.forEach((r, k) => {
        const i = fieldIdx[k];
        results[i] = r;
        const e = body.edits[i];
        if (r.outcome === "saved" && r.version > e.baseVersion) {
          const prev = rebase.get(e.orderId);
          rebase.set(e.orderId, { from: Math.min(prev?.from ?? e.baseVersion, e.baseVersion), to: Math.max(prev?.to ?? r.version, r.version), saved: (prev?.saved ?? 0) + 1 });
        }
      });
    }

    if (statusIdx.length) {
      const flow = (await deps.workflows.current(principal.workspaceId)).definition;
      const source = `sheet:${principal.userName}`;
      const events: EventInput[] = [];
      const eventEdit: number[] = [];
      for (const i of statusIdx) {
        const e = body.edits[i];
        const code = statusCode(flow, e.value);
        if (code === null) {
          const known = flow.states.map((s) => s.labels["zh-CN"]).join("、");
          results[i] = { clientEditId: e.clientEditId, orderId: e.orderId, column: e.column, outcome: "refused", reason: `"${String(e.value ?? "")}" is not a status of this workflow; pick one of: ${known}`, ...coded("not_a_status", { value: String(e.value ?? ""), known: flow.states.map((s) => ({ "zh-CN": s.labels["zh-CN"], en: s.labels.en })) }), currentValue: null, currentVersion: null };
          continue;
        }
        const rb = rebase.get(e.orderId);
        const baseVersion = rb && e.baseVersion === rb.from && rb.to - rb.from === rb.saved ? rb.to : e.baseVersion;
        events.push({ source, sourceEventId: e.clientEditId, orderId: e.orderId, type: "manual.command", data: { to: code, baseVersion } } as EventInput);
        eventEdit.push(i);
      }
      if (events.length) {
        const outcomes = await deps.events.process(
          { workspaceId: principal.workspaceId, timeZone: principal.timeZone, actor: { role: principal.role, name: principal.userName }, ...scopeOf(principal) },
          events,
          now,
        );
        const repeats = outcomes.filter((o) => o.outcome === "duplicate").map((o) => o.sourceEventId);
        const firsts = repeats.length ? await deps.edits.priorEventResults(principal.workspaceId, source, repeats) : new Map();
        outcomes.forEach((o, k) => {
          const i = eventEdit[k];
          results[i] = editResultFromEvent(body.edits[i], o, firsts.get(o.sourceEventId));
        });
      }
    }
    return { results };
  });

  bindRoute(router, api.history, async ({ params, principal }) => ({
    orderId: params.id,
    entries: await deps.audit.history(principal.workspaceId, params.id, scopeOf(principal).scope),
  }));

  bindRoute(router, api.verifyAudit, async ({ principal, req, res, query }) => {
    if (query.full === "1" || query.full === "true") {
      const run = await deps.audit.startFullCheck(principal.workspaceId, deps.now());
      await deps.sensitiveLog?.record(sensitiveOperation(req, principal, "audit.verify", "audit chains", { mode: "full", runId: run.id }, deps.now()));
      res.status(202);
      return run;
    }
    const report = await deps.audit.verify(principal.workspaceId, deps.now());
    const { ok, chains, entries, digestsChecked, firstBroken, entriesRead, fromSeq, uptoSeq } = report;
    await deps.sensitiveLog?.record(
      sensitiveOperation(req, principal, "audit.verify", "audit chains", { mode: "routine", ok, chains, entries, digestsChecked, firstBroken, entriesRead, fromSeq, uptoSeq }, deps.now()),
    );
    return report;
  });

  bindRoute(router, api.auditCheckRun, async ({ principal, params }) => deps.audit.fullCheck(principal.workspaceId, params.runId));

  bindRoute(router, api.getWorkflow, async ({ principal }) => deps.workflows.current(principal.workspaceId));

  bindRoute(router, api.workflowMoves, async ({ principal }) => {
    const { version, definition: flow } = await deps.workflows.current(principal.workspaceId);
    const byRole = Object.fromEntries(Role.options.map((role) => [role, movesByStatus(flow, role)])) as Record<RoleName, Record<string, string[]>>;
    return {
      version,
      role: principal.role,
      moves: byRole[principal.role],
      byRole,
      labels: Object.fromEntries(flow.states.map((s) => [s.code, { "zh-CN": s.labels["zh-CN"], en: s.labels.en }])),
      terminal: flow.states.filter((s) => s.terminal).map((s) => s.code),
    };
  });

  bindRoute(router, api.putWorkflow, async ({ body, principal, req }) => {
    const before = deps.sensitiveLog ? await deps.workflows.current(principal.workspaceId) : undefined;
    const published = await deps.workflows.publish(principal.workspaceId, body, { name: principal.userName, source: `api:${principal.userName}` }, deps.now());
    if (deps.sensitiveLog && before) {
      const at = deps.now();
      const target = `workflow v${published.version}`;
      await deps.sensitiveLog.record(
        sensitiveOperation(req, principal, "workflow.publish", target, { name: body.name, version: published.version, previousVersion: before.version, migratedOrders: published.migratedOrders }, at),
      );
      const rules = ruleChanges(before.definition, body);
      if (rules) await deps.sensitiveLog.record(sensitiveOperation(req, principal, "rule.change", target, { version: published.version, previousVersion: before.version, ...rules }, at));
    }
    return published;
  });

  bindRoute(router, api.workflowVersions, async ({ principal }) => ({ versions: await deps.workflows.versions(principal.workspaceId) }));

  bindRoute(router, api.simulate, async ({ body, principal }) => {
    const current = (await deps.workflows.current(principal.workspaceId)).definition;
    const candidate = body.definition ?? current;
    if (body.definition) {
      const problems = validateDefinition(body.definition, { forSimulation: true });
      if (problems.length) {
        throw new InputError(summariseProblems("definition cannot be simulated", problems), { problems });
      }
    }
    const stream = { orders: body.orders, seed: body.seed, profile: profileFor(candidate) };
    const [report, baseline] = await Promise.all([
      deps.simulate(candidate, stream, principal.timeZone),
      body.compare ? deps.simulate(current, stream, principal.timeZone) : undefined,
    ]);
    const asRecord = (x: object) => x as unknown as Record<string, unknown>;
    if (!baseline) return { report: asRecord(report) };
    return { report: asRecord(report), comparison: asRecord(compareReports(baseline, report)) };
  });

  bindRoute(router, api.alerts, async ({ query, principal }) => ({
    alerts: await deps.alerts.list(principal.workspaceId, { open: query.open === "true", orderId: query.orderId, limit: query.limit, ...scopeOf(principal) }),
  }));

  bindRoute(router, api.closeAlert, async ({ params, body, principal }) => {
    const r = await deps.alerts.close(principal.workspaceId, params.id, { actor: principal.userName, note: body.note ?? null, scope: principal.scope }, deps.now());
    if (r.outcome === "not_found") throw new NotFoundError(`alert ${params.id} does not exist in this workspace`);
    if (r.outcome === "already_cleared") {
      const a = r.alert;
      const how = a.clearReason === "closed" ? `was closed by ${a.clearedBy}` : a.clearReason === "status_left" ? "ended when the order left the status it was raised in" : "ended when its condition no longer held";
      throw new ConflictError(`alert ${params.id} ${how} at ${a.clearedAt}`, { alert: a });
    }
    return { alert: r.alert };
  });

  bindRoute(router, api.channelPauses, async ({ principal }) => ({ pauses: await deps.channels.list(principal.workspaceId) }));

  bindRoute(router, api.resumeChannel, async ({ params, body, principal, req }) => {
    const ws = principal.workspaceId;
    const wasPaused = await deps.channels.resume(ws, params.channel, principal.userName, body.note, deps.now());
    // Replay what the pause held through the engine (stops if a breaker pauses it again).
    const { replayed, counts } = await replayHeld(principal, (after, limit) => deps.channels.held(ws, params.channel, after, limit), (ctx, events) => deps.events.process(ctx, events, deps.now()));
    await deps.sensitiveLog?.record(
      sensitiveOperation(req, principal, "connector.change", `channel ${params.channel}`, { operation: "resume", channel: params.channel, wasPaused, replayed, counts }, deps.now()),
    );
    return { channel: params.channel, wasPaused, replayed, counts };
  });

  return router;
}
