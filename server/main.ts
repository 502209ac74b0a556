import crypto from "node:crypto";
import http from "node:http";
import os from "node:os";
import { fileURLToPath } from "node:url";
import type { Logger } from "pino";
import { buildApp } from "./app.js";
import { DEFAULT_RETENTION, loadConfig, type Config } from "./config.js";
import { LocalChangeSignal, PgChangeSignal, type ChangeSignal } from "./db/ChangeSignal.js";
import { createDatabase, type Database } from "./db/createKnex.js";
import { KnexAlertStore } from "./db/KnexAlertStore.js";
import { KnexAuditStore } from "./db/KnexAuditStore.js";
import { ensureAuditPartitions } from "./db/auditPartitions.js";
import { KnexChangeFeed } from "./db/KnexChangeFeed.js";
import { KnexChannelStore } from "./db/KnexChannelStore.js";
import { KnexEditStore } from "./db/KnexEditStore.js";
import { KnexEventStore } from "./db/KnexEventStore.js";
import { KnexJobSlots } from "./db/KnexJobSlots.js";
import { KnexTimerStore } from "./db/KnexTimerStore.js";
import { KnexWorkflowStore } from "./db/KnexWorkflowStore.js";
import { KnexOrderStore } from "./db/KnexOrderStore.js";
import { KnexRejectionStore } from "./db/KnexRejectionStore.js";
import { KnexRetentionStore } from "./db/KnexRetentionStore.js";
import { KnexWorkspaceStore } from "./db/KnexWorkspaceStore.js";
import { KnexSensitiveLog } from "./db/access/KnexSensitiveLog.js";
import { KnexAuthEpochs } from "./db/access/KnexAuthEpochs.js";
import { KnexUserDirectory } from "./db/access/KnexUserDirectory.js";
import { KnexAccessPolicies } from "./db/access/KnexAccessPolicies.js";
import { acquireDataDir } from "./db/dataDirLock.js";
import { migrateLatest } from "./db/migrate.js";
import { standardWorkflow } from "./domain/workflow/templates.js";
import { Metrics } from "./http/metrics.js";
import { CachingAuthenticator } from "./http/auth.js";
import { DigestJob } from "./jobs/digestJob.js";
import { limitConcurrency, simulateInWorkers } from "./workers/simulation.js";
import { SCHEDULES, Scheduler } from "./jobs/scheduler.js";
import { SlaTimerJob } from "./jobs/slaTimerJob.js";
import { RetentionJob } from "./jobs/retentionJob.js";
import type { RetentionSettings } from "./domain/retention/retentionPolicy.js";
import { createTlsServer, findCertificate } from "./http/tls.js";
import { createLogger } from "./logger.js";
import { KnexConnectorStore, type ConnectorStoreFaults } from "./db/KnexConnectorStore.js";
import { KnexFactStore } from "./db/KnexFactStore.js";
import { CredentialBox, legacyCredentialKey } from "./connectors/credentials.js";
import { resealConnectorCredentials } from "./db/resealConnectorCredentials.js";
import { KnexFollowupStore } from "./db/KnexFollowupStore.js";
import { ConnectorService } from "./connectors/sdk/ConnectorService.js";
import type { HttpClientOptions } from "./connectors/sdk/HttpClient.js";
import { KnexWaybillSource } from "./db/KnexWaybillSource.js";
import { allConnectors } from "./connectors/registry.js";
import { FiledropService } from "./connectors/filedrop/FiledropService.js";
import { KnexFiledropStore } from "./db/KnexFiledropStore.js";
import { cronCalendar } from "./jobs/scheduler.js";
import { loadSecretKey, SecretBox } from "./crypto/secretBox.js";
import { KnexNotifyStore } from "./db/notify/KnexNotifyStore.js";
import { NotifyJob } from "./notify/notifyJob.js";
import { wecomRobot } from "./notify/wecom/wecomRobot.js";
import { dingtalkRobot } from "./notify/dingtalk/dingtalkRobot.js";
import { feishuBot } from "./notify/feishu/feishuBot.js";
import { smsChannel } from "./notify/sms/smsChannel.js";
import { tencentSms } from "./notify/sms/tencent/tencentSms.js";

/** The package version, shown by /healthz. */
export const VERSION = "0.1.0";

/** A running server and the handles to stop it. */
export interface RunningServer {
  url: string;
  port: number;
  /** The HTTPS origin serving the Excel add-in, when a certificate was found. */
  httpsUrl?: string;
  db: Database;
  workspaces: KnexWorkspaceStore;
  /** Printed once when the first start created an admin token. */
  firstAdminToken?: string;
  /** The scheduled jobs (SLA timers, audit digest, connector pulls); absent when jobs are off. */
  scheduler?: Scheduler;
  /** Connector instances and their runs. */
  connectors: ConnectorService;
  close(): Promise<void>;
}

/** Options tests use to run the same wiring on their own database. */
export interface StartOptions {
  db?: Database;
  logger?: Logger;
  now?: () => Date;
  /** How patient connectors are (tests shorten the waits). */
  connectorHttp?: HttpClientOptions;
  /** Failures injected at a connector page's transaction boundary (tests). */
  connectorFaults?: ConnectorStoreFaults;
}

/**
 * Makes sure the default workspace exists and that there is a way in: the token from
 * ORDERSHEET_ADMIN_TOKEN, or, on the very first start, a new admin token to print once.
 */
async function bootstrap(config: Config, workspaces: KnexWorkspaceStore): Promise<string | undefined> {
  const ws = await workspaces.getWorkspace(config.defaultWorkspace);
  if (!ws) {
    await workspaces.createWorkspace({ id: config.defaultWorkspace, name: config.defaultWorkspace, timeZone: config.timeZone, workflow: standardWorkflow });
  }
  if (config.adminToken) {
    await workspaces.issueToken(config.defaultWorkspace, "admin", "admin", { token: config.adminToken, label: "ORDERSHEET_ADMIN_TOKEN" });
    return undefined;
  }
  if (!(await workspaces.hasAnyToken())) {
    const issued = await workspaces.issueToken(config.defaultWorkspace, "admin", "admin", { label: "first start" });
    return issued.token;
  }
  return undefined;
}

/**
 * Month partitions ahead for every partitioned table, run at start-up and by the retention
 * job: the change feed and the inbox here; other partitioned tables (the audit log's months)
 * join through `alsoEnsure`.
 */
function retentionJob(d: { knex: Database["knex"]; settings: RetentionSettings; metrics: Metrics; logger: Logger; slots?: KnexJobSlots }): RetentionJob {
  return new RetentionJob({
    store: new KnexRetentionStore(d.knex),
    settings: d.settings,
    logger: d.logger,
    slots: d.slots,
    observer: {
      partitionsDropped: (table, n) => d.metrics.partitionsDropped.inc({ table }, n),
      rowsDeleted: (table, n) => d.metrics.rowsDeleted.inc({ table }, n),
    },
    // The audit log's months ahead, with the feed's and the inbox's (at start-up and daily).
    alsoEnsure: async (now) => {
      const made = await ensureAuditPartitions(d.knex, now);
      if (made.created.length || made.skipped.length) d.logger.info({ job: "retention", ...made }, "audit log month partitions");
      return made;
    },
  });
}

/** The scheduled jobs of one server instance; instances sharing a database claim each slot once. */
function serverJobs(d: {
  knex: Database["knex"];
  workflows: KnexWorkflowStore;
  events: KnexEventStore;
  audit: KnexAuditStore;
  signal: ChangeSignal;
  logger: Logger;
  now?: () => Date;
  notify: NotifyJob;
  retention: RetentionSettings;
  metrics: Metrics;
  connectors: ConnectorService;
}): Scheduler {
  const slots = new KnexJobSlots(d.knex, `${os.hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`);
  const retention = retentionJob({ knex: d.knex, settings: d.retention, metrics: d.metrics, logger: d.logger, slots });
  const timers = new KnexTimerStore(d.knex, d.workflows, d.signal);
  const sla = new SlaTimerJob({ store: timers, events: d.events, logger: d.logger, slots });
  const digest = new DigestJob({
    workspaces: () => timers.workspaces(),
    audit: d.audit,
    logger: d.logger,
    slots,
    maintain: async () => {
      await d.audit.resumeFullChecks();
    },
  });
  return new Scheduler({
    logger: d.logger,
    now: d.now,
    jobs: [
      { name: "sla-timers", ...SCHEDULES.slaTimers, run: (now, slot) => sla.run(now, slot) },
      { name: "audit-digest", ...SCHEDULES.auditDigest, run: (now, slot) => digest.run(now, slot) },
      { name: "connectors", ...SCHEDULES.connectors, run: (now, slot) => d.connectors.runScheduled(now, slot, (ws, job, s) => slots.claim(ws, job, s)) },
      { name: "notify", ...SCHEDULES.notify, run: (now) => d.notify.run(now) },
      { name: "retention", ...SCHEDULES.retention, run: (now, slot) => retention.run(now, slot) },
    ],
  });
}

/** The notification store (secrets sealed with the server's key) and the job that sends. */
export function notifyWiring(config: Config, db: Database, box: SecretBox | undefined, logger: Logger): { store: KnexNotifyStore; job: NotifyJob } {
  const store = new KnexNotifyStore(db.knex, box);
  const base = config.publicUrl ?? `http://localhost:${config.port}`;
  const job = new NotifyJob({
    outbox: store,
    channels: [wecomRobot, dingtalkRobot, feishuBot, smsChannel(tencentSms)],
    logger,
    instance: `${os.hostname()}:${process.pid}`,
    link: (orderId) => `${base}/addin/taskpane.html?order=${encodeURIComponent(orderId)}`,
  });
  return { store, job };
}

/** Opens the database, migrates it, and starts serving HTTP. */
export async function startServer(config: Config, opts: StartOptions = {}): Promise<RunningServer> {
  const logger = opts.logger ?? createLogger(config.logLevel);
  const release = opts.db || config.databaseUrl ? () => {} : acquireDataDir(config.dataDir);
  const db = opts.db ?? createDatabase({ url: config.databaseUrl, dataDir: config.dataDir });
  const applied = await migrateLatest(db.knex);
  if (applied.length) logger.info({ applied }, "database migrated");

  // One clock for the whole server: token expiry, timers and answers all read it.
  const now = opts.now ?? (() => new Date());
  const workspaces = new KnexWorkspaceStore(db.knex, now);
  const firstAdminToken = await bootstrap(config, workspaces);

  let signal: ChangeSignal;
  if (db.backend === "postgres" && db.url) {
    const pgSignal = new PgChangeSignal(db.url, (err) => logger.warn({ err }, "change-feed listener error; reconnecting"));
    await pgSignal.start();
    signal = pgSignal;
  } else {
    signal = new LocalChangeSignal();
  }
  const metrics = new Metrics();
  const retention = config.retention ?? DEFAULT_RETENTION;
  metrics.showRetention(retention);
  const retentionStore = new KnexRetentionStore(db.knex);
  metrics.watchPartitions(() => retentionStore.report());
  // This month's partitions and the next ones exist before the first write (the default
  // partition would catch rows meanwhile, but a month whose rows sit there cannot get its partition).
  const made = await retentionJob({ knex: db.knex, settings: retention, metrics, logger }).maintainPartitions(now());
  if (made.created.length) logger.info({ created: made.created }, "month partitions created");
  if (made.skipped.length) logger.warn({ skipped: made.skipped }, "month partitions not created: their rows already sit in the default partition");
  const feed = new KnexChangeFeed(db.knex, signal, { waiting: (d) => metrics.feedWaiters.inc(d) });
  const workflows = new KnexWorkflowStore(db.knex, signal);
  const events = new KnexEventStore(db.knex, workflows, signal);
  const audit = new KnexAuditStore(db.knex, { onError: (err, ctx) => logger.error({ err, ...ctx }, "full audit check stopped; it resumes later") });
  // Full checks a stopped server left running (the audit log's months ahead were made above, with the others').
  await audit.resumeFullChecks();
  // One key seals every secret at rest (robot keys, SMS accounts, connector credentials).
  // CONNECTOR_CREDENTIALS_KEY, the connectors' own key before, stands in when it is the only one set.
  const secretKey = loadSecretKey({ configured: config.secretKey ?? config.connectorCredentialsKey, embedded: db.backend === "pglite", dataDir: config.dataDir });
  if (!secretKey) logger.warn("ORDERSHEET_SECRET_KEY is not set: notification targets and connector credentials cannot be stored until it is");
  if (!config.secretKey && config.connectorCredentialsKey) logger.warn("CONNECTOR_CREDENTIALS_KEY is deprecated: set ORDERSHEET_SECRET_KEY instead (the same value keeps working)");
  const secretBox = secretKey ? new SecretBox(secretKey) : undefined;
  const credentialBox = secretBox ? new CredentialBox(secretBox, legacyCredentialKey({ configured: config.connectorCredentialsKey, dataDir: config.dataDir })) : undefined;
  if (credentialBox) {
    const resealed = await resealConnectorCredentials(db.knex, (sealed, c) => credentialBox.reseal(sealed, `connector:${c.workspaceId}:${c.id}`), (err, c) =>
      logger.error({ err, connector: c.id, workspace: c.workspaceId }, "connector credentials sealed with the earlier key could not be re-sealed; set CONNECTOR_CREDENTIALS_KEY to that key"),
    );
    if (resealed) logger.info({ resealed }, "connector credentials moved under the server's secret key");
  }
  const connectorStore = new KnexConnectorStore(db.knex, signal, opts.connectorFaults);
  const filedrop = new FiledropService({ store: connectorStore, files: new KnexFiledropStore(db.knex), now });
  const connectors = new ConnectorService({
    store: connectorStore,
    box: credentialBox,
    connectors: allConnectors(new KnexWaybillSource(db.knex)),
    cron: cronCalendar,
    logger,
    now,
    http: opts.connectorHttp,
  });
  const notify = notifyWiring(config, db, secretBox, logger);
  const scheduler = config.jobs === false ? undefined : serverJobs({ knex: db.knex, workflows, events, audit, signal, logger, now: opts.now, notify: notify.job, retention, metrics, connectors });
  scheduler?.start();
  const app = buildApp({
    logger,
    metrics,
    auth: new CachingAuthenticator(workspaces, 10_000, 10_000, Date.now, { epochs: new KnexAuthEpochs(db.knex) }, () => now().getTime()),
    workspaces,
    users: new KnexUserDirectory(db.knex, now),
    writeRateLimit: config.writeRateLimit,
    orders: new KnexOrderStore(db.knex, signal),
    feed,
    rejections: new KnexRejectionStore(db.knex),
    sensitiveLog: new KnexSensitiveLog(db.knex),
    policies: new KnexAccessPolicies(db.knex),
    connectors,
    facts: new KnexFactStore(db.knex),
    filedrop,
    notify: notify.store,
    followups: new KnexFollowupStore(db.knex),
    engine: { events, edits: new KnexEditStore(db.knex, signal), workflows, audit, alerts: new KnexAlertStore(db.knex, signal), channels: new KnexChannelStore(db.knex, signal), simulate: limitConcurrency(1, (flow, stream, tz) => simulateInWorkers(flow, stream, 1, { tz })) },
    ping: async () => {
      await db.knex.raw("select 1");
    },
    backend: db.backend,
    bodyLimitBytes: config.bodyLimitBytes,
    now,
    version: VERSION,
  });

  const server = http.createServer(app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : config.port;
  const host = config.host === "0.0.0.0" || config.host === "::" ? "localhost" : config.host;
  // Office loads add-ins over HTTPS only: with a certificate (npm run certs) the same app also listens there.
  const tls = config.httpsPort === undefined ? undefined : findCertificate(config.tlsDir);
  const secure = tls ? createTlsServer(app, tls) : undefined;
  if (secure) {
    secure.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      secure.once("error", (err) => server.close(() => reject(err)));
      secure.listen(config.httpsPort, config.host, () => resolve());
    });
  }
  const securePort = secure ? (secure.address() as { port: number }).port : undefined;
  return {
    url: `http://${host}:${port}`,
    port,
    httpsUrl: securePort === undefined ? undefined : `https://${host}:${securePort}`,
    db,
    workspaces,
    firstAdminToken,
    scheduler,
    connectors,
    async close() {
      await scheduler?.stop();
      await connectors.settled();
      feed.close();
      server.closeAllConnections();
      secure?.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (secure) await new Promise<void>((resolve) => secure.close(() => resolve()));
      await signal.close();
      if (!opts.db) await db.knex.destroy();
      release();
    },
  };
}

async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  const running = await startServer(config, { logger });
  const where = running.db.backend === "pglite" ? `embedded PGlite in ${config.dataDir}` : "PostgreSQL";
  console.log(`\nOrdersheet is running at ${running.url}  (database: ${where})`);
  console.log(`Health: ${running.url}/healthz   API: ${running.url}/api/openapi.json`);
  if (running.httpsUrl) {
    const manifest = fileURLToPath(new URL("../manifest.xml", import.meta.url));
    console.log(`Excel add-in: ${running.httpsUrl}/addin/taskpane.html  — sideload ${manifest}`);
    console.log(`  In the pane, connect to ${running.httpsUrl} (the address it opens with); the http address above serves the API to scripts, not the pane.`);
  }
  else if (config.httpsPort !== undefined) console.log("Excel add-in: no HTTPS certificate found; create one with  npm run certs");
  if (running.firstAdminToken) {
    console.log(`\nFirst start: an admin token was created. It is shown only this once — keep it safe:\n\n  ${running.firstAdminToken}\n`);
  } else if (!config.adminToken) {
    console.log("Tokens: issue one with  npm run token -- --user NAME --role ROLE");
  }
  const stop = (sig: string) => {
    logger.info({ signal: sig }, "shutting down");
    running.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  });
}
