import { z } from "zod";
import { EventInput } from "./events.js";
import { WorkflowDefinition } from "./workflow.js";
import { LocalizedText, RefusalParams } from "./refusals.js";
import { Role } from "./roles.js";

/** The most events one `POST /api/events` may carry. */
export const MAX_EVENT_BATCH = 5000;

/** `POST /api/events` body. */
export const PostEventsRequest = z
  .object({ events: z.array(EventInput).min(1).max(MAX_EVENT_BATCH) })
  .strict()
  .meta({ id: "PostEventsRequest" });
export type PostEventsRequest = z.infer<typeof PostEventsRequest>;

/** How one event ended. */
export const EventOutcomeKind = z.enum(["applied", "noop", "refused", "conflict", "held", "not_found", "duplicate"]);

/** The answer for one event. */
export const EventResult = z.object({
  index: z.number().int(),
  source: z.string(),
  sourceEventId: z.string(),
  outcome: EventOutcomeKind,
  orderId: z.string().nullable(),
  status: z.string().optional(),
  version: z.number().int().optional(),
  reason: z.string().optional(),
  code: z.string().optional().describe("Stable code of a refusal or conflict (contracts/refusals.ts)"),
  params: RefusalParams.optional(),
  messages: LocalizedText.optional().describe("`reason` in zh-CN and English"),
  allowed: z.array(z.string()).optional(),
  currentVersion: z.number().int().optional(),
  currentStatus: z.string().optional(),
  changedBy: z.string().nullable().optional(),
  changedAt: z.string().nullable().optional(),
  firstOutcome: z.string().optional(),
  alerts: z.array(z.object({ level: z.string(), message: z.string(), messages: LocalizedText.optional() })).optional(),
});
export type EventResult = z.infer<typeof EventResult>;

/** `POST /api/events` response: per-event results plus counts by outcome. */
export const PostEventsResponse = z
  .object({ results: z.array(EventResult), counts: z.record(z.string(), z.number().int()) })
  .meta({ id: "PostEventsResponse" });

/** `POST /api/orders/:id/status` body: a manual status command. */
export const StatusCommandRequest = z
  .object({
    to: z.string().min(1).max(64),
    baseVersion: z.number().int().min(1),
    note: z.string().max(2000).optional(),
    commandId: z.string().min(1).max(100).optional().describe("Makes a retry harmless; generated when absent"),
  })
  .strict()
  .meta({ id: "StatusCommand" });

/** One audit entry. */
export const AuditEntryView = z.object({
  seq: z.string(),
  at: z.string(),
  actor: z.string(),
  source: z.string(),
  action: z.string(),
  field: z.string().nullable(),
  oldValue: z.unknown(),
  newValue: z.unknown(),
  orderVersion: z.number().int(),
  prevHash: z.string().nullable(),
  hash: z.string(),
});

/** `GET /api/orders/:id/history` response. */
export const HistoryResponse = z.object({ orderId: z.string(), entries: z.array(AuditEntryView) }).meta({ id: "OrderHistory" });

/** `POST /api/audit/verify` response (the routine check), and a full check's result. */
export const VerifyResponse = z
  .object({
    ok: z.boolean(),
    chains: z.number().int().describe("Chains covered (routine: verified so far in all, checkpoint plus new)"),
    entries: z.number().int().describe("Entries covered, likewise"),
    digestsChecked: z.number().int(),
    firstBroken: z
      .object({ orderId: z.string().nullable(), seq: z.string().nullable(), reason: z.string() })
      .nullable(),
    message: z.string().describe("In zh-CN and English"),
    mode: z.enum(["routine", "full"]).optional(),
    entriesRead: z.number().int().optional().describe("Entries read by this check (routine: only those after the checkpoint)"),
    fromSeq: z.string().optional().describe("Entries checked: seq in (fromSeq, uptoSeq]"),
    uptoSeq: z.string().optional(),
    months: z
      .array(z.object({ month: z.string().nullable(), state: z.enum(["verified", "sealed", "archived"]), entries: z.number().int() }))
      .optional()
      .describe("Full check: each month of the audit log (null: the default partition)"),
  })
  .meta({ id: "AuditVerification" });
export type VerifyResponse = z.infer<typeof VerifyResponse>;

/** `POST /api/audit/verify` query. */
export const VerifyQuery = z
  .object({ full: z.enum(["0", "1", "true", "false"]).optional().describe("1: start the full check in the background (202 with the run)") })
  .strict();

/** A full audit check in the background. */
export const AuditCheckRun = z
  .object({
    id: z.string(),
    status: z.enum(["running", "done", "failed"]),
    phase: z.string().describe("entries → heads → digests → done"),
    entriesDone: z.number().int(),
    entriesTotal: z.number().int(),
    currentMonth: z.string().nullable().describe("The month partition being read (YYYY-MM, or default)"),
    startedAt: z.string(),
    finishedAt: z.string().nullable(),
    result: VerifyResponse.nullable(),
  })
  .meta({ id: "AuditCheckRun" });

/** `:runId` of a full audit check. */
export const AuditRunParams = z.object({ runId: z.string().regex(/^\d{1,18}$/, "must be a run id from POST /api/audit/verify?full=1") }).strict();

/** `GET /api/workflow` response. */
export const WorkflowResponse = z
  .object({ version: z.number().int(), definition: WorkflowDefinition, publishedBy: z.string(), publishedAt: z.string() })
  .meta({ id: "WorkflowVersion" });

/** `PUT /api/workflow` response. */
export const PublishResponse = z
  .object({ version: z.number().int(), migratedOrders: z.number().int() })
  .meta({ id: "PublishResult" });

/** `GET /api/workflow/versions` response. */
export const VersionsResponse = z
  .object({ versions: z.array(z.object({ version: z.number().int(), name: z.string(), publishedBy: z.string(), publishedAt: z.string() })) })
  .meta({ id: "WorkflowVersions" });

/** `POST /api/workflow/simulate` body. */
export const SimulateRequest = z
  .object({
    definition: WorkflowDefinition.optional().describe("The definition to try; the current one when absent"),
    orders: z.number().int().min(1).max(50_000).default(10_000).describe("Synthetic orders to replay (the sandbox CLI takes millions)"),
    seed: z.number().int().default(1),
    compare: z.boolean().default(false).describe("Also run the current definition and report the differences"),
  })
  .strict()
  .meta({ id: "SimulateRequest" });

/** `GET /api/alerts` query. */
export const AlertsQuery = z
  .object({
    open: z.enum(["true", "false"]).default("true"),
    orderId: z.string().max(40).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .strict();

/** One alert. */
export const AlertView = z.object({
  id: z.string(),
  orderId: z.string(),
  level: z.string(),
  message: z.string(),
  messages: LocalizedText.optional().describe("The alert text in zh-CN and English (always sent by this server; older alerts repeat `message`)"),
  source: z.string(),
  sourceId: z.string(),
  notify: z.string().nullable(),
  raisedAt: z.string(),
  clearedAt: z.string().nullable(),
  clearedBy: z.string().nullable().describe("`system` when the condition ended by itself, else who closed it"),
  clearReason: z
    .enum(["status_left", "condition_ended", "closed"])
    .nullable()
    .describe("status_left: the order left the status the alert was raised in; condition_ended: the timer's condition ended (e.g. a tracking update ended a stall); closed: a person closed it"),
  clearNote: z.string().nullable(),
});

/** `:id` of an alert. */
export const AlertParams = z.object({ id: z.string().regex(/^\d{1,18}$/, "must be an alert ID (digits)") }).strict();

/** `POST /api/alerts/:id/close` body. */
export const CloseAlertRequest = z
  .object({ note: z.string().trim().min(1).max(500).optional().describe("Why it is closed, for the record") })
  .strict()
  .meta({ id: "CloseAlertRequest" });

/** `POST /api/alerts/:id/close` response. */
export const CloseAlertResponse = z.object({ alert: AlertView }).meta({ id: "ClosedAlert" });

/** `GET /api/alerts` response. */
export const AlertsResponse = z.object({ alerts: z.array(AlertView) }).meta({ id: "AlertPage" });

/**
 * `GET /api/workflow/moves` response: for each status of the current workflow, the statuses
 * a role may move an order to by hand (guards not checked: the dependent dropdown of a row),
 * for the caller's role and for every role.
 */
export const WorkflowMovesResponse = z
  .object({
    version: z.number().int(),
    role: Role,
    moves: z.record(z.string(), z.array(z.string())).describe("The caller's role: status code → status codes it may choose"),
    byRole: z.record(Role, z.record(z.string(), z.array(z.string()))).describe("Every role: role → status code → status codes"),
    labels: z.record(z.string(), LocalizedText).describe("Status code → its zh-CN and English name"),
    terminal: z.array(z.string()).describe("Terminal status codes (no move leaves them)"),
  })
  .meta({ id: "WorkflowMoves" });
export type WorkflowMovesResponse = z.infer<typeof WorkflowMovesResponse>;
