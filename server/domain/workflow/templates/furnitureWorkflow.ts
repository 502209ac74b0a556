import type { Role } from "../../../contracts/roles.js";
import type { WorkflowDefinition, WorkflowTransition } from "../../../contracts/workflow.js";
import { RECEIVABLE_DIFFERS, SIGNED_EARLY, STOCK_NOT_RESTORED, rule, say, state, timer, transition } from "./build.js";

/**
 * A milestone step: the `milestone` event whose code is the target state moves the order
 * (factory and service systems report those), and the given roles may confirm it by hand.
 */
function milestoneStep(from: string, to: string, roles: Role[]): WorkflowTransition[] {
  return [
    transition(`${to}_reported`, from, to, "milestone", { guard: `event.data.code == "${to}"` }),
    transition(`${to}_confirmed`, from, to, "manual", { roles }),
  ];
}

/**
 * The 17-state custom-furniture lifecycle of seeds/003 (杭州「木语时光」), in the seed's order.
 * Factory and service milestones arrive as `milestone` events (code = target state) or are
 * confirmed by hand; carrier events drive the shipping states (Kdniao StateEx 201 = arrived
 * at the delivery station, 202 = out for delivery). Seed alerts: red after 2 h in
 * 定制参数确认, orange when 工厂排产启动 → 板材出库 takes more than 24 h, green when the
 * customer signs at least 24 h before the promised time.
 */
export const furnitureWorkflow: WorkflowDefinition = {
  name: "furniture",
  description: "Custom furniture: 17 atomic states from payment to financial settlement",
  initial: "payment_succeeded",
  states: [
    state("payment_succeeded", "支付成功", "Payment succeeded", "payment", { slaMinutes: 120 }),
    state("risk_approved", "风控审核通过", "Risk review passed", "review", { slaMinutes: 240 }),
    state("params_confirming", "定制参数确认", "Custom parameters confirmation", "review"),
    state("production_started", "工厂排产启动", "Factory production scheduled", "fulfilment"),
    state("boards_outbound", "板材出库", "Boards issued", "fulfilment", { slaMinutes: 2880 }),
    state("hardware_assembled", "五金包装配", "Hardware kit assembled", "fulfilment", { slaMinutes: 1440 }),
    state("packed", "整机打包完成", "Fully packed", "fulfilment", { slaMinutes: 1440 }),
    state("collected", "快递揽收", "Collected by carrier", "shipping"),
    state("line_haul", "干线运输中", "Line-haul transport", "shipping"),
    state("at_delivery_station", "派件网点到达", "At delivery station", "shipping"),
    state("out_for_delivery", "快递员取件", "Out for delivery", "shipping", { slaMinutes: 1440 }),
    state("signed", "客户签收", "Signed by customer", "delivery"),
    state("inspection_feedback", "开箱验货反馈", "Unboxing inspection feedback", "after_sale", { slaMinutes: 2880 }),
    state("installation_booked", "安装服务预约", "Installation booked", "after_sale"),
    state("installation_confirmed", "安装完成确认", "Installation confirmed", "after_sale"),
    state("return_window_closed", "7天无理由期结束", "7-day return window closed", "after_sale"),
    state("settled", "财务结算完成", "Financially settled", "finance", { terminal: true }),
  ],
  transitions: [
    ...milestoneStep("payment_succeeded", "risk_approved", ["supervisor"]),
    ...milestoneStep("risk_approved", "params_confirming", ["customer_service", "supervisor"]),
    ...milestoneStep("params_confirming", "production_started", ["warehouse", "supervisor"]),
    ...milestoneStep("production_started", "boards_outbound", ["warehouse"]),
    ...milestoneStep("boards_outbound", "hardware_assembled", ["warehouse"]),
    ...milestoneStep("hardware_assembled", "packed", ["warehouse"]),
    transition("collect", "packed", "collected", "carrier.collected"),
    transition("collect_by_hand", "packed", "collected", "manual", { roles: ["warehouse"] }),
    transition("line_haul_started", "collected", "line_haul", "carrier.update"),
    transition("arrived_at_station", "line_haul", "at_delivery_station", "carrier.update", {
      guard: 'has(event.data.state) && event.data.state == "201"',
    }),
    transition("courier_picked_up", "at_delivery_station", "out_for_delivery", "carrier.update", {
      guard: 'has(event.data.state) && event.data.state == "202"',
    }),
    transition("courier_picked_up_from_line_haul", "line_haul", "out_for_delivery", "carrier.update", {
      guard: 'has(event.data.state) && event.data.state == "202"',
    }),
    transition("sign", "out_for_delivery", "signed", "carrier.signed"),
    transition("sign_at_station", "at_delivery_station", "signed", "carrier.signed"),
    transition("sign_from_line_haul", "line_haul", "signed", "carrier.signed"),
    ...milestoneStep("signed", "inspection_feedback", ["customer_service"]),
    ...milestoneStep("inspection_feedback", "installation_booked", ["customer_service"]),
    ...milestoneStep("installation_booked", "installation_confirmed", ["customer_service", "supervisor"]),
    ...milestoneStep("installation_confirmed", "return_window_closed", ["customer_service"]),
    transition("settle", "return_window_closed", "settled", "finance.receivable", {
      guard: `!(${RECEIVABLE_DIFFERS})`,
      unmet: say("应收与渠道金额相差超过 0.5 %", "the receivable differs from the channel amount by more than 0.5 %"),
    }),
    transition("settle_by_hand", "return_window_closed", "settled", "manual", { roles: ["finance"] }),
  ],
  timers: [
    timer("params_confirmation_red_2h", "params_confirming", 120, {
      kind: "alert",
      level: "red",
      notify: "sales_supervisor, designer",
      via: "im",
      message: say("订单停留在定制参数确认超过 2 小时", "Order held in custom parameters confirmation for more than 2 h"),
    }),
    timer("production_to_boards_orange_24h", "production_started", 1440, {
      kind: "alert",
      level: "orange",
      notify: "production_manager, supply_chain_director",
      via: "email",
      message: say("工厂排产启动超过 24 小时仍未板材出库", "More than 24 h from factory production scheduled without boards issued"),
    }),
    // Counted from the installation confirmation, which always comes after the signature.
    timer("return_window_7d", "installation_confirmed", 7 * 1440, { kind: "transition", to: "return_window_closed" }),
  ],
  rules: [
    rule("signed_early", "carrier.signed", SIGNED_EARLY, {
      kind: "alert",
      level: "green",
      message: say("比承诺时间提前至少 24 小时签收：提前送达奖励", "Signed at least 24 h before the promised time: early delivery bonus"),
    }),
    rule("receivable_difference_report", "finance.receivable", RECEIVABLE_DIFFERS, {
      kind: "alert",
      level: "red",
      notify: "finance",
      message: say("财务应收与渠道金额相差超过 0.5 %：结算暂停，见差异报告", "Finance receivable differs from the channel amount by more than 0.5 %: settlement held, see the difference report"),
    }),
    rule("refund_stock_not_restored", "refund.succeeded", STOCK_NOT_RESTORED, {
      kind: "alert",
      level: "orange",
      notify: "warehouse",
      message: say("渠道退款成功，但 ERP 库存没有恢复", "Channel refund succeeded but the ERP stock was not restored"),
    }),
  ],
};
