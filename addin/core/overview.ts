import type { Lang } from "./i18n.js";
import { t } from "./i18n.js";

/** What the overview counts, each one click from filtering the sheet to its rows. */
export type OverviewKind = "conflicts" | "late" | "alerts";

/** The order IDs behind each count of the overview. */
export type Overview = Record<OverviewKind, string[]>;

/**
 * The overview: orders with open conflicts, orders whose SLA is red or orange (by the SLA text
 * each row shows), orders with open alerts — each list without repeats, in a stable order.
 */
export function overview(conflicts: readonly { orderId: string }[], slaShown: ReadonlyMap<string, string>, alerts: readonly { orderId: string }[]): Overview {
  const late = new Set([t("zh-CN", "sla.red"), t("zh-CN", "sla.orange"), t("en", "sla.red"), t("en", "sla.orange")]);
  const unique = (ids: Iterable<string>) => [...new Set(ids)].sort();
  return {
    conflicts: unique(conflicts.map((c) => c.orderId)),
    late: unique([...slaShown].filter(([, text]) => late.has(text)).map(([id]) => id)),
    alerts: unique(alerts.map((a) => a.orderId)),
  };
}

/** The label of an overview count in `lang`. */
export function overviewLabel(kind: OverviewKind, count: number, lang: Lang): string {
  return t(lang, `overview.${kind}`, { count });
}
