import type { ConnectorHealth } from "../../server/contracts/connectors.js";
import { t, type Lang } from "./i18n.js";

/** How a data source is doing, at a glance (the server's own verdict). */
export type SourceState = ConnectorHealth["state"];

/** One data source as the 数据源 page shows it. */
export interface SourceLine {
  id: string;
  name: string;
  kind: string;
  state: SourceState;
  /** The state in words, in the server's words, e.g. 最近一次运行失败，正在退避重试. */
  stateText: string;
  /** Whether a supervisor should look at it: failing, or holding unmapped or filtered records. */
  attention: boolean;
  /** The lines under the name, already worded in the pane's language. */
  details: string[];
}

/**
 * The 数据源 page's lines: each connector's state, last and next run, lag, counts, every
 * unmapped status and every filtered value with its count, and the last error in the pane's
 * language; sources that need attention first.
 */
export function sourceLines(health: ConnectorHealth[], lang: Lang, formatTime: (iso: string) => string): SourceLine[] {
  const lines = health.map((h): SourceLine => {
    const state = h.state;
    const details: string[] = [];
    const run = [h.lastRunAt ? t(lang, "sources.lastRun", { at: formatTime(h.lastRunAt) }) : null, h.nextRunAt ? t(lang, "sources.nextRun", { at: formatTime(h.nextRunAt) }) : null];
    if (h.lagSeconds !== null && h.lagSeconds >= 60) run.push(t(lang, "sources.lag", { minutes: Math.floor(h.lagSeconds / 60) }));
    const runText = run.filter((x): x is string => x !== null).join(" · ");
    if (runText) details.push(runText);
    details.push(t(lang, "sources.counts", h.counts));
    for (const u of h.unmappedStatuses) details.push(t(lang, "sources.unmapped", { field: u.field, value: u.value, count: u.count }));
    for (const f of h.filteredValues) details.push(t(lang, "sources.filtered", { rule: f.rule, field: f.field, value: f.value, count: f.count }));
    if (h.lastError && state === "failing") details.push(t(lang, "sources.error", { message: h.lastError.message[lang] }));
    const attention = state === "failing" || h.unmappedStatuses.length > 0 || h.filteredValues.length > 0;
    const stateText = state === "failing" && h.consecutiveFailures > 1 ? `${h.stateText[lang]}${lang === "en" ? " (" : "（"}${t(lang, "sources.failures", { count: h.consecutiveFailures })}${lang === "en" ? ")" : "）"}` : h.stateText[lang];
    return { id: h.id, name: h.name, kind: h.kind, state, stateText, attention, details };
  });
  return lines.sort((a, b) => Number(b.attention) - Number(a.attention) || a.name.localeCompare(b.name));
}
