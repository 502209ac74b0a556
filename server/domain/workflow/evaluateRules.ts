import { bilingual, englishOf, type WorkflowDefinition } from "../../contracts/workflow.js";
import type { Order } from "../order.js";
import type { Alert, Signals } from "./decision.js";
import { rulesFor } from "./flowIndex.js";
import { guardContext, type GuardEvent, type Related } from "./guardContext.js";
import { evaluateGuard } from "./guards.js";

/** Scalar payload values and the order total, attached to rule alerts as report figures. */
function details(order: Order, event: GuardEvent): NonNullable<Alert["details"]> {
  const out: NonNullable<Alert["details"]> = { orderId: order.id, status: order.status, totalAmount: order.totalAmount };
  for (const [k, v] of Object.entries(event.data)) {
    if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") out[k] = v;
  }
  return out;
}

/**
 * The alerts and effects raised by the event-driven rules of `flow` for `event` on `order`
 * (the order as the decision leaves it). A `pause_channel` rule yields both the effect
 * (for the caller to carry out) and an alert saying why.
 */
export function evaluateRules(
  flow: WorkflowDefinition,
  order: Order,
  event: GuardEvent,
  now: Date,
  related: Related,
  tz?: string,
): Signals {
  const signals: Signals = { alerts: [], effects: [] };
  const rules = rulesFor(flow, event.type);
  if (rules.length === 0) return signals;
  const activation = guardContext({ order, event, now, related, tz });
  for (const rule of rules) {
    if (!evaluateGuard(rule.guard, activation).ok) continue;
    const a = rule.action;
    switch (a.kind) {
      case "alert":
        signals.alerts.push({
          source: "rule",
          sourceId: rule.id,
          level: a.level,
          message: a.message ? englishOf(a.message) : `Rule ${rule.id} matched ${event.type}`,
          messages: a.message ? bilingual(a.message) : { "zh-CN": `规则 ${rule.id} 命中 ${event.type}`, en: `Rule ${rule.id} matched ${event.type}` },
          ...(a.notify ? { notify: a.notify } : {}),
          ...(a.via ? { via: a.via } : {}),
          details: details(order, event),
        });
        break;
      case "task":
        signals.effects.push({ kind: "task", sourceId: rule.id, assignee: a.assignee, message: englishOf(a.message), messages: bilingual(a.message) });
        break;
      case "pause_channel":
        signals.effects.push({ kind: "pause_channel", sourceId: rule.id, channel: order.channel, message: englishOf(a.message), messages: bilingual(a.message) });
        signals.alerts.push({ source: "rule", sourceId: rule.id, level: a.level, message: englishOf(a.message), messages: bilingual(a.message), details: details(order, event) });
        break;
    }
  }
  return signals;
}
