import crypto from "node:crypto";
import type { Logger } from "pino";
import { z } from "zod";
import { CONNECTOR_SCHEMAS, DEFAULT_SCHEDULES, type ConnectorHealth, type ConnectorView, type CreateConnectorRequest, type PatchConnectorRequest, type StatusMapResponse } from "../../contracts/connectors.js";
import { EventInput } from "../../contracts/events.js";
import { filterRecord, valueAt, type FilterRule } from "../../domain/connectors/filters.js";
import type { ConnectorCaller, ConnectorRecord, ConnectorStore, Connectors, FilteredSighting, UnmappedSighting, WebhookAnswer } from "../../domain/connectors/ports.js";
import { backoffMs, HEALTH_STATES, healthState, runError, type RunErrorCode } from "../../domain/connectors/runErrors.js";
import { effectiveStatusMap, type StatusMapEntry, type StatusPlatform } from "../../domain/connectors/statusMaps.js";
import { ConflictError, InputError, NotFoundError } from "../../domain/errors.js";
import type { NewOrder } from "../../domain/orders/ports.js";
import type { CredentialBox } from "../credentials.js";
import type { Connector, MappedRecord } from "./Connector.js";
import { ConnectorHttpError, HttpClient, type HttpClientOptions } from "./HttpClient.js";

/** Cron questions the service asks (answered by the scheduler module's `cronCalendar`), in the workspace's time zone. */
export interface CronQuestions {
  validate(expression: string): boolean;
  matches(expression: string, at: Date, timeZone?: string): boolean;
  next(expression: string, from: Date, timeZone?: string): Date | null;
}

/** Whether this server instance runs a schedule slot (the job-slot claims shared through the database). */
export type ClaimSlot = (workspaceId: string, job: string, slot: Date) => Promise<boolean>;

/** How the service is put together. */
export interface ConnectorServiceOptions {
  store: ConnectorStore;
  /** Absent when the server has no secret key (PostgreSQL without ORDERSHEET_SECRET_KEY). */
  box?: CredentialBox;
  connectors: Connector<any, any, any>[];
  cron: CronQuestions;
  logger: Logger;
  now?: () => Date;
  http?: HttpClientOptions;
  /** Pages one run takes at most before it yields to the next tick (default 1000). */
  maxPagesPerRun?: number;
}

/** What a run did. */
export interface RunSummary {
  outcome: "ok" | "failed" | "moved" | "skipped";
  pages: number;
  pulled: number;
  created: number;
  mapped: number;
  dead: number;
  unmapped: number;
  filtered?: number;
  error?: { code: RunErrorCode; detail: string };
}

const aadOf = (r: { workspaceId: string; id: string }) => `connector:${r.workspaceId}:${r.id}`;

/**
 * Connector instances end to end: created and changed over the API (credentials sealed on
 * the way in, never shown), pulled on their schedules or on demand — page by page, each
 * page committed with its cursor — with failures backed off and explained in health, and
 * their webhooks verified and taken through the same door.
 */
export class ConnectorService implements Connectors {
  private readonly store: ConnectorStore;
  private readonly byKind: Map<string, Connector<any, any, any>>;
  private readonly http: HttpClient;
  private readonly now: () => Date;
  private readonly running = new Map<string, Promise<RunSummary>>();

  constructor(private readonly opts: ConnectorServiceOptions) {
    this.store = opts.store;
    this.byKind = new Map(opts.connectors.map((c) => [c.kind, c]));
    this.http = new HttpClient(opts.http);
    this.now = opts.now ?? (() => new Date());
  }

  private view(r: ConnectorRecord): ConnectorView {
    return {
      id: r.id, kind: r.kind, name: r.name, schedule: r.schedule, paused: r.paused, config: r.config, credentials: "stored",
      webhookPath: `/hooks/${r.id}`, filters: r.filters, createdAt: r.createdAt, updatedAt: r.updatedAt,
    };
  }

  private async record(workspaceId: string, id: string): Promise<ConnectorRecord> {
    const r = await this.store.get(workspaceId, id);
    if (!r) throw new NotFoundError(`no connector ${id} in this workspace`);
    return r;
  }

  private requireBox(): CredentialBox {
    if (!this.opts.box) throw new ConflictError("connector credentials cannot be stored: set ORDERSHEET_SECRET_KEY (64 hex digits, the same on every server instance)");
    return this.opts.box;
  }

  private checkSchedule(schedule: string): void {
    if (!this.opts.cron.validate(schedule)) throw new InputError(`invalid body: schedule: "${schedule}" is not a valid five-field cron expression`);
  }

  async list(workspaceId: string): Promise<ConnectorView[]> {
    return (await this.store.list(workspaceId)).map((r) => this.view(r));
  }

  async get(workspaceId: string, id: string): Promise<ConnectorView> {
    return this.view(await this.record(workspaceId, id));
  }

  async create(caller: ConnectorCaller, body: CreateConnectorRequest): Promise<ConnectorView> {
    const schedule = body.schedule ?? DEFAULT_SCHEDULES[body.kind];
    this.checkSchedule(schedule);
    const box = this.requireBox();
    const id = crypto.randomUUID();
    const sealedCredentials = box.seal(body.credentials, aadOf({ workspaceId: caller.workspaceId, id }));
    const created = await this.store.create({ workspaceId: caller.workspaceId, id, kind: body.kind, name: body.name, config: body.config, sealedCredentials, schedule, paused: body.paused }, this.now());
    this.opts.logger.info({ connector: id, kind: body.kind, workspaceId: caller.workspaceId, by: caller.user }, "connector created");
    return this.view(created);
  }

  async patch(caller: ConnectorCaller, id: string, body: PatchConnectorRequest): Promise<ConnectorView> {
    const current = await this.record(caller.workspaceId, id);
    const schemas = CONNECTOR_SCHEMAS[current.kind];
    if (body.schedule !== undefined) this.checkSchedule(body.schedule);
    let config: Record<string, unknown> | undefined;
    if (body.config !== undefined) {
      const parsed = schemas.config.safeParse({ ...current.config, ...body.config });
      if (!parsed.success) throw fieldError(parsed.error, "config");
      config = parsed.data as Record<string, unknown>;
    }
    let sealedCredentials: string | undefined;
    if (body.credentials !== undefined) {
      const parsed = schemas.credentials.safeParse(body.credentials);
      if (!parsed.success) throw fieldError(parsed.error, "credentials");
      sealedCredentials = this.requireBox().seal(parsed.data, aadOf(current));
    }
    // Rules are named by position when they carry no id, so counts and alerts can name them.
    const filters: FilterRule[] | undefined = body.filters?.map((f, i) => ({ id: f.id ?? `rule-${i + 1}`, field: f.field, operator: f.operator, values: f.values }));
    const updated = await this.store.update(caller.workspaceId, id, { name: body.name, schedule: body.schedule, paused: body.paused, config, sealedCredentials, filters }, this.now());
    if (!updated) throw new NotFoundError(`no connector ${id} in this workspace`);
    return this.view(updated);
  }

  async setPaused(caller: ConnectorCaller, id: string, paused: boolean): Promise<ConnectorView> {
    const updated = await this.store.update(caller.workspaceId, id, { paused }, this.now());
    if (!updated) throw new NotFoundError(`no connector ${id} in this workspace`);
    return this.view(updated);
  }

  async remove(caller: ConnectorCaller, id: string): Promise<{ id: string; deleted: true }> {
    await this.record(caller.workspaceId, id);
    if (this.running.has(id)) throw new ConflictError("a run of this connector is going on; pause it, wait for the run to end, then remove it");
    const removed = await this.store.remove(caller.workspaceId, id, caller.user, this.now());
    if (!removed) throw new NotFoundError(`no connector ${id} in this workspace`);
    this.opts.logger.info({ connector: id, kind: removed.kind, workspaceId: caller.workspaceId, by: caller.user }, "connector removed");
    return { id, deleted: true };
  }

  async runNow(workspaceId: string, id: string): Promise<{ id: string; started: boolean; reason?: string }> {
    const r = await this.record(workspaceId, id);
    if (r.paused) return { id, started: false, reason: "the connector is paused; resume it first" };
    if (this.running.has(id)) return { id, started: false, reason: "a run of this connector is going on" };
    void this.run(r);
    return { id, started: true };
  }

  /** Waits for the run of `id` going on in this process, if any (tests, shutdown). */
  async settled(id?: string): Promise<void> {
    if (id) await this.running.get(id);
    else await Promise.all([...this.running.values()]);
  }

  /**
   * The scheduled pulls of one slot: every active instance whose cron fires in the slot's
   * minute and that is not backing off, once per slot across all server instances (the
   * slot claim), run side by side.
   */
  async runScheduled(now: Date, slot: Date, claim: ClaimSlot): Promise<{ ran: number; skipped: number; failed: number }> {
    const sum = { ran: 0, skipped: 0, failed: 0 };
    const runs: Promise<void>[] = [];
    const zones = new Map<string, string>();
    for (const r of await this.store.active()) {
      if (r.retryAt && Date.parse(r.retryAt) > now.getTime()) continue;
      // Each schedule reads in its workspace's time zone ("0 9 * * *" is 9:00 there).
      if (!zones.has(r.workspaceId)) zones.set(r.workspaceId, await this.store.timeZone(r.workspaceId));
      if (!this.opts.cron.validate(r.schedule) || !this.opts.cron.matches(r.schedule, slot, zones.get(r.workspaceId))) continue;
      if (!(await claim(r.workspaceId, `connector:${r.id}`, slot))) {
        sum.skipped += 1;
        continue;
      }
      runs.push(
        this.run(r).then((s) => {
          if (s.outcome === "failed") sum.failed += 1;
          else if (s.outcome === "skipped") sum.skipped += 1;
          else sum.ran += 1;
        }),
      );
    }
    await Promise.all(runs);
    return sum;
  }

  /** One run of an instance: pages until the platform has no more (or the page cap), each committed with its cursor. */
  run(r: ConnectorRecord): Promise<RunSummary> {
    const going = this.running.get(r.id);
    if (going) return going.then((): RunSummary => ({ outcome: "skipped", pages: 0, pulled: 0, created: 0, mapped: 0, dead: 0, unmapped: 0 }));
    const run = this.runOnce(r).finally(() => this.running.delete(r.id));
    this.running.set(r.id, run);
    return run;
  }

  private async runOnce(r: ConnectorRecord): Promise<RunSummary> {
    const log = this.opts.logger.child({ connector: r.id, kind: r.kind, workspaceId: r.workspaceId });
    const sum: RunSummary = { outcome: "ok", pages: 0, pulled: 0, created: 0, mapped: 0, dead: 0, unmapped: 0 };
    const connector = this.byKind.get(r.kind);
    try {
      if (!connector) throw new RunFailure("internal", `no connector implementation for kind ${r.kind}`);
      const credentials = this.openCredentials(r, connector);
      const config = connector.configSchema.parse(r.config);
      const table = effectiveStatusMap(connector.platform, await this.store.statusOverrides(r.workspaceId, connector.platform));
      const session: Record<string, unknown> = {};
      let state = r.state;
      const maxPages = this.opts.maxPagesPerRun ?? 1000;
      for (let page = 0; page < maxPages; page++) {
        const pulled = await connector.pullPage({ workspaceId: r.workspaceId, connectorId: r.id, config, credentials, state, now: this.now(), http: this.http, session });
        const { mapped, filtered } = mapAndFilter(connector, r, pulled.records, table);
        const write = { ...toPageWrite(mapped, log), filtered };
        const result = await this.store.commitPage(
          r.workspaceId,
          r.id,
          { expectedState: state, nextState: pulled.nextState, ...write, pulled: pulled.records.length, highWaterAt: pulled.highWaterAt, actor: `connector:${r.name}` },
          this.now(),
        );
        if (result.outcome !== "committed") {
          // Another run (on another server instance) advanced the cursor meanwhile: it owns the rest.
          log.info("cursor moved by another run; this run stops");
          sum.outcome = "moved";
          break;
        }
        sum.pages += 1;
        sum.pulled += pulled.records.length;
        sum.created += result.created;
        sum.mapped += result.mapped;
        sum.dead += result.dead;
        sum.unmapped += result.unmapped;
        sum.filtered = (sum.filtered ?? 0) + result.filtered;
        state = pulled.nextState;
        if (pulled.done) break;
      }
      await this.store.finishRun(r.workspaceId, r.id, { ok: true }, this.now());
      log.info({ pages: sum.pages, pulled: sum.pulled, created: sum.created, mapped: sum.mapped, unmapped: sum.unmapped }, "connector run finished");
      return sum;
    } catch (err) {
      const { code, detail } = classify(err);
      if (code === "internal") log.error({ err }, "connector run failed");
      else log.warn({ code, detail }, "connector run failed");
      const now = this.now();
      try {
        const fresh = await this.store.get(r.workspaceId, r.id);
        const failures = (fresh?.consecutiveFailures ?? r.consecutiveFailures) + 1;
        await this.store.finishRun(r.workspaceId, r.id, { ok: false, error: runError(code, detail, now), retryAt: new Date(now.getTime() + backoffMs(failures)) }, now);
      } catch (e) {
        log.error({ err: e }, "could not record the connector's failure");
      }
      return { ...sum, outcome: "failed", error: { code, detail } };
    }
  }

  private openCredentials(r: ConnectorRecord, connector: Connector<any, any, any>): unknown {
    if (!this.opts.box) throw new RunFailure("credentials", "no secret key is configured (ORDERSHEET_SECRET_KEY)");
    let opened: unknown;
    try {
      opened = this.opts.box.open(r.sealedCredentials, aadOf(r));
    } catch {
      throw new RunFailure("credentials", "the sealed credentials do not open with this key");
    }
    const parsed = connector.credentialsSchema.safeParse(opened);
    if (!parsed.success) throw new RunFailure("credentials", "the stored credentials are incomplete");
    return parsed.data;
  }

  async health(workspaceId: string, id: string): Promise<ConnectorHealth> {
    const r = await this.record(workspaceId, id);
    const now = this.now();
    const since = this.byKind.get(r.kind)?.cursorTime(r.state) ?? null;
    let nextRunAt: string | null = null;
    if (!r.paused) {
      const zone = await this.store.timeZone(workspaceId);
      const next = this.opts.cron.validate(r.schedule) ? this.opts.cron.next(r.schedule, now, zone) : null;
      const retry = r.retryAt ? new Date(r.retryAt) : null;
      const after = retry && next && retry > next && this.opts.cron.validate(r.schedule) ? this.opts.cron.next(r.schedule, new Date(retry.getTime() - 60_000), zone) : next;
      nextRunAt = after?.toISOString() ?? null;
    }
    return {
      id: r.id,
      name: r.name,
      kind: r.kind,
      paused: r.paused,
      running: this.running.has(r.id),
      state: healthState(r),
      stateText: { ...HEALTH_STATES[healthState(r)] },
      lastRunAt: r.lastRunAt,
      lastSuccessAt: r.lastSuccessAt,
      lagSeconds: since ? Math.max(0, Math.round((now.getTime() - Date.parse(since)) / 1000)) : null,
      nextRunAt,
      retryAt: r.retryAt,
      consecutiveFailures: r.consecutiveFailures,
      counts: r.counts,
      lastError: r.lastError,
      unmappedStatuses: await this.store.unmapped(workspaceId, id),
      filteredValues: await this.store.filtered(workspaceId, id),
    };
  }

  async statusMap(workspaceId: string, platform: StatusPlatform): Promise<StatusMapResponse> {
    return { platform, entries: effectiveStatusMap(platform, await this.store.statusOverrides(workspaceId, platform)) };
  }

  async putStatusMap(caller: ConnectorCaller, platform: StatusPlatform, entries: StatusMapEntry[]): Promise<StatusMapResponse> {
    await this.store.putStatusOverrides(caller.workspaceId, platform, entries, caller.user, this.now());
    return this.statusMap(caller.workspaceId, platform);
  }

  /** Takes a webhook delivery; the answer carries the platform's own reply where it expects one (Kdniao's, Youzan's). */
  async webhook(id: string, rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<WebhookAnswer> {
    if (!/^[0-9a-f-]{36}$/.test(id)) return { outcome: "not_found" };
    const r = await this.store.byId(id);
    const connector = r && this.byKind.get(r.kind);
    if (!r || !connector) return { outcome: "not_found" };
    const opened: { credentials: unknown } = { credentials: null };
    const answer = await this.takeWebhook(r, connector, opened, rawBody, headers);
    if (answer.outcome === "not_found" || !connector.webhookReply) return answer;
    const detail = answer.outcome === "unauthorized" ? answer.reason : answer.detail;
    return { ...answer, reply: connector.webhookReply({ outcome: answer.outcome, detail }, rawBody, opened.credentials, this.now()) };
  }

  private async takeWebhook(
    r: ConnectorRecord,
    connector: Connector<any, any, any>,
    opened: { credentials: unknown },
    rawBody: Buffer,
    headers: Record<string, string | string[] | undefined>,
  ): Promise<WebhookAnswer> {
    let credentials: unknown;
    try {
      credentials = this.openCredentials(r, connector);
    } catch {
      return { outcome: "unauthorized", workspaceId: r.workspaceId, reason: "the connector's credentials cannot be opened, so no signature can be checked" };
    }
    opened.credentials = credentials;
    const verified = connector.verifyWebhook(rawBody, headers, credentials);
    if (!verified.ok) return { outcome: "unauthorized", workspaceId: r.workspaceId, reason: verified.reason };
    const parsed = connector.parseWebhook(rawBody, headers);
    if ("ignored" in parsed) return { outcome: "ignored", workspaceId: r.workspaceId, detail: parsed.ignored };
    // A paused connector takes nothing in; its next pull after resuming reads the same orders.
    if (r.paused) return { outcome: "ignored", workspaceId: r.workspaceId, detail: "the connector is paused; its next pull after resuming picks this up" };
    // A retry delivered after a pull already read these orders in a newer state (the platform
    // resends the original payload for hours): taking it would replay an old status.
    const cursor = connector.cursorTime(r.state);
    const stale = cursor !== null && parsed.records.every((rec) => {
      const at = connector.updatedAt(rec);
      return at !== null && Date.parse(at) < Date.parse(cursor);
    });
    if (stale) {
      const kept = await this.store.commitPage(r.workspaceId, r.id, { webhook: { eventId: parsed.eventId, topic: parsed.topic }, drafts: [], events: [], unmapped: [], pulled: 0, highWaterAt: null, actor: `connector:${r.name}` }, this.now());
      if (kept.outcome === "duplicate") return { outcome: "duplicate", workspaceId: r.workspaceId };
      return { outcome: "stale", workspaceId: r.workspaceId, detail: "a pull has already read these orders in a newer state; nothing was replayed" };
    }
    const table = effectiveStatusMap(connector.platform, await this.store.statusOverrides(r.workspaceId, connector.platform));
    const { mapped, filtered } = mapAndFilter(connector, r, parsed.records, table);
    const write = { ...toPageWrite(mapped, this.opts.logger.child({ connector: r.id })), filtered };
    const result = await this.store.commitPage(r.workspaceId, r.id, { webhook: { eventId: parsed.eventId, topic: parsed.topic }, ...write, pulled: parsed.records.length, highWaterAt: null, actor: `connector:${r.name}` }, this.now());
    return { outcome: result.outcome === "duplicate" ? "duplicate" : "accepted", workspaceId: r.workspaceId };
  }
}

/** A failure of a run with its code. */
class RunFailure extends Error {
  constructor(
    readonly code: RunErrorCode,
    message: string,
  ) {
    super(message);
  }
}

function classify(err: unknown): { code: RunErrorCode; detail: string } {
  if (err instanceof ConnectorHttpError || err instanceof RunFailure) return { code: err.code, detail: err.message };
  if (err instanceof z.ZodError) return { code: "bad_response", detail: err.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") };
  return { code: "internal", detail: "see the server log" };
}

function fieldError(err: z.ZodError, where: string): InputError {
  const i = err.issues[0];
  return new InputError(`invalid body: ${[where, ...i.path].join(".")}: ${i.message}`, { problems: err.issues.map((x) => ({ path: [where, ...x.path].join("."), message: x.message })) });
}

/**
 * Maps each record and applies the instance's filter rules: a record a rule does not keep
 * contributes no order and no event, and is reported as filtered with a sample that names
 * the order without personal data.
 */
function mapAndFilter(connector: Connector<any, any, any>, r: ConnectorRecord, records: unknown[], table: readonly StatusMapEntry[]): { mapped: MappedRecord[]; filtered: FilteredSighting[] } {
  const mapped: MappedRecord[] = [];
  const filtered: FilteredSighting[] = [];
  for (const rec of records) {
    const m = connector.map(rec, table, `connector:${r.id}`);
    const hit = r.filters.length ? filterRecord(r.filters, (field) => (connector.filterValue ? connector.filterValue(rec, field) : valueAt(rec, field))) : null;
    if (!hit) {
      mapped.push(m);
      continue;
    }
    filtered.push({
      ...hit,
      sample: { channel: m.order?.channel ?? null, externalOrderId: m.order?.externalOrderId ?? null, [hit.field]: hit.value, rule: hit.rule, updatedAt: connector.updatedAt(rec) },
    });
  }
  return { mapped, filtered };
}

/**
 * Mapped records as one write: their orders and events (each event checked against the
 * event contract; one that fails is kept as an unmapped sighting rather than dropped).
 */
function toPageWrite(mapped: MappedRecord[], log: Logger): { drafts: NewOrder[]; events: EventInput[]; unmapped: UnmappedSighting[] } {
  const drafts: NewOrder[] = [];
  const events: EventInput[] = [];
  const unmapped: UnmappedSighting[] = [];
  for (const m of mapped) {
    if (m.order) drafts.push(m.order);
    unmapped.push(...m.unmapped);
    for (const e of m.events) {
      const ok = EventInput.safeParse(e);
      if (ok.success) events.push(ok.data);
      else {
        log.warn({ sourceEventId: e.sourceEventId, problem: ok.error.issues[0]?.message }, "a mapped event does not fit the event contract; kept as unmapped");
        unmapped.push({ channel: m.order?.channel ?? e.channel ?? "", externalOrderId: m.order?.externalOrderId ?? e.externalOrderId ?? "", orderId: e.orderId, field: "event", value: e.type, sample: { sourceEventId: e.sourceEventId, problem: ok.error.issues[0]?.message ?? "" } });
      }
    }
  }
  return { drafts, events, unmapped };
}
