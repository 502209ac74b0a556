import { z } from "zod";
import { Role } from "./roles.js";
import { TRIGGER_EVENT_TYPES, EVENT_TYPES, type EventType, type TriggerEventType } from "./events.js";

/**
 * A workflow (order state machine) as JSON data. Definitions are versioned and stored;
 * `server/domain/workflow/validateDefinition.ts` adds the cross-field checks this schema
 * cannot express (unknown states, reachability, guard types, dropped live states).
 */

/** A state, timer, transition or rule code: snake_case ASCII. */
export const Code = z
  .string()
  .regex(/^[a-z][a-z0-9_]*$/, "must be snake_case ASCII (a-z, 0-9, _) starting with a letter, e.g. in_transit")
  .max(64, "must be at most 64 characters");

/** How states are grouped for reports, colours and the "*" wildcard. */
export const STATE_CATEGORIES = [
  "payment",
  "review",
  "fulfilment",
  "shipping",
  "delivery",
  "after_sale",
  "finance",
  "closed",
  "exception",
] as const;
export const StateCategory = z.enum(STATE_CATEGORIES, { error: `category must be one of: ${STATE_CATEGORIES.join(", ")}` });
export type StateCategory = z.infer<typeof StateCategory>;

/** Alert colours, most to least urgent. */
export const ALERT_LEVELS = ["red", "orange", "yellow", "green"] as const;
export const AlertLevel = z.enum(ALERT_LEVELS, { error: `level must be one of: ${ALERT_LEVELS.join(", ")}` });
export type AlertLevel = z.infer<typeof AlertLevel>;

/** How an alert reaches people: instant message (WeCom/DingTalk), SMS, or e-mail. */
export const AlertVia = z.enum(["im", "sms", "email"], { error: "via must be one of: im, sms, email" });
export type AlertVia = z.infer<typeof AlertVia>;

/** A CEL guard expression (see `server/domain/workflow/guardContext.ts` for the variables it may use). */
export const GuardExpression = z.string().trim().min(1, "must not be empty").max(2000, "must be at most 2000 characters");

const Label = z.string().trim().min(1, "must not be empty").max(100, "must be at most 100 characters");

const MessageText = z.string().trim().min(1, "must not be empty").max(500, "must be at most 500 characters");

/** A message written in both languages: what alerts, tasks and refusals say in the sheet. */
export const BilingualMessage = z.strictObject({ "zh-CN": MessageText, en: MessageText });
export type BilingualMessage = z.infer<typeof BilingualMessage>;

/**
 * An alert, task or breaker message: `{ "zh-CN": …, en: … }`, or (definitions written before
 * messages were bilingual) one string, which then stands for both languages.
 */
export const WorkflowMessage = z.union([MessageText, BilingualMessage], { error: 'message must be text or { "zh-CN": text, "en": text }' });
export type WorkflowMessage = z.infer<typeof WorkflowMessage>;

/** A message in both languages: a single-string message stands for both. */
export function bilingual(message: WorkflowMessage): BilingualMessage {
  return typeof message === "string" ? { "zh-CN": message, en: message } : message;
}

/** A message's English form (what the single `message` fields of alerts and tasks carry). */
export function englishOf(message: WorkflowMessage): string {
  return typeof message === "string" ? message : message.en;
}

/** The longest duration a state's SLA or a timer may name: ten years (a due date stays a real date). */
export const MAX_DURATION_MINUTES = 10 * 365 * 24 * 60;

/** A duration in whole minutes, positive and at most MAX_DURATION_MINUTES. */
function minutes(field: string) {
  return z
    .int(`${field} must be a whole number of minutes`)
    .positive(`${field} must be positive`)
    .max(MAX_DURATION_MINUTES, `${field} must be at most ${MAX_DURATION_MINUTES} minutes (ten years)`);
}

/** A state of the order lifecycle. */
export const WorkflowState = z.strictObject({
  code: Code,
  labels: z.strictObject({ "zh-CN": Label, en: Label }),
  category: StateCategory,
  /** Expected maximum time in this state; drives the SLA colour (see `slaLevel`). */
  slaMinutes: minutes("slaMinutes").optional(),
  /** Terminal states end the lifecycle: nothing leaves them and "*" does not match them. */
  terminal: z.boolean(),
});
export type WorkflowState = z.infer<typeof WorkflowState>;

/** What makes a transition happen: an event type, a person ("manual"), or "auto" (re-checked after every fact update). */
export const Trigger = z.enum([...TRIGGER_EVENT_TYPES, "manual", "auto"] as [TriggerEventType | "manual" | "auto", ...(TriggerEventType | "manual" | "auto")[]], {
  error: `trigger must be "manual", "auto" or one of: ${TRIGGER_EVENT_TYPES.join(", ")}`,
});
export type Trigger = z.infer<typeof Trigger>;

/** A permitted status move. */
export const WorkflowTransition = z.strictObject({
  id: Code,
  /** A state code, or "*" for any non-terminal state. */
  from: z.union([Code, z.literal("*")], { error: 'from must be a state code or "*"' }),
  to: Code,
  trigger: Trigger,
  /** Must hold on the order after the event's facts are applied. */
  guard: GuardExpression.optional(),
  /** Roles that may take this transition by hand with a manual command (empty: machines only). */
  roles: z.array(Role).default([]),
  /** What is missing, in words, when the guard does not hold (e.g. 还没有物流单号 / no waybill yet): the reason a refused move gives. */
  unmet: BilingualMessage.optional(),
});
export type WorkflowTransition = z.infer<typeof WorkflowTransition>;

/** Raise an alert. */
export const AlertAction = z.strictObject({
  kind: z.literal("alert"),
  level: AlertLevel,
  /** A role or a free-text audience such as "regional_manager" or "customer". */
  notify: z.string().trim().min(1).max(100).optional(),
  via: AlertVia.optional(),
  message: WorkflowMessage.optional(),
});
export type AlertAction = z.infer<typeof AlertAction>;

/** Put a task in a role's queue. */
export const TaskAction = z.strictObject({
  kind: z.literal("task"),
  assignee: Role,
  message: WorkflowMessage,
});
export type TaskAction = z.infer<typeof TaskAction>;

/** Move the order (timers only). */
export const TransitionAction = z.strictObject({ kind: z.literal("transition"), to: Code });
export type TransitionAction = z.infer<typeof TransitionAction>;

/** Stop taking in new events from the order's channel and alert (rules only: a circuit breaker). */
export const PauseChannelAction = z.strictObject({
  kind: z.literal("pause_channel"),
  level: AlertLevel,
  message: WorkflowMessage,
});
export type PauseChannelAction = z.infer<typeof PauseChannelAction>;

/** Where a timer's clock starts. Fact anchors never start before the order entered the state. */
export const TIMER_ANCHORS = ["statusSince", "lastTrackAt", "paidAt", "outboundAt", "collectedAt", "placedAt"] as const;
export const TimerAnchor = z.enum(TIMER_ANCHORS, { error: `anchor must be one of: ${TIMER_ANCHORS.join(", ")}` });
export type TimerAnchor = z.infer<typeof TimerAnchor>;

/** A state held too long → alert, task or automatic move. */
export const WorkflowTimer = z.strictObject({
  id: Code,
  state: Code,
  afterMinutes: minutes("afterMinutes"),
  anchor: TimerAnchor.default("statusSince"),
  /** Optional extra condition, checked when the timer comes due. */
  guard: GuardExpression.optional(),
  action: z.discriminatedUnion("kind", [AlertAction, TaskAction, TransitionAction], {
    error: 'action.kind must be "alert", "task" or "transition"',
  }),
});
export type WorkflowTimer = z.infer<typeof WorkflowTimer>;

/** An event-driven rule: when an event of type `on` ("*": any) arrives and the guard holds, act. */
export const WorkflowRule = z.strictObject({
  id: Code,
  on: z.enum([...EVENT_TYPES, "*"] as [EventType | "*", ...(EventType | "*")[]], { error: `on must be "*" or one of: ${EVENT_TYPES.join(", ")}` }),
  guard: GuardExpression.optional(),
  action: z.discriminatedUnion("kind", [AlertAction, TaskAction, PauseChannelAction], {
    error: 'action.kind must be "alert", "task" or "pause_channel"',
  }),
});
export type WorkflowRule = z.infer<typeof WorkflowRule>;

/** A whole workflow definition. */
export const WorkflowDefinition = z.strictObject({
  name: z.string().trim().min(1, "name must not be empty").max(100),
  description: z.string().max(2000).optional(),
  /** The status new orders start in. */
  initial: Code,
  states: z.array(WorkflowState).min(1, "a workflow needs at least one state"),
  transitions: z.array(WorkflowTransition),
  timers: z.array(WorkflowTimer).default([]),
  rules: z.array(WorkflowRule).default([]),
  /** When publishing a version that drops states: old status → status in this version. */
  stateMap: z.record(Code, Code).optional(),
});
export type WorkflowDefinition = z.infer<typeof WorkflowDefinition>;
/** A definition as written by hand (defaults not yet applied). */
export type WorkflowDefinitionInput = z.input<typeof WorkflowDefinition>;
