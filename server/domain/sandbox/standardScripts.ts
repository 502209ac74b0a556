import { CUSTOMER_SERVICE, FINANCE, Script, WAREHOUSE } from "./script.js";

/**
 * Scenarios of the standard e-commerce stream and their weights (per 1000 orders). The mix
 * follows the seeds: mostly happy paths, some manual review, stalls, refunds, cancellations
 * and a thin tail of breaker-worthy trouble.
 */
export const STANDARD_SCENARIOS = {
  happy_path: 560,
  big_amount: 60,
  special_line: 30,
  green_tags: 50,
  multi_platform: 20,
  unpaid: 30,
  cancel_before_ship: 50,
  cancel_after_ship: 10,
  refund_after_delivery: 40,
  stall: 60,
  carrier_problem: 20,
  finance_mismatch: 10,
  stale_edit: 10,
  wrong_role: 10,
  conflict_storm: 5,
  status_jumps: 5,
  early_signature: 30,
} as const;
export type StandardScenario = keyof typeof STANDARD_SCENARIOS;

/** Pays, with the related counts the caller would compute. */
function pay(s: Script, related?: { sameCustomerOtherChannels30m: number }): void {
  s.wait(1, 30).event("payment.confirmed", { paidAt: s.iso() }, undefined, related);
}

/** A person approves the review (optionally first a wrong role, or a stale edit). */
function approve(s: Script, how: "ok" | "stale" | "wrong_role" = "ok"): void {
  s.wait(5, 90);
  if (how === "wrong_role") s.manual("reviewed", WAREHOUSE).wait(1, 10);
  if (how === "stale") s.manual("reviewed", CUSTOMER_SERVICE, true).wait(1, 10);
  s.manual("reviewed", CUSTOMER_SERVICE);
}

/** Label, waybill and outbound in one of the two real-world orders. */
function fulfil(s: Script): void {
  s.wait(10, 100).event("wms.printed", {});
  const carrier = s.rng.pick(["SF", "ZTO", "YTO", "JD"]);
  const waybillNo = `${carrier}${s.order.id.slice(-9)}`;
  if (s.rng.chance(0.5)) {
    s.wait(1, 20).event("waybill.assigned", { carrier, waybillNo });
    s.wait(30, 240).event("wms.outbound", { outboundAt: s.iso(), warehouse: s.order.warehouse ?? "HZ-1" });
  } else {
    s.wait(30, 240).event("wms.outbound", { outboundAt: s.iso(), warehouse: s.order.warehouse ?? "HZ-1" });
    s.wait(5, 90).event("waybill.assigned", { carrier, waybillNo });
  }
}

/** Collection, a few tracking updates (with a stall when asked), signature. */
function deliver(s: Script, stallMinutes = 0, problem = false): void {
  s.wait(20, 100).event("carrier.collected", {});
  const updates = s.rng.int(2, 5);
  for (let i = 0; i < updates; i++) {
    if (i === 1 && stallMinutes > 0) s.wait(stallMinutes, stallMinutes + 30);
    else if (s.rng.chance(0.04)) s.wait(125, 240);
    else s.wait(30, 110);
    if (i === 1 && problem) {
      s.event("carrier.problem", { reason: s.rng.pick(["address unclear", "weather delay", "parcel damaged"]) });
      s.wait(180, 1200);
    }
    s.event("carrier.update", { state: "2", location: s.rng.pick(["杭州", "上海", "苏州", "南京", "宁波"]) });
  }
  s.wait(30, 110).event("carrier.signed", { signedAt: s.iso() });
}

function receivable(s: Script, mismatch = false): void {
  const total = s.order.totalAmount;
  const amount = mismatch ? total + Math.ceil(total * s.rng.int(8, 30) / 1000) : total;
  s.wait(1440, 7000).event("finance.receivable", { amount }, FINANCE);
}

/** Writes the steps of `scenario` onto `s`. */
export function writeStandardScenario(s: Script, scenario: StandardScenario): void {
  switch (scenario) {
    case "unpaid":
      return;
    case "cancel_before_ship":
      pay(s);
      s.wait(5, 240).event("order.cancelled", { reason: "buyer changed mind" });
      return;
    case "multi_platform":
      pay(s, { sameCustomerOtherChannels30m: s.rng.int(1, 3) });
      approve(s);
      break;
    case "big_amount":
    case "special_line":
    case "green_tags":
      pay(s);
      approve(s);
      break;
    case "stale_edit":
    case "wrong_role":
      pay(s);
      approve(s, scenario === "stale_edit" ? "stale" : "wrong_role");
      break;
    default:
      pay(s);
  }

  fulfil(s);
  if (scenario === "cancel_after_ship") {
    s.wait(10, 120).event("order.cancelled", { reason: "buyer cancelled late" });
    s.wait(10, 120).event("refund.requested", { amount: s.order.totalAmount });
    s.wait(60, 1440).event("refund.succeeded", { amount: s.order.totalAmount, stockRestored: s.rng.chance(0.8) });
    return;
  }
  const stall = scenario === "stall" ? s.rng.pick([150, 400, 1500]) : 0;
  deliver(s, stall, scenario === "carrier_problem");
  if (scenario === "conflict_storm") s.wait(1, 30).event("carrier.update", {}, undefined, { channelConflictsToday: s.rng.int(16, 40) });
  if (scenario === "status_jumps") s.wait(1, 30).event("carrier.update", {}, undefined, { orderStatusJumps24h: s.rng.int(4, 8) });
  if (scenario === "refund_after_delivery") {
    s.wait(60, 2880).event("refund.requested", {});
    const restored = s.rng.weighted({ yes: 75, no: 15, unknown: 10 });
    s.wait(60, 1440).event("refund.succeeded", restored === "unknown" ? {} : { stockRestored: restored === "yes" });
    return;
  }
  receivable(s, scenario === "finance_mismatch");
}
