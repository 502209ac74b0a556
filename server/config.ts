import { z } from "zod";
import { MIN_INBOX_DAYS, type RetentionSettings } from "./domain/retention/retentionPolicy.js";

/** Days to keep something; 0 keeps it for ever. */
const days = (name: string, fallback: number) => z.coerce.number({ error: `${name} must be a whole number of days (0: keep for ever)` }).int(`${name} must be a whole number of days (0: keep for ever)`).min(0, `${name} must be 0 (keep for ever) or more days`).default(fallback);

const Env = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default("0.0.0.0"),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, "DATABASE_URL must be a postgres:// URL")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  DATA_DIR: z.string().default("./data"),
  ORDERSHEET_ADMIN_TOKEN: z.string().min(16, "ORDERSHEET_ADMIN_TOKEN must be at least 16 characters").optional(),
  ORDERSHEET_WORKSPACE: z.string().default("default"),
  TIME_ZONE: z.string().default("Asia/Shanghai"),
  LOG_LEVEL: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  BODY_LIMIT_BYTES: z.coerce.number().int().min(1024).default(10 * 1024 * 1024),
  /** HTTPS port for the Excel add-in (Office loads add-ins over HTTPS only); "off" disables it. */
  HTTPS_PORT: z.union([z.literal("off"), z.coerce.number().int().min(0).max(65535)]).default(3443),
  /** Directory with localhost.crt / localhost.key (default: office-addin-dev-certs' ~/.office-addin-dev-certs). */
  TLS_DIR: z.string().optional(),
  /** Scheduled jobs (SLA timers every minute, hourly audit digest): "on" (default) or "off". */
  ORDERSHEET_JOBS: z.enum(["on", "off"], { error: 'ORDERSHEET_JOBS must be "on" or "off"' }).default("on"),
  /** Sustained write requests (POST/PUT/PATCH/DELETE under /api) per minute per token; 0: no limit. */
  WRITE_RATE_LIMIT_PER_MINUTE: z.coerce.number().int().min(0).default(3000),
  /** Write requests a token may make at once before the per-minute rate applies. */
  WRITE_RATE_BURST: z.coerce.number().int().min(1).default(1000),
  /** AES-256-GCM key for connector credentials: 64 hex digits or base64 of 32 bytes (embedded default: generated into DATA_DIR). */
  CONNECTOR_CREDENTIALS_KEY: z
    .string()
    .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, "CONNECTOR_CREDENTIALS_KEY must be 64 hex digits or the base64 of 32 bytes")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** AES-256-GCM key for secrets at rest (robot keys, SMS accounts): 64 hex digits or base64 of 32 bytes. */
  ORDERSHEET_SECRET_KEY: z
    .string()
    .regex(/^([0-9a-fA-F]{64}|[A-Za-z0-9+/]{43}=)$/, "ORDERSHEET_SECRET_KEY must be 32 bytes: 64 hex digits or base64 (44 characters)")
    .optional()
    .or(z.literal("").transform(() => undefined)),
  /** The address people open the server at, for links in notifications (default http://localhost:PORT). */
  ORDERSHEET_PUBLIC_URL: z.url({ protocol: /^https?$/, error: "ORDERSHEET_PUBLIC_URL must be an http(s) URL" }).optional(),
  /** Days of change feed kept (whole months dropped once entirely older); 0: for ever. */
  RETENTION_FEED_DAYS: days("RETENTION_FEED_DAYS", 90),
  /** Days of events inbox kept, which is also the window in which a redelivered event is answered as a duplicate. */
  RETENTION_INBOX_DAYS: days("RETENTION_INBOX_DAYS", 90).refine((d) => d === 0 || d >= MIN_INBOX_DAYS, {
    error: `RETENTION_INBOX_DAYS must be 0 (keep for ever) or at least ${MIN_INBOX_DAYS} days: the inbox is the dedupe window and must outlast every platform's webhook retries`,
  }),
  RETENTION_REJECTED_INPUT_DAYS: days("RETENTION_REJECTED_INPUT_DAYS", 30),
  RETENTION_TIMER_FIRINGS_DAYS: days("RETENTION_TIMER_FIRINGS_DAYS", 180),
  RETENTION_CONFLICTS_DAYS: days("RETENTION_CONFLICTS_DAYS", 180),
  RETENTION_TASKS_DAYS: days("RETENTION_TASKS_DAYS", 180),
  /** Month partitions created ahead of the current month. */
  PARTITION_MONTHS_AHEAD: z.coerce.number().int().min(1, "PARTITION_MONTHS_AHEAD must be at least 1").max(24, "PARTITION_MONTHS_AHEAD must be at most 24").default(3),
  /** Rows one retention delete removes at most. */
  RETENTION_BATCH_ROWS: z.coerce.number().int().min(100, "RETENTION_BATCH_ROWS must be at least 100").max(100_000, "RETENTION_BATCH_ROWS must be at most 100000").default(5000),
});

/** Process configuration, read from the environment once at start. */
export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  adminToken: string | undefined;
  defaultWorkspace: string;
  timeZone: string;
  logLevel: z.infer<typeof Env>["LOG_LEVEL"];
  bodyLimitBytes: number;
  /** HTTPS listener for the add-in, used when a certificate is found in `tlsDir`; undefined: none. */
  httpsPort?: number;
  tlsDir?: string;
  /** Run the scheduled jobs in this process (default true). */
  jobs?: boolean;
  /** Per-token limit on write requests (absent: 3,000 a minute, bursts of 1,000). */
  writeRateLimit?: { perMinute: number; burst: number };
  /** Key sealing connector credentials; absent: generated into the data directory (embedded), none on PostgreSQL. */
  connectorCredentialsKey?: string;
  /** The secret-box key as configured (never logged); absent: generated into the data directory on the embedded database. */
  secretKey?: string;
  /** Base of the links back to orders in notifications. */
  publicUrl?: string;
  /** How long history is kept (absent: the defaults of `loadConfig`). */
  retention?: RetentionSettings;
}

/** Parses the environment; a bad value stops the process with a readable message. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join(".")}: ${i.message}`);
    throw new Error(`Invalid configuration:\n${lines.join("\n")}`);
  }
  const e = parsed.data;
  return {
    port: e.PORT,
    host: e.HOST,
    databaseUrl: e.DATABASE_URL || undefined,
    dataDir: e.DATA_DIR,
    adminToken: e.ORDERSHEET_ADMIN_TOKEN,
    defaultWorkspace: e.ORDERSHEET_WORKSPACE,
    timeZone: e.TIME_ZONE,
    logLevel: e.LOG_LEVEL,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    httpsPort: e.HTTPS_PORT === "off" ? undefined : e.HTTPS_PORT,
    tlsDir: e.TLS_DIR,
    jobs: e.ORDERSHEET_JOBS === "on",
    writeRateLimit: { perMinute: e.WRITE_RATE_LIMIT_PER_MINUTE, burst: e.WRITE_RATE_BURST },
    connectorCredentialsKey: e.CONNECTOR_CREDENTIALS_KEY,
    secretKey: e.ORDERSHEET_SECRET_KEY,
    publicUrl: e.ORDERSHEET_PUBLIC_URL?.replace(/\/+$/, ""),
    retention: {
      feedDays: e.RETENTION_FEED_DAYS,
      inboxDays: e.RETENTION_INBOX_DAYS,
      rejectedInputDays: e.RETENTION_REJECTED_INPUT_DAYS,
      timerFiringDays: e.RETENTION_TIMER_FIRINGS_DAYS,
      conflictDays: e.RETENTION_CONFLICTS_DAYS,
      taskDays: e.RETENTION_TASKS_DAYS,
      monthsAhead: e.PARTITION_MONTHS_AHEAD,
      batchRows: e.RETENTION_BATCH_ROWS,
    },
  };
}

/** The retention settings when the environment names none. */
export const DEFAULT_RETENTION: RetentionSettings = loadConfig({}).retention!;
