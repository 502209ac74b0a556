import { z } from "zod";
import { AlertLevel } from "./workflow.js";

/** The outbound channels a notification target can be. */
export const NOTIFY_KINDS = ["wecom", "dingtalk", "feishu", "sms"] as const;
export const NotifyKind = z.enum(NOTIFY_KINDS, { error: `kind must be one of: ${NOTIFY_KINDS.join(", ")}` });
export type NotifyKind = z.infer<typeof NotifyKind>;

/** The languages messages are written in (zh-CN is the default). */
export const NotifyLocale = z.enum(["zh-CN", "en"], { error: "locale must be zh-CN or en" });
export type NotifyLocale = z.infer<typeof NotifyLocale>;

/** A database id in a path or body (digits only). */
const DbId = z.string().regex(/^\d{1,18}$/, "must be an id (digits)");

/** `:id` path parameter of a target or route. */
export const NotifyIdParams = z.object({ id: DbId }).strict();

const WebhookUrl = z
  .string()
  .max(2000)
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === "https:" || u.protocol === "http:") && !u.username && !u.password;
    } catch {
      return false;
    }
  }, "webhookUrl must be an http(s) URL without user info");

/** A mainland or international phone number in E.164 form, or `customer` (the order's customer). */
const Phone = z.string().regex(/^(customer|\+[1-9]\d{6,14})$/, "phone must be +<country><number> (E.164) or customer");

/** Tencent Cloud SMS account settings (TC3-HMAC-SHA256 signed `SendSms`, version 2021-01-11). */
export const TencentSmsSettings = z
  .object({
    provider: z.literal("tencent"),
    secretId: z.string().trim().min(1).max(200),
    secretKey: z.string().trim().min(1).max(200),
    sdkAppId: z.string().regex(/^\d{1,20}$/, "sdkAppId must be digits"),
    signName: z.string().trim().min(1).max(40),
    templateId: z.string().regex(/^\d{1,20}$/, "templateId must be digits"),
    region: z.string().regex(/^[a-z]{2,4}-[a-z]+(-\d)?$/, "region must look like ap-guangzhou").default("ap-guangzhou"),
    /** The API endpoint (default https://sms.tencentcloudapi.com); another only for tests and proxies. */
    endpoint: WebhookUrl.optional(),
  })
  .strict();
export type TencentSmsSettings = z.infer<typeof TencentSmsSettings>;

const TargetFields = {
  name: z.string().trim().min(1).max(100),
  locale: NotifyLocale.default("zh-CN"),
  enabled: z.boolean().default(true),
  /** Robots: the webhook URL as the platform shows it (it carries the key or access token). */
  webhookUrl: WebhookUrl.optional(),
  /** DingTalk and Feishu signed mode: the signing secret. */
  secret: z.string().trim().min(1).max(200).optional(),
  /** SMS: the provider account. */
  sms: TencentSmsSettings.optional(),
  /** SMS: whom to text. */
  phone: Phone.optional(),
};

function checkKind(t: { kind?: NotifyKind; webhookUrl?: string; secret?: string; sms?: unknown; phone?: string }, ctx: z.RefinementCtx, creating: boolean): void {
  const issue = (path: string, message: string) => ctx.addIssue({ code: "custom", path: [path], message });
  if (t.kind === "sms") {
    if (t.webhookUrl !== undefined) issue("webhookUrl", "webhookUrl is for robots, not sms");
    if (t.secret !== undefined) issue("secret", "secret is for DingTalk and Feishu robots, not sms");
    if (creating && t.sms === undefined) issue("sms", "sms (the provider account) is required for kind sms");
    if (creating && t.phone === undefined) issue("phone", "phone is required for kind sms");
  } else if (t.kind) {
    if (t.sms !== undefined) issue("sms", `sms is only for kind sms, not ${t.kind}`);
    if (t.phone !== undefined) issue("phone", `phone is only for kind sms, not ${t.kind}`);
    if (creating && t.webhookUrl === undefined) issue("webhookUrl", `webhookUrl is required for kind ${t.kind}`);
    if (t.kind === "wecom" && t.secret !== undefined) issue("secret", "a WeCom group robot has no signing secret");
  }
}

/** `POST /api/notifications/targets` body. */
export const CreateTargetRequest = z
  .object({ kind: NotifyKind, ...TargetFields })
  .strict()
  .superRefine((t, ctx) => checkKind(t, ctx, true))
  .meta({ id: "CreateNotifyTarget" });
export type CreateTargetRequest = z.infer<typeof CreateTargetRequest>;

/** `PATCH /api/notifications/targets/:id` body: the fields to change (secrets absent stay as they are). */
export const UpdateTargetRequest = z
  .object({
    name: TargetFields.name.optional(),
    locale: NotifyLocale.optional(),
    enabled: z.boolean().optional(),
    webhookUrl: TargetFields.webhookUrl,
    secret: TargetFields.secret.nullable(),
    sms: TargetFields.sms,
    phone: TargetFields.phone,
  })
  .strict()
  .meta({ id: "UpdateNotifyTarget" });
export type UpdateTargetRequest = z.infer<typeof UpdateTargetRequest>;

/** A target as the API shows it: never a key, token or secret. */
export const TargetView = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: NotifyKind,
    locale: NotifyLocale,
    enabled: z.boolean(),
    /** Robots: the webhook's host only (the rest carries the credential). */
    webhookHost: z.string().nullable(),
    signed: z.boolean().describe("Whether a signing secret is stored (DingTalk, Feishu)"),
    /** SMS: the number, masked, or `customer`. */
    phone: z.string().nullable(),
    /** Until when sending waits because the platform said the robot is over its rate limit. */
    holdUntil: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .meta({ id: "NotifyTarget" });
export type TargetView = z.infer<typeof TargetView>;

export const TargetsResponse = z.object({ targets: z.array(TargetView) }).meta({ id: "NotifyTargets" });

/** When a route applies; an empty list matches anything. */
export const RouteMatch = z
  .object({
    kinds: z.array(z.enum(["alert", "task"], { error: "kinds items must be alert or task" })).max(2).default([]),
    levels: z.array(AlertLevel).max(4).default([]),
    regions: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
    warehouses: z.array(z.string().trim().min(1).max(100)).max(100).default([]),
    channels: z.array(z.string().trim().min(1).max(40)).max(100).default([]),
    /** The alert's audience (`notify`, e.g. regional_manager, customer) or the task's assignee role. */
    roles: z.array(z.string().trim().min(1).max(100)).max(50).default([]),
  })
  .strict()
  .meta({ id: "NotifyRouteMatch" });
export type RouteMatch = z.infer<typeof RouteMatch>;

/** `POST /api/notifications/routes` body. */
export const CreateRouteRequest = z
  .object({ name: z.string().trim().min(1).max(100), match: RouteMatch.default(RouteMatch.parse({})), targetId: DbId, enabled: z.boolean().default(true) })
  .strict()
  .meta({ id: "CreateNotifyRoute" });
export type CreateRouteRequest = z.infer<typeof CreateRouteRequest>;

/** `PATCH /api/notifications/routes/:id` body. */
export const UpdateRouteRequest = z
  .object({ name: z.string().trim().min(1).max(100).optional(), match: RouteMatch.optional(), targetId: DbId.optional(), enabled: z.boolean().optional() })
  .strict()
  .meta({ id: "UpdateNotifyRoute" });
export type UpdateRouteRequest = z.infer<typeof UpdateRouteRequest>;

/** A routing rule. */
export const RouteView = z
  .object({ id: z.string(), name: z.string(), match: RouteMatch, targetId: z.string(), enabled: z.boolean(), createdAt: z.string(), updatedAt: z.string() })
  .meta({ id: "NotifyRoute" });
export type RouteView = z.infer<typeof RouteView>;

export const RoutesResponse = z.object({ routes: z.array(RouteView) }).meta({ id: "NotifyRoutes" });

/** `DELETE` answer. */
export const DeletedResponse = z.object({ id: z.string(), deleted: z.literal(true) });

/** How one send attempt ended. */
export const DeliveryOutcome = z.enum(["sending", "sent", "failed", "rate_limited"]);
export type DeliveryOutcome = z.infer<typeof DeliveryOutcome>;

/** One send attempt to one target (one message, carrying `items` alerts and tasks). */
export const DeliveryView = z
  .object({
    id: z.string(),
    at: z.string(),
    targetId: z.string(),
    targetName: z.string(),
    kind: NotifyKind,
    outcome: DeliveryOutcome,
    items: z.number().int(),
    /** The platform's answer in short (errcode and errmsg), never a key or phone number. */
    detail: z.string(),
  })
  .meta({ id: "NotifyDelivery" });
export type DeliveryView = z.infer<typeof DeliveryView>;

/** `GET /api/notifications/deliveries` query. */
export const DeliveriesQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(500).default(50),
    before: DbId.optional(),
    targetId: DbId.optional(),
  })
  .strict();

/** `GET /api/notifications/deliveries` response: the log, newest first, and what still waits. */
export const DeliveriesResponse = z
  .object({
    deliveries: z.array(DeliveryView),
    /** Notifications waiting to be sent (new, or retrying after a failure). */
    pending: z.number().int(),
    /** Notifications that cannot be sent (e.g. an SMS to a customer with no phone number), kept here. */
    undeliverable: z.number().int(),
  })
  .meta({ id: "NotifyDeliveries" });
export type DeliveriesResponse = z.infer<typeof DeliveriesResponse>;
