import { CUSTOMER_SERVICE, FINANCE, Script, WAREHOUSE } from "./script.js";

/** Scenarios of the custom-furniture stream (seeds/003) and their weights (per 1000 orders). */
export const FURNITURE_SCENARIOS = {
  on_time: 640,
  slow_params: 80,
  slow_boards: 150,
  confirmed_by_hand: 60,
  early_signature: 40,
  settlement_mismatch: 20,
  milestone_out_of_order: 10,
} as const;
export type FurnitureScenario = keyof typeof FURNITURE_SCENARIOS;

/** A factory/service milestone reported by its system, or confirmed by hand in the sheet. */
function reach(s: Script, code: string, byHand: boolean, role = WAREHOUSE): void {
  if (byHand) s.manual(code, role);
  else s.event("milestone", { code });
}

/** Writes the steps of `scenario` onto `s` (the order starts in 支付成功). */
export function writeFurnitureScenario(s: Script, scenario: FurnitureScenario): void {
  const byHand = scenario === "confirmed_by_hand";
  s.wait(10, 60);
  reach(s, "risk_approved", byHand, { role: "supervisor", name: "sandbox-supervisor" });
  s.wait(5, 60);
  reach(s, "params_confirming", byHand, CUSTOMER_SERVICE);
  if (scenario === "slow_params") s.wait(130, 400);
  else s.wait(20, 110);
  reach(s, "production_started", byHand);
  if (scenario === "milestone_out_of_order") s.wait(60, 240).event("milestone", { code: "hardware_assembled" });
  if (scenario === "slow_boards") s.wait(1500, 3000);
  else s.wait(240, 1400);
  reach(s, "boards_outbound", byHand);
  s.wait(120, 900);
  reach(s, "hardware_assembled", byHand);
  s.wait(60, 600);
  reach(s, "packed", byHand);
  s.wait(30, 600).event("carrier.collected", {});
  s.wait(60, 240).event("carrier.update", { state: "2" });
  s.wait(600, 2400).event("carrier.update", { state: "201" });
  s.wait(60, 600).event("carrier.update", { state: "202" });
  s.wait(30, 300).event("carrier.signed", { signedAt: s.iso() });
  s.wait(60, 1440);
  reach(s, "inspection_feedback", byHand, CUSTOMER_SERVICE);
  s.wait(60, 1440);
  reach(s, "installation_booked", byHand, CUSTOMER_SERVICE);
  s.wait(1440, 4320);
  reach(s, "installation_confirmed", byHand, CUSTOMER_SERVICE);
  // The return window closes by timer 7 days later; finance books the receivable after that.
  s.wait(7 * 1440 + 60, 9 * 1440);
  const total = s.order.totalAmount;
  const amount = scenario === "settlement_mismatch" ? total - Math.ceil((total * s.rng.int(8, 40)) / 1000) : total;
  s.event("finance.receivable", { amount }, FINANCE);
}
