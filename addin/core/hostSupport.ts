import { t, type Lang } from "./i18n.js";

/** An Excel API requirement set the pane needs, and what it needs it for (in both languages). */
export interface Requirement {
  version: string;
  need: Record<Lang, string>;
}

/** What the pane relies on, lowest first (Office 2016/2019 stop at 1.8–1.10; WPS supports none). */
export const REQUIREMENTS: readonly Requirement[] = [
  { version: "1.4", need: { "zh-CN": "隐藏的名称（找回改过名的工作表）", en: "hidden names (to find renamed sheets)" } },
  { version: "1.7", need: { "zh-CN": "修改事件（把你的修改发送到服务器）", en: "change events (to send your edits to the server)" } },
  { version: "1.9", need: { "zh-CN": "修改前的值（识别单元格修改）", en: "values before a change (to recognise cell edits)" } },
  { version: "1.14", need: { "zh-CN": "区分加载项自己的写入和你的修改", en: "telling the add-in's own writes from your edits" } },
];

/** The requirements a host lacks, by its `isSetSupported("ExcelApi", v)`. */
export function missingRequirements(isSupported: (version: string) => boolean): Requirement[] {
  return REQUIREMENTS.filter((r) => !isSupported(r.version));
}

/**
 * What the pane says on a host that lacks requirements (Excel 2016/2019, WPS): in Chinese and
 * in English, what is missing and what to use instead.
 */
export function unsupportedHostText(missing: readonly Requirement[]): string {
  const line = (lang: Lang) => t(lang, "error.oldExcel", { missing: missing.map((r) => `ExcelApi ${r.version}（${r.need[lang]}）`.replace(/（(.*)）/, lang === "en" ? " ($1)" : "（$1）")).join(lang === "en" ? "; " : "；") });
  return `${line("zh-CN")}\n${line("en")}`;
}
