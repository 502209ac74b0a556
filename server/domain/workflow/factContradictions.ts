import type { EventInput, EventType } from "../../contracts/events.js";
import type { Order } from "../order.js";
import type { Alert } from "./decision.js";
import { readFact } from "./orderFacts.js";

/** The kinds of fact that contradict what the order already says. */
export const CONTRADICTIONS = {
  tracking_unpaid: {
    level: "red",
    "zh-CN": "物流已有{what}，但订单从未付款",
    en: "the carrier reports {whatEn}, but the order was never paid",
  },
  tracking_before_outbound: {
    level: "yellow",
    "zh-CN": "物流已有{what}，但仓库从未报告出库",
    en: "the carrier reports {whatEn}, but the warehouse never reported it outbound",
  },
  refund_unpaid: {
    level: "orange",
    "zh-CN": "订单从未付款，却收到{what}",
    en: "{whatEn} arrived for an order that was never paid",
  },
  time_backwards: {
    level: "orange",
    "zh-CN": "时间倒序：{what}",
    en: "times go backwards: {whatEn}",
  },
} as const;

/** A contradiction code. */
export type ContradictionCode = keyof typeof CONTRADICTIONS;

/** One fact that contradicts the order, with the facts involved (for the alert's details). */
export interface FactContradiction {
  code: ContradictionCode;
  zh: string;
  en: string;
  facts: Record<string, string | null>;
}

const TRACKING: Partial<Record<EventType, { zh: string; en: string }>> = {
  "carrier.collected": { zh: "揽收", en: "a collection" },
  "carrier.update": { zh: "运输轨迹", en: "tracking in transit" },
  "carrier.signed": { zh: "签收", en: "a signature" },
};

const REFUNDS: Partial<Record<EventType, { zh: string; en: string }>> = {
  "refund.requested": { zh: "退款申请", en: "a refund request" },
  "refund.succeeded": { zh: "退款成功", en: "a successful refund" },
};

/** Milestones that must come in this order, with their labels; a later one earlier than a former one is a contradiction. */
const SEQUENCE: { name: string; read: (o: Order) => string | null; zh: string; en: string }[] = [
  { name: "placedAt", read: (o) => o.placedAt, zh: "下单", en: "placed" },
  { name: "paidAt", read: (o) => o.paidAt, zh: "付款", en: "paid" },
  { name: "outboundAt", read: (o) => o.outboundAt, zh: "出库", en: "outbound" },
  { name: "collectedAt", read: (o) => readFact(o, "collectedAt") as string | null, zh: "揽收", en: "collected" },
  { name: "signedAt", read: (o) => readFact(o, "signedAt") as string | null, zh: "签收", en: "signed" },
];

const ms = (iso: string | null): number => (iso ? Date.parse(iso) : Number.NaN);

/**
 * What `event` says that contradicts the order — pure. `before` is the order as the event
 * found it, `after` with the event's facts applied (the facts are still recorded: the
 * contradiction is raised, not refused). Carrier news (collected, in transit, signed) on an
 * order never paid or never reported outbound; a refund on an order never paid; milestone
 * times going backwards (signed before collected, outbound before paid …) that this event
 * introduced. "Paid" means a payment time is recorded (`paidAt`). A workflow with no step
 * waiting for payments (or for the warehouse's outbound) does not expect those facts, so their
 * absence contradicts nothing there (`expects`; default: both expected).
 */
export function factContradictions(
  before: Order,
  after: Order,
  event: EventInput,
  expects: { payment: boolean; outbound: boolean } = { payment: true, outbound: true },
): FactContradiction[] {
  const out: FactContradiction[] = [];
  const unpaid = expects.payment && after.paidAt === null;
  const tracking = TRACKING[event.type];
  if (tracking) {
    if (unpaid) {
      out.push({ code: "tracking_unpaid", zh: tracking.zh, en: tracking.en, facts: { event: event.type, paidAt: null, status: after.status } });
    }
    if (expects.outbound && after.outboundAt === null && event.type !== "carrier.update") {
      out.push({ code: "tracking_before_outbound", zh: tracking.zh, en: tracking.en, facts: { event: event.type, outboundAt: null, status: after.status } });
    }
  }
  const refund = REFUNDS[event.type];
  if (refund && unpaid) out.push({ code: "refund_unpaid", zh: refund.zh, en: refund.en, facts: { event: event.type, paidAt: null, status: after.status } });

  // Times going backwards, only where this event changed one of the two times.
  for (let i = 0; i < SEQUENCE.length; i++) {
    for (let j = i + 1; j < SEQUENCE.length; j++) {
      const a = SEQUENCE[i];
      const b = SEQUENCE[j];
      const ta = a.read(after);
      const tb = b.read(after);
      if (Number.isNaN(ms(ta)) || Number.isNaN(ms(tb)) || ms(tb) >= ms(ta)) continue;
      if (a.read(before) === ta && b.read(before) === tb) continue; // known before this event
      out.push({ code: "time_backwards", zh: `${b.zh} (${tb}) 早于 ${a.zh} (${ta})`, en: `${b.en} (${tb}) before ${a.en} (${ta})`, facts: { event: event.type, [a.name]: ta, [b.name]: tb } });
    }
  }
  return out;
}

/** The alert staff see for a contradiction, in zh-CN and English; one per kind per order (the key is the `sourceId`). */
export function contradictionAlert(c: FactContradiction, source: string): Alert {
  const text = CONTRADICTIONS[c.code];
  const zh = text["zh-CN"].replace("{what}", c.zh);
  const en = text.en.replace("{whatEn}", c.en);
  return {
    source: "conflict",
    sourceId: `fact_contradiction:${c.code}`,
    level: text.level,
    message: `事实矛盾：${zh}（来源 ${source}），事实已记录，请核实。 Contradicting fact: ${en} (from ${source}); the fact was recorded, please check.`,
    messages: { "zh-CN": `事实矛盾：${zh}（来源 ${source}），事实已记录，请核实。`, en: `Contradicting fact: ${en} (from ${source}); the fact was recorded, please check.` },
    details: { contradiction: c.code, source, ...c.facts },
  };
}
