import type { EventInput, EventType } from "../../contracts/events.js";
import type { StateCategory, WorkflowDefinition } from "../../contracts/workflow.js";
import type { Order } from "../order.js";
import type { Alert } from "./decision.js";
import { flowIndex } from "./flowIndex.js";

/** What another system's event says about an order's status, and the state categories that agree with it. */
interface StatusClaim {
  claim: string;
  labels: { "zh-CN": string; en: string };
  agrees: readonly StateCategory[];
}

/** Categories of an order whose goods have left the warehouse (or whose life is over). */
const GOODS_LEFT: readonly StateCategory[] = ["shipping", "delivery", "after_sale", "finance", "exception", "closed"];

/**
 * The event types that report a status fact of another system (WMS, carrier, channel), what
 * they claim, and which categories of our status agree with the claim. Payment, label and
 * waybill events are left out: they fit every later status and say nothing against ours.
 */
const CLAIMS: Partial<Record<EventType, StatusClaim>> = {
  "wms.outbound": { claim: "outbound", labels: { "zh-CN": "已出库", en: "outbound" }, agrees: GOODS_LEFT },
  "carrier.collected": { claim: "collected", labels: { "zh-CN": "已揽收", en: "collected by the carrier" }, agrees: GOODS_LEFT },
  "carrier.update": { claim: "in_transit", labels: { "zh-CN": "运输中", en: "in transit" }, agrees: GOODS_LEFT },
  "carrier.signed": { claim: "signed", labels: { "zh-CN": "已签收", en: "signed" }, agrees: ["delivery", "after_sale", "finance", "closed"] },
  "order.cancelled": { claim: "cancelled", labels: { "zh-CN": "已取消", en: "cancelled" }, agrees: ["closed"] },
  "refund.succeeded": { claim: "refunded", labels: { "zh-CN": "已退款", en: "refunded" }, agrees: ["closed"] },
};

/** Another system's status claim that contradicts the order's status, as recorded for the channel breaker. */
export interface StatusDisagreement {
  /** The system that sent the event (`connector:tmall`, `wms:hz` …). */
  source: string;
  eventType: EventType;
  /** What that system says: outbound, collected, in_transit, signed, cancelled, refunded. */
  theirs: string;
  /** Our status code when the event arrived (the event did not move the order). */
  ours: string;
}

/** Sources that are people working in the sheet: their stale edits are edit conflicts, never disagreements. */
function isPerson(source: string): boolean {
  return source.startsWith("sheet:");
}

/**
 * The disagreement `event` reveals about `order`, which the event did not move: another
 * system reports a status fact (the carrier says signed, the channel says cancelled, the WMS
 * says outbound) that our status contradicts (待打单: not outbound). People's commands and
 * timers never disagree here — a stale edit is an edit conflict — and neither does an event
 * whose claim our status already agrees with (a late tracking update of a signed order).
 */
export function statusDisagreement(flow: WorkflowDefinition, order: Order, event: EventInput): StatusDisagreement | null {
  const claim = CLAIMS[event.type];
  if (!claim || isPerson(event.source)) return null;
  const state = flowIndex(flow).states.get(order.status);
  if (!state || claim.agrees.includes(state.category)) return null;
  return { source: event.source, eventType: event.type, theirs: claim.claim, ours: order.status };
}

/** The alert staff see on the order for a disagreement, in zh-CN and English. */
export function disagreementAlert(flow: WorkflowDefinition, d: StatusDisagreement): Alert {
  const claim = CLAIMS[d.eventType]!;
  const state = flowIndex(flow).states.get(d.ours);
  const zh = state?.labels["zh-CN"] ?? d.ours;
  const en = state?.labels.en ?? d.ours;
  return {
    source: "conflict",
    sourceId: "status_disagreement",
    level: "orange",
    message:
      `状态不一致:${d.source} 报告${claim.labels["zh-CN"]},本系统状态为 ${zh} (${d.ours}),请核实。` +
      ` Status disagreement: ${d.source} reports ${claim.labels.en}, our status is ${en} (${d.ours}); please check.`,
    messages: {
      "zh-CN": `状态不一致:${d.source} 报告${claim.labels["zh-CN"]},本系统状态为 ${zh} (${d.ours}),请核实。`,
      en: `Status disagreement: ${d.source} reports ${claim.labels.en}, our status is ${en} (${d.ours}); please check.`,
    },
    details: { source: d.source, eventType: d.eventType, theirs: d.theirs, ours: d.ours },
  };
}
