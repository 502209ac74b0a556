import type { ConnectorHealth, ConnectorKind, ConnectorView, CreateConnectorRequest, PatchConnectorRequest, StatusMapResponse } from "../../contracts/connectors.js";
import type { EventInput } from "../../contracts/events.js";
import type { NewOrder } from "../orders/ports.js";
import type { FilterRule } from "./filters.js";
import type { RunError } from "./runErrors.js";
import type { StatusMapEntry, StatusPlatform } from "./statusMaps.js";

/** Totals a connector instance has counted since it was created. */
export interface ConnectorCounts {
  pulled: number;
  mapped: number;
  filtered: number;
  unmapped: number;
  dead: number;
}

/** A connector instance as stored: its credentials stay sealed here. */
export interface ConnectorRecord {
  workspaceId: string;
  id: string;
  kind: ConnectorKind;
  name: string;
  config: Record<string, unknown>;
  sealedCredentials: string;
  schedule: string;
  /** The connector's cursor; advanced only together with the events a page produced. */
  state: Record<string, unknown>;
  paused: boolean;
  createdAt: string;
  updatedAt: string;
  lastRunAt: string | null;
  lastSuccessAt: string | null;
  lastError: RunError | null;
  consecutiveFailures: number;
  retryAt: string | null;
  highWaterAt: string | null;
  counts: ConnectorCounts;
  /** Keep-rules applied to every pulled or pushed record (see `filters.ts`). */
  filters: FilterRule[];
}

/** A status value no table maps, seen on one record. */
export interface UnmappedSighting {
  channel: string;
  externalOrderId: string;
  /** The order it concerns when the record names it directly (the alert goes on it). */
  orderId?: string;
  field: string;
  value: string;
  /** The record it was seen on (no personal data). */
  sample: Record<string, unknown>;
}

/** A record a filter rule dropped: what it was, and a sample without personal data. */
export interface FilteredSighting {
  rule: string;
  field: string;
  value: string;
  sample: Record<string, unknown>;
}

/** One page of a pull (or one webhook), to be written in one transaction. */
export interface PageWrite {
  /** The cursor the page was fetched from: the write is refused (`moved`) when another run advanced it meanwhile. Absent for webhooks. */
  expectedState?: Record<string, unknown>;
  /** The cursor after this page (absent: unchanged). */
  nextState?: Record<string, unknown>;
  /** For a webhook: its delivery, deduplicated on the platform's event id. */
  webhook?: { eventId: string; topic: string };
  drafts: NewOrder[];
  events: EventInput[];
  unmapped: UnmappedSighting[];
  /** Records the instance's filters dropped (counted, sampled, a new value alerted). */
  filtered?: FilteredSighting[];
  pulled: number;
  /** The newest platform update time on the page. */
  highWaterAt: string | null;
  /** Who the writes are by, e.g. `connector:our-shop`. */
  actor: string;
}

/** What writing a page did. */
export type PageResult =
  | { outcome: "committed"; created: number; mapped: number; dead: number; unmapped: number; newUnmapped: number; filtered: number; newFiltered: number }
  | { outcome: "moved" }
  | { outcome: "duplicate" };

/** A new connector instance. */
export interface NewConnector {
  workspaceId: string;
  id: string;
  kind: ConnectorKind;
  name: string;
  config: Record<string, unknown>;
  sealedCredentials: string;
  schedule: string;
  paused: boolean;
}

/** Changes to an instance. */
export interface ConnectorPatch {
  name?: string;
  schedule?: string;
  paused?: boolean;
  config?: Record<string, unknown>;
  sealedCredentials?: string;
  filters?: FilterRule[];
}

/** An unmapped value as kept. */
export interface UnmappedRecord {
  field: string;
  value: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  sample: Record<string, unknown>;
}

/** What one filter rule dropped of one value, as kept. */
export interface FilteredRecord {
  rule: string;
  field: string;
  value: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  samples: Record<string, unknown>[];
}

/** Connector instances, their cursors and health, and status tables (implemented by `KnexConnectorStore`). */
export interface ConnectorStore {
  /** `ConflictError` when the workspace has a connector of that name. */
  create(c: NewConnector, now: Date): Promise<ConnectorRecord>;
  list(workspaceId: string): Promise<ConnectorRecord[]>;
  get(workspaceId: string, id: string): Promise<ConnectorRecord | undefined>;
  /** By id alone (webhooks name no workspace). */
  byId(id: string): Promise<ConnectorRecord | undefined>;
  /** `undefined` when there is no such connector; `ConflictError` on a taken name. */
  update(workspaceId: string, id: string, patch: ConnectorPatch, now: Date): Promise<ConnectorRecord | undefined>;
  /** Every instance that is not paused, in every workspace. */
  active(): Promise<ConnectorRecord[]>;
  /** Marks an instance deleted (kept for the record, paused, its name freed); `undefined` when there is none. */
  remove(workspaceId: string, id: string, by: string, now: Date): Promise<ConnectorRecord | undefined>;
  /** The workspace's IANA time zone (schedules are read in it). */
  timeZone(workspaceId: string): Promise<string>;
  /** Writes a page: orders, events through the inbox, unmapped statuses and their alerts, counts, and the cursor, in one transaction. */
  commitPage(workspaceId: string, id: string, page: PageWrite, now: Date): Promise<PageResult>;
  /** Records how a run ended (success clears the error and the backoff). */
  finishRun(workspaceId: string, id: string, outcome: { ok: true } | { ok: false; error: RunError; retryAt: Date }, now: Date): Promise<void>;
  unmapped(workspaceId: string, id: string): Promise<UnmappedRecord[]>;
  /** What the filters dropped, per rule and value, newest first. */
  filtered(workspaceId: string, id: string): Promise<FilteredRecord[]>;
  statusOverrides(workspaceId: string, platform: StatusPlatform): Promise<StatusMapEntry[]>;
  putStatusOverrides(workspaceId: string, platform: StatusPlatform, entries: StatusMapEntry[], by: string, now: Date): Promise<void>;
}

/** Who is asking, for the connectors service. */
export interface ConnectorCaller {
  workspaceId: string;
  user: string;
}

/** The connectors capability as the HTTP routes use it (implemented by `ConnectorService`). */
export interface Connectors {
  list(workspaceId: string): Promise<ConnectorView[]>;
  get(workspaceId: string, id: string): Promise<ConnectorView>;
  create(caller: ConnectorCaller, body: CreateConnectorRequest): Promise<ConnectorView>;
  patch(caller: ConnectorCaller, id: string, body: PatchConnectorRequest): Promise<ConnectorView>;
  setPaused(caller: ConnectorCaller, id: string, paused: boolean): Promise<ConnectorView>;
  /** Removes an instance: it stops at once and is kept for the record; `ConflictError` while a run of it is going on here. */
  remove(caller: ConnectorCaller, id: string): Promise<{ id: string; deleted: true }>;
  /** Starts a run in the background; answers at once. */
  runNow(workspaceId: string, id: string): Promise<{ id: string; started: boolean; reason?: string }>;
  health(workspaceId: string, id: string): Promise<ConnectorHealth>;
  statusMap(workspaceId: string, platform: StatusPlatform): Promise<StatusMapResponse>;
  putStatusMap(caller: ConnectorCaller, platform: StatusPlatform, entries: StatusMapEntry[]): Promise<StatusMapResponse>;
  /**
   * A webhook delivery for connector `id`: verified against the raw body and headers.
   * `unauthorized` (with the reason) when the signature is missing or wrong, `not_found` for
   * no such connector.
   */
  webhook(id: string, rawBody: Buffer, headers: Record<string, string | string[] | undefined>): Promise<WebhookAnswer>;
}

/** How a webhook delivery was answered. */
export type WebhookAnswer =
  | { outcome: "accepted" | "duplicate" | "ignored" | "stale"; workspaceId: string; detail?: string; reply?: unknown }
  | { outcome: "unauthorized"; workspaceId: string | null; reason: string; reply?: unknown }
  | { outcome: "not_found" };
