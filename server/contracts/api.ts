import { z } from "zod";
import { ChangesHeadResponse, ChangesQuery, ChangesResponse } from "./changes.js";
import { CountOrdersQuery, CountOrdersResponse, ImportOrdersRequest, ImportOrdersResponse, ListOrdersQuery, ListOrdersResponse, OrderView } from "./orders.js";
import { Role } from "./roles.js";
import {
  AlertParams, AlertsQuery, AlertsResponse, CloseAlertRequest, CloseAlertResponse, HistoryResponse, PostEventsRequest, PostEventsResponse, PublishResponse, SimulateRequest,
  StatusCommandRequest, EventResult, VerifyResponse, VerifyQuery, AuditCheckRun, AuditRunParams, VersionsResponse, WorkflowResponse, WorkflowMovesResponse,
} from "./engine.js";
import { WorkflowDefinition } from "./workflow.js";
import { EDITABLE_COLUMN_NAMES, EditsRequest, EditsResponse } from "./edits.js";
import { LocalizedText } from "./refusals.js";
import { AccessPolicy, AccessPolicyResponse, ExportOrdersQuery } from "./access.js";
import { ChannelParams, ChannelPausesResponse, ResumeChannelRequest, ResumeChannelResponse } from "./channels.js";
import {
  CreateRouteRequest, CreateTargetRequest, DeletedResponse, DeliveriesQuery, DeliveriesResponse, NotifyIdParams, RoutesResponse, RouteView, TargetsResponse, TargetView, UpdateRouteRequest,
  UpdateTargetRequest,
} from "./notify.js";
import {
  ConflictParams, ConflictResponse, ConflictsResponse, FollowupsQuery, ResolveConflictRequest, TaskDoneRequest, TaskParams, TaskResponse, TasksResponse,
} from "./followups.js";
import { SensitiveLogQuery, SensitiveLogResponse } from "./sensitiveLog.js";
import {
  ConnectorHealth, ConnectorParams, ConnectorsResponse, ConnectorView, CreateConnectorRequest, PatchConnectorRequest, PutStatusMapRequest, RunConnectorResponse, StatusMapParams,
  StatusMapResponse,
} from "./connectors.js";
import { FactDisputesResponse, FactOrderParams, FactPrecedencePolicy, FactPrecedenceResponse, ResolveFactDisputeRequest, ResolveFactDisputeResponse } from "./facts.js";
import { ChangeRoleRequest, ChangeScopeRequest, RotateTokenRequest, RotateTokenResponse, TokenParams, TokensQuery, TokensResponse, TokenView, UserParams, UsersResponse, UserView } from "./users.js";

/**
 * One HTTP endpoint as data: the server validates with it, the OpenAPI document is
 * generated from it, and typed clients (the add-in, tests) call through it.
 */
export interface RouteContract<
  Q extends z.ZodType = z.ZodType,
  B extends z.ZodType = z.ZodType,
  P extends z.ZodType = z.ZodType,
  R extends z.ZodType = z.ZodType,
> {
  method: "get" | "post" | "put" | "patch" | "delete";
  /** Express-style path, e.g. `/api/orders/:id`. */
  path: string;
  summary: string;
  /** Roles allowed; absent means every authenticated role. */
  roles?: readonly Role[];
  query?: Q;
  body?: B;
  params?: P;
  response: R;
  /** Extra documented statuses besides 200 and the standard errors. */
  statuses?: Record<number, string>;
}

/** Defines a contract while keeping its precise schema types. */
export function defineRoute<Q extends z.ZodType, B extends z.ZodType, P extends z.ZodType, R extends z.ZodType>(
  c: RouteContract<Q, B, P, R>,
): RouteContract<Q, B, P, R> {
  return c;
}

/** Identity of the caller, for the add-in's connect screen. */
export const MeResponse = z
  .object({
    workspaceId: z.string(),
    user: z.string(),
    role: Role,
    timeZone: z.string(),
    editableColumns: z.array(z.enum(EDITABLE_COLUMN_NAMES)).describe("Columns this caller may edit, from the workspace's access policy"),
    piiUnmasked: z.boolean().describe("Whether customer name, phone and address reach this caller unmasked"),
    mayExport: z.boolean().describe("Whether this caller may export orders (GET /api/orders/export)"),
    roleLabel: LocalizedText.optional().describe("The caller's role as staff know it, in zh-CN and English (ROLE_LABELS; always sent by this server)"),
  })
  .meta({ id: "Me" });
export type MeResponse = z.infer<typeof MeResponse>;

/** `:id` path parameter of an order. */
export const OrderIdParams = z.object({ id: z.string().min(1).max(40) }).strict();

/** One input the server refused, kept for admins. */
export const RejectedInput = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string().nullable(),
  route: z.string(),
  status: z.number().int(),
  reason: z.string(),
  bodyBytes: z.number().int(),
  body: z.string().describe("The first 64 KiB of what was sent"),
});

/** `GET /api/rejections` query. */
export const RejectionsQuery = z
  .object({ limit: z.coerce.number().int().min(1).max(500).default(50), before: z.string().regex(/^\d{1,18}$/, "must be an id from an earlier page").optional() })
  .strict();

/** `POST /api/tokens` body. */
export const IssueTokenRequest = z
  .object({
    user: z.string().min(1).max(64),
    role: Role,
    label: z.string().max(200).default(""),
    expiresInDays: z.number().int().min(1).max(3650).optional().describe("The token stops working after this many days; absent: it lasts until revoked"),
  })
  .strict()
  .meta({ id: "IssueTokenRequest" });

/** `POST /api/tokens` response: the token is shown this once. */
export const IssueTokenResponse = z
  .object({ token: z.string(), tokenId: z.string(), user: z.string(), role: Role, expiresAt: z.string().nullable().optional() })
  .meta({ id: "IssuedToken" });

const ORDER_WRITERS = ["admin", "supervisor", "customer_service"] as const;
const NOTIFY_READERS = ["admin", "supervisor", "auditor"] as const;

/** The notification admin endpoints (routing rules, targets, the delivery log). */
const notifyApi = {
  listNotifyRoutes: defineRoute({ method: "get", path: "/api/notifications/routes", summary: "Notification routing rules (admins, supervisors, auditors)", roles: NOTIFY_READERS, response: RoutesResponse }),
  createNotifyRoute: defineRoute({
    method: "post",
    path: "/api/notifications/routes",
    summary: "Add a routing rule: alerts and tasks matching it (level, region, warehouse, channel, role) go to a target (admins)",
    roles: ["admin"],
    body: CreateRouteRequest,
    response: RouteView,
    statuses: { 404: "No such target" },
  }),
  updateNotifyRoute: defineRoute({
    method: "patch",
    path: "/api/notifications/routes/:id",
    summary: "Change a routing rule (admins)",
    roles: ["admin"],
    params: NotifyIdParams,
    body: UpdateRouteRequest,
    response: RouteView,
    statuses: { 404: "No such rule or target" },
  }),
  deleteNotifyRoute: defineRoute({
    method: "delete",
    path: "/api/notifications/routes/:id",
    summary: "Remove a routing rule (admins)",
    roles: ["admin"],
    params: NotifyIdParams,
    response: DeletedResponse,
    statuses: { 404: "No such rule" },
  }),
  listNotifyTargets: defineRoute({ method: "get", path: "/api/notifications/targets", summary: "Notification targets (robots, SMS), never their secrets (admins, supervisors, auditors)", roles: NOTIFY_READERS, response: TargetsResponse }),
  createNotifyTarget: defineRoute({
    method: "post",
    path: "/api/notifications/targets",
    summary: "Add a target: a WeCom, DingTalk or Feishu robot, or an SMS recipient; secrets are stored encrypted and never shown again (admins)",
    roles: ["admin"],
    body: CreateTargetRequest,
    response: TargetView,
    statuses: { 409: "The server has no secret key configured (ORDERSHEET_SECRET_KEY)" },
  }),
  updateNotifyTarget: defineRoute({
    method: "patch",
    path: "/api/notifications/targets/:id",
    summary: "Change a target; secrets left out stay as they are (admins)",
    roles: ["admin"],
    params: NotifyIdParams,
    body: UpdateTargetRequest,
    response: TargetView,
    statuses: { 404: "No such target", 409: "The server has no secret key configured (ORDERSHEET_SECRET_KEY)" },
  }),
  deleteNotifyTarget: defineRoute({
    method: "delete",
    path: "/api/notifications/targets/:id",
    summary: "Remove a target with its routing rules and unsent notifications (admins)",
    roles: ["admin"],
    params: NotifyIdParams,
    response: DeletedResponse,
    statuses: { 404: "No such target" },
  }),
  notifyDeliveries: defineRoute({
    method: "get",
    path: "/api/notifications/deliveries",
    summary: "The delivery log, newest first, with how many notifications wait (admins, supervisors, auditors)",
    roles: NOTIFY_READERS,
    query: DeliveriesQuery,
    response: DeliveriesResponse,
  }),
};

/** The endpoints of the order API. */
export const api = {
  me: defineRoute({ method: "get", path: "/api/me", summary: "Who the token belongs to", response: MeResponse }),
  importOrders: defineRoute({
    method: "post",
    path: "/api/orders",
    summary: "Create or import a batch of orders (idempotent on channel + external order ID)",
    roles: ORDER_WRITERS,
    body: ImportOrdersRequest,
    response: ImportOrdersResponse,
  }),
  listOrders: defineRoute({
    method: "get",
    path: "/api/orders",
    summary:
      "List orders by status (code or name in either language), channel, region, update time, search (q: platform order ID, waybill, phone), overdue, mine; by default open orders plus the last 7 days; cursor pagination",
    query: ListOrdersQuery,
    response: ListOrdersResponse,
  }),
  countOrders: defineRoute({
    method: "get",
    path: "/api/orders/count",
    summary: "How many orders the list's filters select (same filters and default window as GET /api/orders), before loading them",
    query: CountOrdersQuery,
    response: CountOrdersResponse,
  }),
  getOrder: defineRoute({
    method: "get",
    path: "/api/orders/:id",
    summary: "One order with its lines",
    params: OrderIdParams,
    response: OrderView,
    statuses: { 404: "No such order in this workspace" },
  }),
  changes: defineRoute({
    method: "get",
    path: "/api/changes",
    summary: "The change feed after a cursor; with wait, long-polls until something changes",
    query: ChangesQuery,
    response: ChangesResponse,
    statuses: { 410: "Changes after the cursor were removed by retention (feed_reload): load the view again, then follow from /api/changes/head" },
  }),
  changesHead: defineRoute({
    method: "get",
    path: "/api/changes/head",
    summary: "The cursor of the newest change, to start following the feed from now",
    response: ChangesHeadResponse,
  }),
  issueToken: defineRoute({
    method: "post",
    path: "/api/tokens",
    summary: "Issue an API token for a user (admins); a new user is created with the role, an existing user must already hold it",
    roles: ["admin"],
    body: IssueTokenRequest,
    response: IssueTokenResponse,
    statuses: { 409: "The user exists with another role (role_mismatch: change it with PUT /api/users/:name/role) or is disabled (user_disabled)" },
  }),
  listUsers: defineRoute({ method: "get", path: "/api/users", summary: "Users of the workspace with role, state and last use (admins, auditors)", roles: ["admin", "auditor"], response: UsersResponse }),
  changeRole: defineRoute({
    method: "put",
    path: "/api/users/:name/role",
    summary: "Change a user's role; every token of theirs follows within a second (admins)",
    roles: ["admin"],
    params: UserParams,
    body: ChangeRoleRequest,
    response: UserView,
    statuses: { 404: "No such user", 409: "It would leave the workspace without an active admin (last_admin)" },
  }),
  changeScope: defineRoute({
    method: "put",
    path: "/api/users/:name/scope",
    summary: "Set the regions, warehouses and channels whose orders a user may see and change (row scope); every token of theirs follows within a second (admins)",
    roles: ["admin"],
    params: UserParams,
    body: ChangeScopeRequest,
    response: UserView,
    statuses: { 404: "No such user" },
  }),
  disableUser: defineRoute({
    method: "post",
    path: "/api/users/:name/disable",
    summary: "Disable a user: every token of theirs is refused within a second on every server instance (admins)",
    roles: ["admin"],
    params: UserParams,
    response: UserView,
    statuses: { 404: "No such user", 409: "It would leave the workspace without an active admin (last_admin)" },
  }),
  enableUser: defineRoute({
    method: "post",
    path: "/api/users/:name/enable",
    summary: "Enable a disabled user again; their unrevoked, unexpired tokens work again (admins)",
    roles: ["admin"],
    params: UserParams,
    response: UserView,
    statuses: { 404: "No such user" },
  }),
  listTokens: defineRoute({ method: "get", path: "/api/tokens", summary: "Tokens of the workspace, never the secret (admins, auditors)", roles: ["admin", "auditor"], query: TokensQuery, response: TokensResponse }),
  revokeToken: defineRoute({
    method: "delete",
    path: "/api/tokens/:id",
    summary: "Revoke one token; it is refused within a second on every server instance (admins)",
    roles: ["admin"],
    params: TokenParams,
    response: TokenView,
    statuses: { 404: "No such token" },
  }),
  rotateToken: defineRoute({
    method: "post",
    path: "/api/tokens/rotate",
    summary: "Replace the token of this request with a new one (shown once) and revoke it; needs confirm: true",
    body: RotateTokenRequest,
    response: RotateTokenResponse,
  }),
  postEvents: defineRoute({
    method: "post",
    path: "/api/events",
    summary: "Deliver a batch of facts; each is deduplicated on (source, sourceEventId) and decided by the workflow engine",
    roles: ["admin", "supervisor", "customer_service", "warehouse", "finance"],
    body: PostEventsRequest,
    response: PostEventsResponse,
  }),
  statusCommand: defineRoute({
    method: "post",
    path: "/api/orders/:id/status",
    summary: "Move one order to a status by hand, based on the version you saw",
    roles: ["admin", "supervisor", "customer_service", "warehouse", "finance"],
    params: OrderIdParams,
    body: StatusCommandRequest,
    response: EventResult,
    statuses: { 404: "No such order", 409: "Stale version: someone changed the order first (current value and who)", 422: "A move the workflow does not allow (reason and allowed statuses)" },
  }),
  history: defineRoute({
    method: "get",
    path: "/api/orders/:id/history",
    summary: "The order's audit trail, oldest first",
    params: OrderIdParams,
    response: HistoryResponse,
    statuses: { 404: "No such order" },
  }),
  verifyAudit: defineRoute({
    method: "post",
    path: "/api/audit/verify",
    summary: "Check the audit trail: the routine check (entries, links and digests since the checkpoint, the tally) answers at once; full=1 starts the full check in the background",
    roles: ["admin", "supervisor", "auditor"],
    query: VerifyQuery,
    response: z.union([VerifyResponse, AuditCheckRun]),
    statuses: { 202: "full=1: the full check started (or was already running); follow it at GET /api/audit/verify/runs/{runId}" },
  }),
  auditCheckRun: defineRoute({
    method: "get",
    path: "/api/audit/verify/runs/:runId",
    summary: "A full audit check's progress (entries done of total, current month) or outcome",
    roles: ["admin", "supervisor", "auditor"],
    params: AuditRunParams,
    response: AuditCheckRun,
    statuses: { 404: "No such run in this workspace" },
  }),
  getWorkflow: defineRoute({ method: "get", path: "/api/workflow", summary: "The current workflow definition", response: WorkflowResponse }),
  workflowMoves: defineRoute({
    method: "get",
    path: "/api/workflow/moves",
    summary: "Per status, the statuses the caller's role (and every role) may move an order to by hand: the dependent status dropdowns",
    response: WorkflowMovesResponse,
  }),
  putWorkflow: defineRoute({
    method: "put",
    path: "/api/workflow",
    summary: "Publish a new workflow version (live orders move onto it)",
    roles: ["admin", "supervisor"],
    body: WorkflowDefinition,
    response: PublishResponse,
  }),
  workflowVersions: defineRoute({ method: "get", path: "/api/workflow/versions", summary: "Published workflow versions", response: VersionsResponse }),
  simulate: defineRoute({
    method: "post",
    path: "/api/workflow/simulate",
    summary: "Replay a synthetic order stream through a definition with no side effects",
    roles: ["admin", "supervisor", "auditor"],
    body: SimulateRequest,
    response: z.object({ report: z.record(z.string(), z.unknown()), comparison: z.record(z.string(), z.unknown()).optional() }).meta({ id: "SimulationResult" }),
  }),
  alerts: defineRoute({ method: "get", path: "/api/alerts", summary: "Alerts raised by timers and rules", query: AlertsQuery, response: AlertsResponse }),
  closeAlert: defineRoute({
    method: "post",
    path: "/api/alerts/:id/close",
    summary: "Close an open alert by hand (who and when are kept; the feed carries the clearing)",
    roles: ["admin", "supervisor", "customer_service", "warehouse", "finance"],
    params: AlertParams,
    body: CloseAlertRequest,
    response: CloseAlertResponse,
    statuses: { 404: "No such alert", 409: "The alert has already ended" },
  }),
  conflicts: defineRoute({ method: "get", path: "/api/conflicts", summary: "Conflicts about orders (open ones unless open=false)", query: FollowupsQuery, response: ConflictsResponse }),
  resolveConflict: defineRoute({
    method: "post",
    path: "/api/conflicts/:id/resolve",
    summary: "Resolve an open conflict: the person kept their value, took the server's, or closes it (who, how and when are kept)",
    roles: ["admin", "supervisor", "customer_service", "warehouse", "finance"],
    params: ConflictParams,
    body: ResolveConflictRequest,
    response: ConflictResponse,
    statuses: { 404: "No such conflict", 409: "The conflict has already ended" },
  }),
  tasks: defineRoute({ method: "get", path: "/api/tasks", summary: "Tasks for people opened by workflow rules and timers (open ones unless open=false)", query: FollowupsQuery, response: TasksResponse }),
  taskDone: defineRoute({
    method: "post",
    path: "/api/tasks/:id/done",
    summary: "Mark an open task done (who and when are kept)",
    roles: ["admin", "supervisor", "customer_service", "warehouse", "finance"],
    params: TaskParams,
    body: TaskDoneRequest,
    response: TaskResponse,
    statuses: { 404: "No such task", 409: "The task has already ended" },
  }),
  edits: defineRoute({
    method: "post",
    path: "/api/edits",
    summary: "Apply cell edits from the sheet; each answers saved, conflict or refused",
    roles: ["admin", "supervisor", "customer_service", "warehouse", "finance"],
    body: EditsRequest,
    response: EditsResponse,
  }),
  channelPauses: defineRoute({
    method: "get",
    path: "/api/channels/pauses",
    summary: "Channels whose intake is paused by a circuit breaker, with their held events",
    response: ChannelPausesResponse,
  }),
  resumeChannel: defineRoute({
    method: "post",
    path: "/api/channels/:channel/resume",
    summary: "Resume a paused channel and replay its held events in arrival order (supervisors, admins)",
    roles: ["admin", "supervisor"],
    params: ChannelParams,
    body: ResumeChannelRequest,
    response: ResumeChannelResponse,
  }),
  accessPolicy: defineRoute({
    method: "get",
    path: "/api/access/policy",
    summary: "The access policy: per role, editable columns, unmasked personal data, export",
    response: AccessPolicyResponse,
  }),
  putAccessPolicy: defineRoute({
    method: "put",
    path: "/api/access/policy",
    summary: "Replace the access policy (admins; recorded in the sensitive-operation log)",
    roles: ["admin"],
    body: AccessPolicy,
    response: AccessPolicyResponse,
  }),
  sensitiveLog: defineRoute({
    method: "get",
    path: "/api/access/log",
    summary: "The sensitive-operation log, newest first: exports, publishes, rule and connector changes, unmasked reads, token and user changes (admins, auditors)",
    roles: ["admin", "auditor"],
    query: SensitiveLogQuery,
    response: SensitiveLogResponse,
  }),
  exportOrders: defineRoute({
    method: "get",
    path: "/api/orders/export",
    summary: "Export the orders the list filters select as CSV (UTF-8 with BOM) or Excel, masked per role (recorded in the sensitive-operation log)",
    query: ExportOrdersQuery,
    response: z.string().describe("The file: text/csv or application/vnd.openxmlformats-officedocument.spreadsheetml.sheet").meta({ id: "OrderExportFile" }),
    statuses: { 403: "The caller's role may not export under the access policy" },
  }),
  rejections: defineRoute({
    method: "get",
    path: "/api/rejections",
    summary: "Inputs the server refused, newest first (admins)",
    roles: ["admin", "supervisor"],
    query: RejectionsQuery,
    response: z.object({ rejections: z.array(RejectedInput) }).meta({ id: "RejectionPage" }),
  }),
  listConnectors: defineRoute({ method: "get", path: "/api/connectors", summary: "Connector instances of the workspace (never their credentials)", roles: ["admin", "supervisor", "auditor"], response: ConnectorsResponse }),
  createConnector: defineRoute({
    method: "post",
    path: "/api/connectors",
    summary: "Add a connector instance (admins); its credentials are stored encrypted and never returned",
    roles: ["admin"],
    body: CreateConnectorRequest,
    response: ConnectorView,
    statuses: { 409: "A connector of that name exists, or no credentials key is configured" },
  }),
  getConnector: defineRoute({ method: "get", path: "/api/connectors/:id", summary: "One connector instance", roles: ["admin", "supervisor", "auditor"], params: ConnectorParams, response: ConnectorView, statuses: { 404: "No such connector" } }),
  patchConnector: defineRoute({
    method: "patch",
    path: "/api/connectors/:id",
    summary: "Change a connector's name, schedule, settings or credentials (admins)",
    roles: ["admin"],
    params: ConnectorParams,
    body: PatchConnectorRequest,
    response: ConnectorView,
    statuses: { 404: "No such connector", 409: "A connector of that name exists" },
  }),
  runConnector: defineRoute({
    method: "post",
    path: "/api/connectors/:id/run",
    summary: "Start a pull now, outside the schedule (admins); the outcome shows in its health",
    roles: ["admin"],
    params: ConnectorParams,
    response: RunConnectorResponse,
    statuses: { 404: "No such connector" },
  }),
  pauseConnector: defineRoute({ method: "post", path: "/api/connectors/:id/pause", summary: "Pause a connector's scheduled pulls and webhooks intake (admins)", roles: ["admin"], params: ConnectorParams, response: ConnectorView, statuses: { 404: "No such connector" } }),
  resumeConnector: defineRoute({ method: "post", path: "/api/connectors/:id/resume", summary: "Resume a paused connector (admins)", roles: ["admin"], params: ConnectorParams, response: ConnectorView, statuses: { 404: "No such connector" } }),
  deleteConnector: defineRoute({
    method: "delete",
    path: "/api/connectors/:id",
    summary: "Remove a connector (admins): it stops pulling and taking webhooks at once; its orders, events, audit entries and its own record are kept",
    roles: ["admin"],
    params: ConnectorParams,
    response: z.object({ id: z.string(), deleted: z.literal(true) }).meta({ id: "ConnectorDeleted" }),
    statuses: { 404: "No such connector", 409: "A run of it is going on (pause it and wait for the run to end)" },
  }),
  factPrecedence: defineRoute({
    method: "get",
    path: "/api/fact-precedence",
    summary: "Source precedence per fact: which source class wins when two disagree, and the tolerance beyond which the order is frozen",
    roles: ["admin", "supervisor", "auditor"],
    response: FactPrecedenceResponse,
  }),
  putFactPrecedence: defineRoute({
    method: "put",
    path: "/api/fact-precedence",
    summary: "Set the workspace's source precedence per fact and its tolerance (supervisors, admins)",
    roles: ["admin", "supervisor"],
    body: FactPrecedencePolicy,
    response: FactPrecedenceResponse,
  }),
  orderFactDisputes: defineRoute({
    method: "get",
    path: "/api/orders/:id/fact-disputes",
    summary: "The order's disagreements between sources: the value kept, the one not taken, and whether the order is frozen",
    roles: ["admin", "supervisor", "auditor", "customer_service", "warehouse", "finance"],
    params: FactOrderParams,
    response: FactDisputesResponse,
  }),
  resolveFactDispute: defineRoute({
    method: "post",
    path: "/api/orders/:id/fact-disputes/resolve",
    summary: "A person has checked the disputed fact: the order's flow resumes and its held facts are replayed in arrival order",
    roles: ["admin", "supervisor", "warehouse", "finance"],
    params: FactOrderParams,
    body: ResolveFactDisputeRequest,
    response: ResolveFactDisputeResponse,
  }),
  connectorHealth: defineRoute({
    method: "get",
    path: "/api/connectors/:id/health",
    summary: "A connector's health: last run, lag, counts, last error (zh-CN and English), unmapped statuses, next run",
    roles: ["admin", "supervisor", "auditor"],
    params: ConnectorParams,
    response: ConnectorHealth,
    statuses: { 404: "No such connector" },
  }),
  statusMap: defineRoute({ method: "get", path: "/api/connector-status-maps/:platform", summary: "A platform's status table as in effect (shipped defaults and the workspace's own entries)", params: StatusMapParams, response: StatusMapResponse }),
  putStatusMap: defineRoute({
    method: "put",
    path: "/api/connector-status-maps/:platform",
    summary: "Set entries of a platform's status table (supervisors, admins)",
    roles: ["admin", "supervisor"],
    params: StatusMapParams,
    body: PutStatusMapRequest,
    response: StatusMapResponse,
  }),
  ...notifyApi,
};
