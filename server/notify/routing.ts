import type { RouteMatch } from "../contracts/notify.js";
import type { Notice, NoticeSource, PlannedNotice, RouteRule } from "./notice.js";

const anyOf = (list: readonly string[], value: string | null) => list.length === 0 || (value !== null && list.includes(value));

/** Whether a rule's match applies to a notice (an empty list matches anything). */
export function routeMatches(m: RouteMatch, n: Notice): boolean {
  return (
    anyOf(m.kinds, n.kind) &&
    anyOf(m.levels, n.level) &&
    anyOf(m.regions, n.region) &&
    anyOf(m.warehouses, n.warehouse) &&
    anyOf(m.channels, n.channel) &&
    anyOf(m.roles, n.audience)
  );
}

/**
 * The messages to queue for new alerts and tasks: each source goes to every target of every
 * matching rule, once per target however many rules lead there. An SMS target texting
 * `customer` takes the order's phone number; an order without one is queued as
 * undeliverable (visible in the delivery log's count), not dropped in silence.
 */
export function planNotices(sources: readonly NoticeSource[], rules: readonly RouteRule[]): PlannedNotice[] {
  const out: PlannedNotice[] = [];
  for (const s of sources) {
    const seen = new Set<string>();
    for (const r of rules) {
      if (seen.has(r.targetId) || !routeMatches(r.match, s.notice)) continue;
      seen.add(r.targetId);
      const planned: PlannedNotice = { sourceKind: s.sourceKind, sourceRef: s.sourceRef, targetId: r.targetId, notice: s.notice };
      if (r.targetKind === "sms") {
        const phone = r.targetPhone === "customer" ? s.customerPhone : r.targetPhone;
        planned.notice = { ...s.notice, phone: phone ?? null };
        if (!phone) planned.undeliverable = "no phone number for the customer";
      }
      out.push(planned);
    }
  }
  return out;
}
