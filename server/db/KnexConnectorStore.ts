import type { Knex } from "knex";
import type { ConnectorKind } from "../contracts/connectors.js";
import { newFilteredValueMessage, type FilterRule } from "../domain/connectors/filters.js";
import type { ConnectorPatch, ConnectorRecord, ConnectorStore, FilteredRecord, NewConnector, PageResult, PageWrite, UnmappedRecord } from "../domain/connectors/ports.js";
import type { RunError } from "../domain/connectors/runErrors.js";
import type { StatusMapEntry, StatusPlatform, StatusTarget } from "../domain/connectors/statusMaps.js";
import { ConflictError } from "../domain/errors.js";
import type { ChangeSignal } from "./ChangeSignal.js";
import { appendChanges, type NewChange } from "./KnexChangeFeed.js";
import { KnexEventStore } from "./KnexEventStore.js";
import { KnexOrderStore } from "./KnexOrderStore.js";
import { KnexWorkflowStore } from "./KnexWorkflowStore.js";

const COLUMNS = [
  "workspace_id", "id", "kind", "name", "config", "credentials", "schedule", "state", "paused", "created_at", "updated_at", "last_run_at", "last_success_at",
  "last_error", "consecutive_failures", "retry_at", "high_water_at", "pulled", "mapped", "filtered", "unmapped", "dead", "filters",
];

/** Samples kept per filtered value. */
const FILTER_SAMPLES = 5;

/**
 * The order id a connector-wide alert (a filter dropping a new value: the order was not
 * imported) is raised on: the alerts list shows it with the connector named.
 */
export const connectorAlertOrderId = (connectorId: string): string => `connector:${connectorId}`;

const iso = (v: unknown): string | null => (v === null || v === undefined ? null : new Date(v as string).toISOString());
const json = <T>(v: unknown): T => (typeof v === "string" ? JSON.parse(v) : v) as T;

function rowToRecord(r: Record<string, any>): ConnectorRecord {
  return {
    workspaceId: r.workspace_id,
    id: r.id,
    kind: r.kind as ConnectorKind,
    name: r.name,
    config: json(r.config),
    sealedCredentials: r.credentials,
    schedule: r.schedule,
    state: json(r.state),
    paused: Boolean(r.paused),
    createdAt: iso(r.created_at)!,
    updatedAt: iso(r.updated_at)!,
    lastRunAt: iso(r.last_run_at),
    lastSuccessAt: iso(r.last_success_at),
    lastError: r.last_error ? json<RunError>(r.last_error) : null,
    consecutiveFailures: Number(r.consecutive_failures),
    retryAt: iso(r.retry_at),
    highWaterAt: iso(r.high_water_at),
    counts: { pulled: Number(r.pulled), mapped: Number(r.mapped), filtered: Number(r.filtered), unmapped: Number(r.unmapped), dead: Number(r.dead) },
    filters: r.filters === undefined || r.filters === null ? [] : json<FilterRule[]>(r.filters),
  };
}

/** Test hooks: a failure injected at the page transaction's boundary (after its writes, before commit). */
export interface ConnectorStoreFaults {
  beforeCommit?(page: PageWrite): void;
}

/**
 * A signal that holds `afterCommit` until the page's own transaction commits: the order and
 * event stores run inside it (as savepoints) and would otherwise wake readers too early.
 */
class DeferredSignal implements ChangeSignal {
  readonly pending = new Set<string>();
  constructor(private readonly inner: ChangeSignal) {}
  inTransaction(trx: Knex.Transaction, workspaceId: string): Promise<void> {
    return this.inner.inTransaction(trx, workspaceId);
  }
  afterCommit(workspaceId: string): void {
    this.pending.add(workspaceId);
  }
  subscribe(listener: (workspaceId: string) => void): () => void {
    return this.inner.subscribe(listener);
  }
  close(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Connector instances in the database. A page of a pull is written in ONE transaction:
 * the instance row is locked and its cursor compared with the one the page was fetched
 * from; the orders are imported and the events processed by the same stores `/api/orders`
 * and `/api/events` use (run inside this transaction), unmapped statuses counted and
 * alerted, and the cursor advanced — so a crash anywhere repeats the whole page or none of it.
 */
export class KnexConnectorStore implements ConnectorStore {
  constructor(
    private readonly knex: Knex,
    private readonly signal: ChangeSignal,
    private readonly faults: ConnectorStoreFaults = {},
  ) {}

  async create(c: NewConnector, now: Date): Promise<ConnectorRecord> {
    const nowIso = now.toISOString();
    const rows = await this.knex("connector_instances")
      .insert({
        workspace_id: c.workspaceId, id: c.id, kind: c.kind, name: c.name, config: JSON.stringify(c.config), credentials: c.sealedCredentials,
        schedule: c.schedule, state: "{}", paused: c.paused, created_at: nowIso, updated_at: nowIso,
      })
      .onConflict(["workspace_id", "name"])
      .ignore()
      .returning(COLUMNS);
    if (rows.length === 0) throw new ConflictError(`a connector named "${c.name}" exists in this workspace`);
    return rowToRecord(rows[0]);
  }

  async list(workspaceId: string): Promise<ConnectorRecord[]> {
    return (await this.knex("connector_instances").where("workspace_id", workspaceId).whereNull("deleted_at").orderBy("name").select(COLUMNS)).map(rowToRecord);
  }

  async get(workspaceId: string, id: string): Promise<ConnectorRecord | undefined> {
    const r = await this.knex("connector_instances").where({ workspace_id: workspaceId, id }).whereNull("deleted_at").first(COLUMNS);
    return r ? rowToRecord(r) : undefined;
  }

  async byId(id: string): Promise<ConnectorRecord | undefined> {
    const r = await this.knex("connector_instances").where({ id }).whereNull("deleted_at").first(COLUMNS);
    return r ? rowToRecord(r) : undefined;
  }

  async update(workspaceId: string, id: string, patch: ConnectorPatch, now: Date): Promise<ConnectorRecord | undefined> {
    const set: Record<string, unknown> = { updated_at: now.toISOString() };
    if (patch.name !== undefined) set.name = patch.name;
    if (patch.schedule !== undefined) set.schedule = patch.schedule;
    if (patch.paused !== undefined) set.paused = patch.paused;
    if (patch.config !== undefined) set.config = JSON.stringify(patch.config);
    if (patch.sealedCredentials !== undefined) set.credentials = patch.sealedCredentials;
    if (patch.filters !== undefined) set.filters = JSON.stringify(patch.filters);
    // New settings or credentials deserve a try at once: the backoff of the old ones ends.
    if (patch.config !== undefined || patch.sealedCredentials !== undefined || patch.paused === false) set.retry_at = null;
    return this.knex.transaction(async (trx) => {
      if (patch.name !== undefined) {
        const taken = await trx("connector_instances").where({ workspace_id: workspaceId, name: patch.name }).whereNot("id", id).first("id");
        if (taken) throw new ConflictError(`a connector named "${patch.name}" exists in this workspace`);
      }
      const rows = await trx("connector_instances").where({ workspace_id: workspaceId, id }).whereNull("deleted_at").update(set).returning(COLUMNS);
      return rows.length ? rowToRecord(rows[0]) : undefined;
    });
  }

  async active(): Promise<ConnectorRecord[]> {
    return (await this.knex("connector_instances").where("paused", false).whereNull("deleted_at").orderBy(["workspace_id", "id"]).select(COLUMNS)).map(rowToRecord);
  }

  async remove(workspaceId: string, id: string, by: string, now: Date): Promise<ConnectorRecord | undefined> {
    return this.knex.transaction(async (trx) => {
      const r = await trx("connector_instances").where({ workspace_id: workspaceId, id }).whereNull("deleted_at").forUpdate().first("name");
      if (!r) return undefined;
      const rows = await trx("connector_instances")
        .where({ workspace_id: workspaceId, id })
        .update({ deleted_at: now.toISOString(), deleted_by: by, paused: true, retry_at: null, updated_at: now.toISOString(), name: `${r.name} [deleted ${id.slice(0, 8)}]` })
        .returning(COLUMNS);
      return rowToRecord(rows[0]);
    });
  }

  async timeZone(workspaceId: string): Promise<string> {
    const ws = await this.knex("workspaces").where("id", workspaceId).first("time_zone");
    return (ws?.time_zone as string | undefined) ?? "Asia/Shanghai";
  }

  async commitPage(workspaceId: string, id: string, page: PageWrite, now: Date): Promise<PageResult> {
    const signal = new DeferredSignal(this.signal);
    const nowIso = now.toISOString();
    const result = await this.knex.transaction(async (trx): Promise<PageResult> => {
      const inst = await trx("connector_instances").where({ workspace_id: workspaceId, id }).forUpdate().first("name", "state", "deleted_at");
      // Removed meanwhile: nothing more is written for it.
      if (!inst || inst.deleted_at) return { outcome: "moved" };
      if (page.expectedState !== undefined && !sameJson(json(inst.state), page.expectedState)) return { outcome: "moved" };
      if (page.webhook) {
        const claimed = await trx("connector_webhooks")
          .insert({ workspace_id: workspaceId, connector_id: id, event_id: page.webhook.eventId, topic: page.webhook.topic, received_at: nowIso })
          .onConflict(["workspace_id", "connector_id", "event_id"])
          .ignore()
          .returning(["event_id"]);
        if (claimed.length === 0) return { outcome: "duplicate" };
      }
      const ws = await trx("workspaces").where("id", workspaceId).first("time_zone");
      const timeZone = (ws?.time_zone as string | undefined) ?? "Asia/Shanghai";
      const source = `connector:${id}`;

      // Orders first (idempotent on channel + external id), then their events through the inbox.
      const imported = page.drafts.length
        ? await new KnexOrderStore(trx, signal).importOrders({ workspaceId, timeZone, actor: page.actor, source }, page.drafts, now)
        : [];
      const orderIds = new Map(imported.map((o) => [`${o.channel}\u0000${o.externalOrderId}`, o.id]));
      const outcomes = page.events.length
        ? await new KnexEventStore(trx, new KnexWorkflowStore(trx, signal), signal).process(
            { workspaceId, timeZone, actor: { role: "admin", name: page.actor } },
            page.events,
            now,
          )
        : [];
      const dead = outcomes.filter((o) => o.outcome === "refused" || o.outcome === "not_found").length;

      // Unmapped statuses: counted per value with the latest sample; a value seen for the
      // first time raises an alert on the order it came with.
      let newUnmapped = 0;
      const changes: NewChange[] = [];
      for (const u of page.unmapped) {
        const sample = JSON.stringify(u.sample);
        const up = await trx.raw(
          `insert into connector_unmapped (workspace_id, connector_id, field, value, count, first_seen_at, last_seen_at, sample)
           values (?, ?, ?, ?, 1, ?, ?, ?::jsonb)
           on conflict (workspace_id, connector_id, field, value)
           do update set count = connector_unmapped.count + 1, last_seen_at = excluded.last_seen_at, sample = excluded.sample
           returning (xmax = 0) as inserted`,
          [workspaceId, id, u.field, u.value, nowIso, nowIso, sample],
        );
        if (!up.rows[0]?.inserted) continue;
        newUnmapped += 1;
        const orderId = u.orderId ?? orderIds.get(`${u.channel}\u0000${u.externalOrderId}`);
        if (!orderId) continue;
        const messages = {
          "zh-CN": `连接器「${inst.name}」收到未映射的平台状态 ${u.field}=${u.value}，请在状态映射表中补充`,
          en: `Connector "${inst.name}" received an unmapped platform status ${u.field}=${u.value}; add it to the status table`,
        };
        const message = `${messages["zh-CN"]} / ${messages.en}`;
        const raised = await trx("alerts")
          .insert({
            workspace_id: workspaceId, order_id: orderId, key: `connector:${id}:unmapped:${u.field}:${u.value}`, source: "connector", source_id: id,
            level: "orange", message, messages: JSON.stringify(messages), details: JSON.stringify({ connectorId: id, field: u.field, value: u.value }), raised_at: nowIso,
          })
          .onConflict(["workspace_id", "order_id", "key"])
          .ignore()
          .returning(["order_id"]);
        if (raised.length) changes.push({ kind: "alert.raised", orderId, orderVersion: null, data: { level: "orange", message, messages, source: "connector", sourceId: id } });
      }
      // Filtered records: counted per rule and value with the latest samples; a value a rule
      // drops for the first time raises an alert (connector-wide: the order was not imported).
      let newFiltered = 0;
      const filtered = page.filtered ?? [];
      const byValue = new Map<string, { rule: string; field: string; value: string; n: number; samples: Record<string, unknown>[] }>();
      for (const f of filtered) {
        const k = `${f.rule}\u0000${f.field}\u0000${f.value}`;
        const g = byValue.get(k) ?? { rule: f.rule, field: f.field, value: f.value, n: 0, samples: [] };
        g.n += 1;
        g.samples.unshift(f.sample);
        byValue.set(k, g);
      }
      for (const g of byValue.values()) {
        const up = await trx.raw(
          `insert into connector_filtered (workspace_id, connector_id, rule_id, field, value, count, first_seen_at, last_seen_at, samples)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb)
           on conflict (workspace_id, connector_id, rule_id, field, value)
           do update set count = connector_filtered.count + excluded.count, last_seen_at = excluded.last_seen_at,
             samples = (select coalesce(jsonb_agg(s), '[]'::jsonb) from (select s from jsonb_array_elements(excluded.samples || connector_filtered.samples) with ordinality as x(s, i) order by i limit ${FILTER_SAMPLES}) q)
           returning (xmax = 0) as inserted`,
          [workspaceId, id, g.rule, g.field, g.value, g.n, nowIso, nowIso, JSON.stringify(g.samples.slice(0, FILTER_SAMPLES))],
        );
        if (!up.rows[0]?.inserted) continue;
        newFiltered += 1;
        const orderId = connectorAlertOrderId(id);
        const message = newFilteredValueMessage(inst.name, g);
        const raised = await trx("alerts")
          .insert({
            workspace_id: workspaceId, order_id: orderId, key: `connector:${id}:filtered:${g.rule}:${g.field}:${g.value}`, source: "connector", source_id: id,
            level: "orange", message, details: JSON.stringify({ connectorId: id, rule: g.rule, field: g.field, value: g.value, sample: g.samples[0] ?? null }), raised_at: nowIso,
          })
          .onConflict(["workspace_id", "order_id", "key"])
          .ignore()
          .returning(["order_id"]);
        if (raised.length) changes.push({ kind: "alert.raised", orderId, orderVersion: null, data: { level: "orange", message, source: "connector", sourceId: id } });
      }

      if (changes.length) {
        await appendChanges(trx, workspaceId, changes, now);
        await signal.inTransaction(trx, workspaceId);
        signal.afterCommit(workspaceId);
      }

      const set: Record<string, unknown> = {
        pulled: trx.raw("pulled + ?", [page.pulled]),
        mapped: trx.raw("mapped + ?", [page.events.length]),
        dead: trx.raw("dead + ?", [dead]),
        unmapped: trx.raw("unmapped + ?", [page.unmapped.length]),
        filtered: trx.raw("filtered + ?", [filtered.length]),
      };
      if (page.nextState !== undefined) set.state = JSON.stringify(page.nextState);
      if (page.highWaterAt) set.high_water_at = trx.raw("greatest(high_water_at, ?::timestamptz)", [page.highWaterAt]);
      await trx("connector_instances").where({ workspace_id: workspaceId, id }).update(set);
      this.faults.beforeCommit?.(page);
      return { outcome: "committed", created: imported.filter((o) => o.outcome === "created").length, mapped: page.events.length, dead, unmapped: page.unmapped.length, newUnmapped, filtered: filtered.length, newFiltered };
    });
    for (const ws of signal.pending) this.signal.afterCommit(ws);
    return result;
  }

  async finishRun(workspaceId: string, id: string, outcome: { ok: true } | { ok: false; error: RunError; retryAt: Date }, now: Date): Promise<void> {
    const nowIso = now.toISOString();
    const q = this.knex("connector_instances").where({ workspace_id: workspaceId, id });
    if (outcome.ok) {
      await q.update({ last_run_at: nowIso, last_success_at: nowIso, last_error: null, last_error_code: null, consecutive_failures: 0, retry_at: null });
    } else {
      await q.update({
        last_run_at: nowIso,
        last_error: JSON.stringify(outcome.error),
        last_error_code: outcome.error.code,
        consecutive_failures: this.knex.raw("consecutive_failures + 1"),
        retry_at: outcome.retryAt.toISOString(),
      });
    }
  }

  async unmapped(workspaceId: string, id: string): Promise<UnmappedRecord[]> {
    const rows = await this.knex("connector_unmapped").where({ workspace_id: workspaceId, connector_id: id }).orderBy([{ column: "last_seen_at", order: "desc" }, "field", "value"]).limit(200);
    return rows.map((r) => ({ field: r.field, value: r.value, count: Number(r.count), firstSeenAt: iso(r.first_seen_at)!, lastSeenAt: iso(r.last_seen_at)!, sample: json(r.sample) }));
  }

  async filtered(workspaceId: string, id: string): Promise<FilteredRecord[]> {
    const rows = await this.knex("connector_filtered").where({ workspace_id: workspaceId, connector_id: id }).orderBy([{ column: "last_seen_at", order: "desc" }, "rule_id", "value"]).limit(200);
    return rows.map((r) => ({ rule: r.rule_id, field: r.field, value: r.value, count: Number(r.count), firstSeenAt: iso(r.first_seen_at)!, lastSeenAt: iso(r.last_seen_at)!, samples: json(r.samples) }));
  }

  async statusOverrides(workspaceId: string, platform: StatusPlatform): Promise<StatusMapEntry[]> {
    const rows = await this.knex("connector_status_maps").where({ workspace_id: workspaceId, platform }).orderBy(["field", "value"]).select("field", "value", "event");
    return rows.map((r) => ({ field: r.field, value: r.value, event: r.event as StatusTarget }));
  }

  async putStatusOverrides(workspaceId: string, platform: StatusPlatform, entries: StatusMapEntry[], by: string, now: Date): Promise<void> {
    const unique = new Map(entries.map((e) => [`${e.field}\u0000${e.value}`, e]));
    await this.knex("connector_status_maps")
      .insert([...unique.values()].map((e) => ({ workspace_id: workspaceId, platform, field: e.field, value: e.value, event: e.event, updated_by: by, updated_at: now.toISOString() })))
      .onConflict(["workspace_id", "platform", "field", "value"])
      .merge(["event", "updated_by", "updated_at"]);
  }
}

/** Whether two JSON values are equal regardless of key order. */
function sameJson(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v && typeof v === "object") {
    return `{${Object.keys(v as object)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  return JSON.stringify(v ?? null);
}
