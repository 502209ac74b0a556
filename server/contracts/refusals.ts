import { z } from "zod";

/**
 * Refusals as data: every "no" the server gives (an edit, a status move, a field of a request,
 * a conflict) carries a stable `code` and `params`, so a client words it in the user's language
 * with `formatRefusal` instead of showing the server's English sentence. The server also sends
 * its own `message` (unchanged) and, where the code is catalogued here, `messages` in both.
 */

/** A text in both languages the product speaks (as the server answers it; definitions bound theirs, see workflow.ts). */
export const LocalizedText = z.strictObject({ "zh-CN": z.string(), en: z.string() });
export type LocalizedText = z.infer<typeof LocalizedText>;

/** The languages of the product. */
export const LANGUAGES = ["zh-CN", "en"] as const;
export type Language = (typeof LANGUAGES)[number];

/**
 * One parameter of a refusal: a number, a plain text (codes, IDs, user text — shown as is), a
 * text already worded in both languages (a state's or role's label, a guard's explanation), or
 * a list of these (joined with 、 / ", ").
 */
export const RefusalParam = z.union([z.string(), z.number(), LocalizedText, z.array(z.union([z.string(), z.number(), LocalizedText]))]);
export type RefusalParam = z.infer<typeof RefusalParam>;

/** The parameters of a refusal, by name (the placeholders of its catalogue entry). */
export const RefusalParams = z.record(z.string(), RefusalParam);
export type RefusalParams = z.infer<typeof RefusalParams>;

/**
 * The catalogue: code → wording with `{name}` placeholders, in both languages. Params named in
 * a template but absent are shown as "?" (never the placeholder itself).
 */
export const REFUSAL_TEXTS = {
  // Status moves (the workflow engine).
  read_only_role: { "zh-CN": "{role}只能查看，不能改变订单状态", en: "{role} has read-only access and cannot change an order's status" },
  stale_version: {
    "zh-CN": "订单在你编辑的版本 {baseVersion} 之后已被修改：现为版本 {currentVersion}，状态「{status}」",
    en: "the order changed since version {baseVersion} you edited: it is now version {currentVersion} in status {status}",
  },
  unknown_status: { "zh-CN": "「{status}」不是流程「{workflow}」的状态", en: '"{status}" is not a status of workflow {workflow}' },
  status_unmapped: { "zh-CN": "订单的状态「{status}」不属于流程「{workflow}」，请先映射", en: 'the order\'s status "{status}" is not a status of workflow {workflow}; map it first' },
  no_transition: { "zh-CN": "流程不允许从「{from}」改为「{to}」", en: "no transition leads from {from} to {to}" },
  role_not_allowed: {
    "zh-CN": "你的角色（{role}）不能把订单从「{from}」改为「{to}」：只有{roles}可以",
    en: "role {role} may not move orders from {from} to {to}: only {roles} may",
  },
  system_only: {
    "zh-CN": "你的角色（{role}）不能把订单从「{from}」改为「{to}」：只有系统可以（由外部事实触发）",
    en: "role {role} may not move orders from {from} to {to}: only the system may",
  },
  guard_failed: { "zh-CN": "现在不能从「{from}」改为「{to}」：{reasons}", en: "moving from {from} to {to} is not allowed now: {reasons}" },
  request_not_accepted: { "zh-CN": "状态「{from}」下不接受{event}：{reasons}", en: "{event} is not accepted in status {from}: {reasons}" },
  // Sheet edits.
  edit_in_progress: { "zh-CN": "这次编辑仍在处理中，请重试", en: "this edit is still being processed; try again" },
  order_not_found: { "zh-CN": "订单 {orderId} 不存在", en: "order {orderId} does not exist" },
  column_not_editable: { "zh-CN": "你的角色（{role}）不能编辑「{column}」", en: "role {role} may not edit {column}" },
  not_a_status: { "zh-CN": "「{value}」不是本流程的状态；可选：{known}", en: '"{value}" is not a status of this workflow; pick one of: {known}' },
  edit_conflict: {
    "zh-CN": "{by}在版本 {baseVersion} 之后修改了「{column}」",
    en: "{by} changed {column} after version {baseVersion}",
  },
  edit_conflict_unknown: { "zh-CN": "订单在版本 {baseVersion} 之后已被修改", en: "the order changed since version {baseVersion}" },
  value_not_text: { "zh-CN": "「{column}」必须是文本", en: "{column} must be text" },
  value_too_long: { "zh-CN": "「{column}」最多 {max} 个字符", en: "{column} must be at most {max} characters" },
  tags_not_text: { "zh-CN": "标签必须是文本，用逗号分隔", en: "tags must be text, separated by commas" },
  too_many_tags: { "zh-CN": "最多 50 个标签，每个最多 50 个字符", en: "at most 50 tags of at most 50 characters each" },
  bad_waybill: { "zh-CN": "物流单号是 4–40 个字母、数字或短横线", en: "a waybill number has 4–40 letters, digits or dashes" },
  outside_scope: {
    "zh-CN": "不能把{field}改为{value}：订单会移出你的数据范围（你可见的{field}：{allowed}），请联系管理员",
    en: "cannot set {field} to {value}: the order would leave your row scope ({field} allowed: {allowed}); ask an admin",
  },
  // Fields of a request (zod at the boundary); `field` is the dotted path.
  invalid_input: { "zh-CN": "请求有误：{problems}", en: "invalid request: {problems}" },
  field_required: { "zh-CN": "「{field}」必填", en: "{field} is required" },
  field_invalid_type: { "zh-CN": "「{field}」类型不对，应为 {expected}", en: "{field} must be of type {expected}" },
  field_too_small: { "zh-CN": "「{field}」太小或太短（至少 {minimum}）", en: "{field} is too small or too short (at least {minimum})" },
  field_too_big: { "zh-CN": "「{field}」太大或太长（至多 {maximum}）", en: "{field} is too large or too long (at most {maximum})" },
  field_invalid_format: { "zh-CN": "「{field}」格式不对（应为 {format}）", en: "{field} has the wrong format (expected {format})" },
  field_invalid_value: { "zh-CN": "「{field}」的值不在可选范围内：{values}", en: "{field} must be one of: {values}" },
  field_unrecognized: { "zh-CN": "不认识的字段：{keys}", en: "unknown field(s): {keys}" },
  field_invalid: { "zh-CN": "「{field}」无效：{reason}", en: "{field} is invalid: {reason}" },
  unknown_status_filter: {
    "zh-CN": "状态“{value}”不是本流程的状态；可选：{known}",
    en: '"{value}" is neither a state code nor a state name of this workflow; it may be one of: {known}',
  },
  // The kinds of every other error (fallback wording when nothing finer is known).
  unauthorized: { "zh-CN": "未登录或令牌无效", en: "missing or invalid token" },
  forbidden: { "zh-CN": "你的角色不能执行此操作", en: "your role may not do this" },
  not_found: { "zh-CN": "找不到", en: "not found" },
  conflict: { "zh-CN": "已被别人先修改", en: "someone changed it first" },
  not_allowed: { "zh-CN": "规则不允许此操作", en: "the rules do not allow this" },
  gone: { "zh-CN": "已不存在", en: "gone for good" },
  payload_too_large: { "zh-CN": "请求太大", en: "the request is too large" },
  upstream_error: { "zh-CN": "外部系统出错", en: "an external system failed" },
  internal_error: { "zh-CN": "服务器出错，已记录", en: "something went wrong on the server; the error was logged" },
} as const satisfies Record<string, LocalizedText>;

/** A catalogued refusal code. */
export type RefusalCode = keyof typeof REFUSAL_TEXTS;

/** Whether `code` has catalogued wording. */
export function isRefusalCode(code: string): code is RefusalCode {
  return Object.prototype.hasOwnProperty.call(REFUSAL_TEXTS, code);
}

/** A parameter in `lang`: a localized text's form, a list joined the language's way. */
export function paramText(value: RefusalParam | undefined, lang: Language): string {
  if (value === undefined) return "?";
  if (Array.isArray(value)) return value.map((v) => paramText(v, lang)).join(lang === "zh-CN" ? "、" : ", ");
  if (typeof value === "object") return value[lang];
  return String(value);
}

/** The words of a refusal in `lang`, or null when the code is not catalogued. */
export function formatRefusal(code: string, params: RefusalParams | undefined, lang: Language): string | null {
  if (!isRefusalCode(code)) return null;
  return REFUSAL_TEXTS[code][lang].replace(/\{(\w+)\}/g, (_, name: string) => paramText(params?.[name], lang));
}

/** A refusal's words in both languages, or null when the code is not catalogued. */
export function refusalMessages(code: string, params?: RefusalParams): LocalizedText | null {
  const zh = formatRefusal(code, params, "zh-CN");
  const en = formatRefusal(code, params, "en");
  return zh === null || en === null ? null : { "zh-CN": zh, en };
}

/** A refusal as it travels: its code and parameters (the message stays beside it). */
export const Refusal = z.object({ code: z.string(), params: RefusalParams });
export type Refusal = z.infer<typeof Refusal>;

/** One field problem of an `invalid_input` answer (`details.problems[]`). */
export const FieldProblem = z.object({
  path: z.string().describe("Dotted path of the field, e.g. orders.0.totalAmount"),
  message: z.string(),
  code: z.string().optional().describe("field_required, field_invalid_type, field_too_small, field_too_big, field_invalid_format, field_invalid_value, field_unrecognized, field_invalid"),
  params: RefusalParams.optional(),
});
export type FieldProblem = z.infer<typeof FieldProblem>;

/** `{ code, params, messages }` of a refusal, ready to spread into an answer. */
export function coded(code: string, params: RefusalParams = {}): { code: string; params: RefusalParams; messages?: LocalizedText } {
  const messages = refusalMessages(code, params);
  return messages ? { code, params, messages } : { code, params };
}
