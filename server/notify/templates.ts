import type { NotifyLocale } from "../contracts/notify.js";
import type { Notice, RenderContext } from "./notice.js";

/** Every word a notification shows, in zh-CN and English. */
const WORDS: Record<NotifyLocale, Record<string, string>> = {
  "zh-CN": {
    red: "红色预警",
    orange: "橙色预警",
    yellow: "黄色预警",
    green: "绿色提示",
    task: "待办任务",
    order: "订单",
    problem: "问题",
    since: "开始于",
    where: "渠道/区域/仓库",
    status: "当前状态",
    assignee: "处理人",
    history: "订单历史",
    open: "查看订单",
    batch: "Ordersheet 通知",
    items: "条",
    more: "另有 {n} 条未列出",
  },
  en: {
    red: "Red alert",
    orange: "Orange alert",
    yellow: "Yellow alert",
    green: "Green notice",
    task: "Task",
    order: "Order",
    problem: "Problem",
    since: "Since",
    where: "Channel/region/warehouse",
    status: "Status",
    assignee: "Assignee",
    history: "Order history",
    open: "Open the order",
    batch: "Ordersheet notifications",
    items: "items",
    more: "{n} more not listed",
  },
};

/** A word of the catalogue in `locale`. */
export function word(locale: NotifyLocale, key: string): string {
  return WORDS[locale][key] ?? WORDS.en[key] ?? key;
}

/** `YYYY-MM-DD HH:mm` wall-clock time in `timeZone`. */
export function localTime(iso: string, timeZone: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hourCycle: "h23" })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`;
}

function headline(n: Notice, locale: NotifyLocale): string {
  const what = n.kind === "task" ? word(locale, "task") : word(locale, n.level ?? "yellow");
  return `【${what}】${word(locale, "order")} ${n.orderId}`;
}

function where(n: Notice): string {
  return [n.channel, n.region, n.warehouse].map((x) => x ?? "-").join(" · ");
}

/** Keeps user text on one line and out of markdown links, emphasis and `<font>` tags. */
function plain(s: string): string {
  return s.replace(/[\r\n]+/g, " ").replace(/([`*[\]<>])/g, "\\$1");
}

function historyLines(n: Notice, ctx: RenderContext): string[] {
  if (!n.history?.length) return [];
  return [
    `${word(ctx.locale, "history")}:`,
    ...n.history.map((h) => `- ${localTime(h.at, ctx.timeZone)} ${h.action}${h.field ? ` ${h.field}` : ""}${h.value ? ` → ${h.value}` : ""}`),
  ];
}

/** One notice as a markdown section (WeCom and DingTalk markdown). */
export function noticeMarkdown(n: Notice, ctx: RenderContext, colour: boolean): string {
  const L = ctx.locale;
  const title = headline(n, L);
  const strong = colour && (n.level === "red" || n.level === "orange") ? `<font color="warning">${title}</font>` : title;
  return [
    `### ${strong}`,
    `> ${word(L, "problem")}: ${plain(n.message)}`,
    `> ${word(L, "since")}: ${localTime(n.since, ctx.timeZone)}`,
    `> ${word(L, "where")}: ${plain(where(n))}`,
    ...(n.status ? [`> ${word(L, "status")}: ${plain(n.status)}`] : []),
    ...(n.kind === "task" && n.audience ? [`> ${word(L, "assignee")}: ${plain(n.audience)}`] : []),
    ...historyLines(n, ctx).map(plain),
    `[${word(L, "open")}](${ctx.link(n.orderId)})`,
  ].join("\n");
}

/** One notice as plain text (Feishu text messages). */
export function noticeText(n: Notice, ctx: RenderContext): string {
  const L = ctx.locale;
  return [
    headline(n, L),
    `${word(L, "problem")}: ${n.message}`,
    `${word(L, "since")}: ${localTime(n.since, ctx.timeZone)}`,
    `${word(L, "where")}: ${where(n)}`,
    ...(n.status ? [`${word(L, "status")}: ${n.status}`] : []),
    ...(n.kind === "task" && n.audience ? [`${word(L, "assignee")}: ${n.audience}`] : []),
    ...historyLines(n, ctx),
    `${word(L, "open")}: ${ctx.link(n.orderId)}`,
  ].join("\n");
}

/** The title line of a message carrying `count` notices. */
export function batchTitle(count: number, ctx: RenderContext): string {
  return `${word(ctx.locale, "batch")} (${count} ${word(ctx.locale, "items")})`;
}

/**
 * Packs the longest prefix of `notices` whose rendering stays within `maxBytes` (UTF-8) and
 * returns it with the count used. A single notice too long on its own is cut to fit, so a
 * message always carries at least one.
 */
export function packWithin(notices: readonly Notice[], render: (ns: readonly Notice[]) => string, maxBytes: number): { text: string; used: number } {
  let used = 0;
  let text = "";
  for (let i = 1; i <= notices.length; i++) {
    const t = render(notices.slice(0, i));
    if (Buffer.byteLength(t, "utf8") > maxBytes) break;
    used = i;
    text = t;
  }
  if (used === 0) {
    const t = render(notices.slice(0, 1));
    return { text: cutToBytes(t, maxBytes), used: 1 };
  }
  return { text, used };
}

/** `s` cut to at most `maxBytes` UTF-8 bytes at a character boundary, marked with an ellipsis. */
export function cutToBytes(s: string, maxBytes: number): string {
  if (Buffer.byteLength(s, "utf8") <= maxBytes) return s;
  let out = "";
  let bytes = 0;
  for (const ch of s) {
    const b = Buffer.byteLength(ch, "utf8");
    if (bytes + b > maxBytes - 3) break;
    out += ch;
    bytes += b;
  }
  return `${out}…`;
}
