import type { z } from "zod";
import type { ConnectorKind } from "../../contracts/connectors.js";
import type { EventInput } from "../../contracts/events.js";
import type { UnmappedSighting } from "../../domain/connectors/ports.js";
import type { StatusMapEntry, StatusPlatform } from "../../domain/connectors/statusMaps.js";
import type { NewOrder } from "../../domain/orders/ports.js";
import type { HttpClient } from "./HttpClient.js";

/** What one page of a pull is fetched with. */
export interface PullContext<Config, Credentials> {
  /** The instance's workspace and id (for connectors that read the workspace's own orders, e.g. waybills to track). */
  workspaceId: string;
  connectorId: string;
  config: Config;
  credentials: Credentials;
  /** The cursor as the last committed page left it (`{}` before the first pull). */
  state: Record<string, unknown>;
  now: Date;
  http: HttpClient;
  /** Scratch space that lives for one run (e.g. the platform's last rate-limit status). */
  session: Record<string, unknown>;
}

/** A fetched page: records changed since the cursor, and the cursor after them. */
export interface PulledPage<R> {
  records: R[];
  nextState: Record<string, unknown>;
  /** No more pages for now. */
  done: boolean;
  /** The newest platform update time among the records. */
  highWaterAt: string | null;
}

/** A platform record as the engine takes it: the order (imported idempotently) and its events. */
export interface MappedRecord {
  /** Absent for records about an order the workspace already has (a carrier's tracking of a waybill). */
  order?: NewOrder;
  events: EventInput[];
  unmapped: UnmappedSighting[];
}

/** A verified webhook delivery, parsed. */
export type ParsedWebhook<R> = { eventId: string; topic: string; records: R[] } | { ignored: string; eventId: string; topic: string };

/**
 * One external system: pull a page of records changed since a cursor, verify and parse a
 * webhook, and map a platform record to an order and canonical events. Connectors hold no
 * state of their own; the cursor lives in the database with the events it produced.
 */
export interface Connector<R = unknown, Config = unknown, Credentials = unknown> {
  kind: ConnectorKind;
  /** Whose status table maps its statuses. */
  platform: StatusPlatform;
  configSchema: z.ZodType<Config>;
  credentialsSchema: z.ZodType<Credentials>;
  pullPage(ctx: PullContext<Config, Credentials>): Promise<PulledPage<R>>;
  /** When the platform last changed the record (webhooks older than the cursor are stale). */
  updatedAt(record: R): string | null;
  /** Where the cursor stands in platform time (for the lag in health), or null before the first pull. */
  cursorTime(state: Record<string, unknown>): string | null;
  /** Checks the delivery's signature over the raw body: the reason when it fails. */
  verifyWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>, credentials: Credentials): { ok: true } | { ok: false; reason: string };
  /** Parses a verified delivery; `InputError` when it is malformed. */
  parseWebhook(rawBody: Buffer, headers: Record<string, string | string[] | undefined>): ParsedWebhook<R>;
  /**
   * Optional: the value of a record's field for the instance's filter rules (e.g. a payment
   * method the platform nests or names differently). Without it, a rule's `field` is read as a
   * dotted path into the record as `pullPage`/`parseWebhook` produced it.
   */
  filterValue?(record: R, field: string): unknown;
  /** `source` is the instance's event source (`connector:<id>`); event ids are derived from the record, so a fact pulled twice or also pushed enters once. */
  map(record: R, table: readonly StatusMapEntry[], source: string): MappedRecord;
  /**
   * The answer the platform expects to a delivery (e.g. Kdniao's `{EBusinessID, UpdateTime,
   * Success, Reason}`); absent: the generic `{outcome}` JSON.
   */
  webhookReply?(answer: { outcome: string; detail?: string }, rawBody: Buffer, credentials: Credentials | null, now: Date): unknown;
}
