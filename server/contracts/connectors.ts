import { z } from "zod";
import { FILTER_OPERATORS } from "../domain/connectors/filters.js";
import { STATUS_PLATFORMS, STATUS_TARGETS } from "../domain/connectors/statusMaps.js";
import { IsoDateTime } from "./common.js";
import { JushuitanConfig, JushuitanCredentials, WangdiantongConfig, WangdiantongCredentials, YouzanConfig, YouzanCredentials } from "./erpConnectors.js";
import { CHANNELS, type Channel } from "../domain/channels.js";
import { MAPPING_FIELDS } from "../domain/mapping/columnMapping.js";

/** Connector kinds the server can run. */
export const CONNECTOR_KINDS = ["shopify", "jushuitan", "youzan", "wangdiantong", "kdniao", "filedrop"] as const;
export const ConnectorKind = z.enum(CONNECTOR_KINDS);
export type ConnectorKind = z.infer<typeof ConnectorKind>;

/** Default schedule per kind (five-field cron, evaluated in the workspace's time zone). */
export const DEFAULT_SCHEDULES: Record<ConnectorKind, string> = {
  shopify: "*/15 * * * *",
  jushuitan: "*/10 * * * *",
  youzan: "*/15 * * * *",
  wangdiantong: "*/10 * * * *",
  // Subscriptions of new waybills and the poll of silent ones; tracking itself arrives by push.
  kdniao: "*/10 * * * *",
  // Files are uploaded, not pulled: the schedule never finds anything to do.
  filedrop: "0 0 1 1 *",
};

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

/** A Kdniao (快递鸟) account's settings (not secret). */
export const KdniaoConfig = z.strictObject({
  /** The API endpoint (`https://api.kdniao.com/Ebusiness/EbusinessOrderHandle.aspx`). */
  apiUrl: z.string().max(300).regex(/^https?:\/\/\S+$/, "must be an http(s) URL, e.g. https://api.kdniao.com/Ebusiness/EbusinessOrderHandle.aspx"),
  /** Where Kdniao pushes tracking (this server's `/hooks/<id>` as the internet sees it); sent with each subscription. */
  callbackUrl: z.string().max(300).regex(/^https?:\/\/\S+$/, "must be an http(s) URL").optional(),
  /** A subscribed waybill with no trace for this many hours is queried (1002). */
  pollAfterHours: z.number().min(0.1).max(720).default(6),
  /** At most one poll round per this many minutes. */
  pollEveryMinutes: z.int().min(1).max(10_080).default(60),
  /** Waybills per page (each page is one transaction). */
  pageSize: z.int().min(1).max(500).default(50),
  /** Requests in flight at once. */
  concurrency: z.int().min(1).max(16).default(4),
  /** Carrier names as orders carry them → Kdniao ShipperCode (added to the shipped table). */
  carrierCodes: z.record(z.string().trim().min(1).max(100), z.string().regex(/^[A-Z0-9]{1,20}$/, "must be a Kdniao ShipperCode like SF")).default({}),
  timeoutMs: z.int().min(100).max(120_000).default(15_000),
});
export type KdniaoConfig = z.infer<typeof KdniaoConfig>;

/** A Kdniao account's secrets: the merchant id and the API key that signs requests and pushes. */
export const KdniaoCredentials = z.strictObject({
  eBusinessId: z.string().trim().min(1, "must not be empty").max(50),
  apiKey: Secret,
});
export type KdniaoCredentials = z.infer<typeof KdniaoCredentials>;

/** Order fields a file-drop column can fill. */
export const FiledropField = z.enum(MAPPING_FIELDS, { error: `must be one of: ${MAPPING_FIELDS.join(", ")}` });

/** A file-drop instance's settings: the shop's channel and its saved column mapping. */
export const FiledropConfig = z.strictObject({
  /** The channel the file's orders belong to (e.g. tmall, douyin, shopify). */
  channel: z.enum(CHANNELS as [Channel, ...Channel[]], { error: `must be one of: ${CHANNELS.join(", ")}` }),
  /** The platform's status column values are looked up in this platform's status table (absent: statuses are not mapped). */
  platform: z.enum(STATUS_PLATFORMS).optional(),
  /** The status table's field the status column is looked up under (default: the platform's first field, e.g. `status`). */
  statusField: z.string().trim().min(1).max(100).optional(),
  /** The platform's column header → order field. */
  mapping: z.record(z.string().trim().min(1).max(200), FiledropField).default({}),
  currency: z.string().regex(/^[A-Z]{3}$/, "must be a 3-letter ISO currency code like CNY").default("CNY"),
  /** Wall-clock times in the file are in this zone. */
  timeZone: z.string().max(64).default("Asia/Shanghai"),
});
export type FiledropConfig = z.infer<typeof FiledropConfig>;

/** A file drop keeps no secrets. */
export const FiledropCredentials = z.strictObject({});
export type FiledropCredentials = z.infer<typeof FiledropCredentials>;

/** Each kind's config and credentials schemas. */
export const CONNECTOR_SCHEMAS = {
  shopify: { config: ShopifyConfig, credentials: ShopifyCredentials },
  jushuitan: { config: JushuitanConfig, credentials: JushuitanCredentials },
  youzan: { config: YouzanConfig, credentials: YouzanCredentials },
  wangdiantong: { config: WangdiantongConfig, credentials: WangdiantongCredentials },
  kdniao: { config: KdniaoConfig, credentials: KdniaoCredentials },
  filedrop: { config: FiledropConfig, credentials: FiledropCredentials },
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
    z.strictObject({
      kind: z.literal("kdniao"),
      name: Name,
      schedule: CronExpression.optional().describe('Default "*/10 * * * *"'),
      paused: z.boolean().default(false),
      config: KdniaoConfig,
      credentials: KdniaoCredentials,
    }),
    z.strictObject({
      kind: z.literal("filedrop"),
      name: Name,
      schedule: CronExpression.optional().describe("Unused: files are uploaded"),
      paused: z.boolean().default(false),
      config: FiledropConfig,
      credentials: FiledropCredentials.default({}),
    }),
  ])
  .meta({ id: "CreateConnectorRequest" });
export type CreateConnectorRequest = z.infer<typeof CreateConnectorRequest>;

/**
 * A filter rule of a connector instance: keep the platform records whose `field` (a dotted
 * path into the record) is `in` (or `not_in`) `values`. What a rule drops is counted per rule
 * and value with samples in the health, and a value dropped for the first time raises an alert.
 */
export const ConnectorFilterRule = z
  .strictObject({
    id: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be 1–64 letters, digits, _ or - (e.g. only-card)")
      .optional()
      .describe("Names the rule in counts and alerts (default rule-1, rule-2 … by position)"),
    field: z
      .string()
      .trim()
      .max(200, "must be at most 200 characters")
      .regex(/^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)*$/, "must be a field name or dotted path such as payment_method or customer.tier"),
    operator: z.enum(FILTER_OPERATORS, { error: `operator must be one of: ${FILTER_OPERATORS.join(", ")}` }),
    values: z.array(z.string().max(200, "must be at most 200 characters")).min(1, "must list at least one value").max(100, "must list at most 100 values"),
  })
  .meta({ id: "ConnectorFilterRule" });

/** An instance's filter rules (applied in order; the first that does not keep a record drops it). */
export const ConnectorFilters = z
  .array(ConnectorFilterRule)
  .max(20, "must have at most 20 rules")
  .superRefine((rules, ctx) => {
    const ids = rules.map((r, i) => r.id ?? `rule-${i + 1}`);
    ids.forEach((id, i) => {
      if (ids.indexOf(id) !== i) ctx.addIssue({ code: "custom", path: [i, "id"], message: `"${id}" names two rules` });
    });
  });

/** `PATCH /api/connectors/:id` body: any of the fields; `config` entries replace the ones named, `credentials` replace all. */
export const PatchConnectorRequest = z
  .strictObject({
    name: Name.optional(),
    schedule: CronExpression.optional(),
    paused: z.boolean().optional(),
    config: z.record(z.string().max(100), z.unknown()).optional().describe("Settings to change (validated against the connector's kind)"),
    credentials: z.record(z.string().max(100), z.unknown()).optional().describe("New credentials, complete (validated against the connector's kind)"),
    filters: ConnectorFilters.optional().describe("The filter rules, complete (replace the ones in force; [] removes them)"),
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
    filters: z.array(z.object({ id: z.string(), field: z.string(), operator: z.enum(FILTER_OPERATORS), values: z.array(z.string()) })).describe("Filter rules in force"),
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

/** What one filter rule dropped of one value: counted, with the latest few sample records. */
export const FilteredValue = z.object({
  rule: z.string(),
  field: z.string(),
  value: z.string(),
  count: z.number().int(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  samples: z.array(z.record(z.string(), z.unknown())).describe("The latest records dropped (at most 5; no personal data)"),
});

/** `GET /api/connectors/:id/health`. */
export const ConnectorHealth = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: ConnectorKind,
    paused: z.boolean(),
    running: z.boolean().describe("A run is going on in this server process"),
    state: z.enum(["paused", "never_run", "failing", "ok"]).describe("The connector at a glance"),
    stateText: Words.describe("The state in plain words (zh-CN and English)"),
    lastRunAt: z.string().nullable(),
    lastSuccessAt: z.string().nullable(),
    lagSeconds: z.number().nullable().describe("How far behind the platform the cursor is (seconds)"),
    nextRunAt: z.string().nullable(),
    retryAt: z.string().nullable().describe("While failing: no scheduled run before this time (backoff)"),
    consecutiveFailures: z.number().int(),
    counts: z.object({ pulled: z.number().int(), mapped: z.number().int(), filtered: z.number().int(), unmapped: z.number().int(), dead: z.number().int() }),
    lastError: z.object({ code: z.string(), message: Words, detail: z.string(), at: z.string() }).nullable(),
    unmappedStatuses: z.array(UnmappedStatus),
    filteredValues: z.array(FilteredValue).describe("What each filter rule dropped, per value"),
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
