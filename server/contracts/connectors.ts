import { z } from "zod";
import { STATUS_PLATFORMS, STATUS_TARGETS } from "../domain/connectors/statusMaps.js";
import { IsoDateTime } from "./common.js";
import { JushuitanConfig, JushuitanCredentials, WangdiantongConfig, WangdiantongCredentials, YouzanConfig, YouzanCredentials } from "./erpConnectors.js";

/** Connector kinds the server can run. */
export const CONNECTOR_KINDS = ["shopify", "jushuitan", "youzan", "wangdiantong"] as const;
export const ConnectorKind = z.enum(CONNECTOR_KINDS);
export type ConnectorKind = z.infer<typeof ConnectorKind>;

/** Default schedule per kind (five-field cron, evaluated in the workspace's time zone). */
export const DEFAULT_SCHEDULES: Record<ConnectorKind, string> = { shopify: "*/15 * * * *", jushuitan: "*/10 * * * *", youzan: "*/15 * * * *", wangdiantong: "*/10 * * * *" };

const Name = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");
const Secret = z.string().min(1, "must not be empty").max(1000, "must be at most 1000 characters");
/** A five-field cron expression (minute hour day-of-month month day-of-week); checked again by the scheduler. */
export const CronExpression = z
  .string()
  .trim()
  .max(100, "must be at most 100 characters")
  .regex(/^(\S+\s+){4}\S+$/, 'must be a five-field cron expression such as "*/15 * * * *"');

/** A Shopify store's settings (not secret). */
export const ShopifyConfig = z.strictObject({
  shopUrl: z
    .string()
    .max(300)
    .regex(/^https?:\/\/[^\s/?#]+(:\d+)?\/?$/, "must be the store's base URL, e.g. https://example.myshopify.com"),
  apiVersion: z.string().regex(/^\d{4}-\d{2}$/, 'must be an API version like "2025-01"').default("2025-01"),
  pageSize: z.int().min(1).max(250, "must be at most 250 (Shopify's page limit)").default(100),
  /** Where the first pull starts (default: 7 days before it runs). */
  initialSince: IsoDateTime.optional(),
  /** Per-request timeout. */
  timeoutMs: z.int().min(100).max(120_000).default(15_000),
});
export type ShopifyConfig = z.infer<typeof ShopifyConfig>;

/** A Shopify store's secrets: the Admin API access token and the app's webhook signing secret(s). */
export const ShopifyCredentials = z.strictObject({
  accessToken: Secret,
  webhookSecret: Secret,
  /** The secret before a rotation: Shopify may sign with it for up to an hour afterwards. */
  previousWebhookSecret: Secret.optional(),
});
export type ShopifyCredentials = z.infer<typeof ShopifyCredentials>;

/** Each kind's config and credentials schemas. */
export const CONNECTOR_SCHEMAS = {
  shopify: { config: ShopifyConfig, credentials: ShopifyCredentials },
  jushuitan: { config: JushuitanConfig, credentials: JushuitanCredentials },
  youzan: { config: YouzanConfig, credentials: YouzanCredentials },
  wangdiantong: { config: WangdiantongConfig, credentials: WangdiantongCredentials },
} as const;

/** `POST /api/connectors` body. */
export const CreateConnectorRequest = z
  .discriminatedUnion("kind", [
    z.strictObject({
      kind: z.literal("shopify"),
      name: Name,
      schedule: CronExpression.optional().describe('Default "*/15 * * * *" (every 15 minutes)'),
      paused: z.boolean().default(false),
      config: ShopifyConfig,
      credentials: ShopifyCredentials,
    }),
    z.strictObject({
      kind: z.literal("jushuitan"),
      name: Name,
      schedule: CronExpression.optional().describe('Default "*/10 * * * *" (every 10 minutes)'),
      paused: z.boolean().default(false),
      config: JushuitanConfig,
      credentials: JushuitanCredentials,
    }),
    z.strictObject({
      kind: z.literal("youzan"),
      name: Name,
      schedule: CronExpression.optional().describe('Default "*/15 * * * *" (every 15 minutes)'),
      paused: z.boolean().default(false),
      config: YouzanConfig,
      credentials: YouzanCredentials,
    }),
    z.strictObject({
      kind: z.literal("wangdiantong"),
      name: Name,
      schedule: CronExpression.optional().describe('Default "*/10 * * * *" (every 10 minutes)'),
      paused: z.boolean().default(false),
      config: WangdiantongConfig,
      credentials: WangdiantongCredentials,
    }),
  ])
  .meta({ id: "CreateConnectorRequest" });
export type CreateConnectorRequest = z.infer<typeof CreateConnectorRequest>;

/** `PATCH /api/connectors/:id` body: any of the fields; `config` entries replace the ones named, `credentials` replace all. */
export const PatchConnectorRequest = z
  .strictObject({
    name: Name.optional(),
    schedule: CronExpression.optional(),
    paused: z.boolean().optional(),
    config: z.record(z.string().max(100), z.unknown()).optional().describe("Settings to change (validated against the connector's kind)"),
    credentials: z.record(z.string().max(100), z.unknown()).optional().describe("New credentials, complete (validated against the connector's kind)"),
  })
  .meta({ id: "PatchConnectorRequest" });
export type PatchConnectorRequest = z.infer<typeof PatchConnectorRequest>;

/** `:id` of a connector. */
export const ConnectorParams = z.strictObject({ id: z.string().regex(/^[0-9a-f-]{36}$/, "must be a connector id") });

/** A connector as the API shows it: never its credentials. */
export const ConnectorView = z
  .object({
    id: z.string(),
    kind: ConnectorKind,
    name: z.string(),
    schedule: z.string(),
    paused: z.boolean(),
    config: z.record(z.string(), z.unknown()),
    credentials: z.literal("stored").describe("Credentials are write-only; they are never returned"),
    webhookPath: z.string().describe("Where the platform posts webhooks (no bearer token; the platform's signature authenticates)"),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "Connector" });
export type ConnectorView = z.infer<typeof ConnectorView>;

export const ConnectorsResponse = z.object({ connectors: z.array(ConnectorView) }).meta({ id: "ConnectorList" });

const Words = z.object({ "zh-CN": z.string(), en: z.string() });

/** An unmapped status value, counted, with a sample record. */
export const UnmappedStatus = z.object({
  field: z.string(),
  value: z.string(),
  count: z.number().int(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  sample: z.record(z.string(), z.unknown()),
});

/** `GET /api/connectors/:id/health`. */
export const ConnectorHealth = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: ConnectorKind,
    paused: z.boolean(),
    running: z.boolean().describe("A run is going on in this server process"),
    lastRunAt: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    lagSeconds: z.number().nullable().describe("How far behind the platform the cursor is (seconds)"),
    nextRunAt: z.string().nullable(),
    retryAt: z.string().nullable().describe("While failing: no scheduled run before this time (backoff)"),
    consecutiveFailures: z.number().int(),
    counts: z.object({ pulled: z.number().int(), mapped: z.number().int(), filtered: z.number().int(), unmapped: z.number().int(), dead: z.number().int() }),
    lastError: z.object({ code: z.string(), message: Words, detail: z.string(), at: z.string() }).nullable(),
    unmappedStatuses: z.array(UnmappedStatus),
  })
  .meta({ id: "ConnectorHealth" });
export type ConnectorHealth = z.infer<typeof ConnectorHealth>;

/** `POST /api/connectors/:id/run` answer. */
export const RunConnectorResponse = z
  .object({
    id: z.string(),
    started: z.boolean(),
    reason: z.string().optional().describe("Why no run was started (paused, already running)"),
  })
  .meta({ id: "RunConnectorResult" });

export const StatusPlatform = z.enum(STATUS_PLATFORMS);
export const StatusTarget = z.enum(STATUS_TARGETS, { error: `event must be one of: ${STATUS_TARGETS.join(", ")}` });

/** `:platform` of a status table. */
export const StatusMapParams = z.strictObject({ platform: StatusPlatform });

/** `PUT /api/connector-status-maps/:platform` body: entries to set (they override the shipped defaults). */
export const PutStatusMapRequest = z
  .strictObject({
    entries: z
      .array(z.strictObject({ field: z.string().trim().min(1).max(100), value: z.string().trim().min(1).max(200), event: StatusTarget }))
      .min(1)
      .max(500),
  })
  .meta({ id: "PutStatusMapRequest" });

/** A platform's status table as in effect for the workspace. */
export const StatusMapResponse = z
  .object({
    platform: StatusPlatform,
    entries: z.array(z.object({ field: z.string(), value: z.string(), event: StatusTarget, custom: z.boolean().describe("Set by the workspace (false: the shipped default)") })),
  })
  .meta({ id: "StatusMap" });
export type StatusMapResponse = z.infer<typeof StatusMapResponse>;
