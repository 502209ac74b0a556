import type { WorkflowDefinition } from "../../../contracts/workflow.js";
import { ALREADY_OUTBOUND, NOT_PAID, RECEIVABLE_DIFFERS, SIGNED_EARLY, STOCK_NOT_RESTORED, rule, say, state, timer, transition } from "./build.js";

/** Guard: amount over 500 yuan (50,000 fen) or any line flagged as a special ingredient. */
const NEEDS_MANUAL_REVIEW = 'order.totalAmount > 50000 || order.lines.exists(l, "special" in l.flags && l.flags["special"])';

/** Guard: promotion tags, or express delivery paid before noon (workspace time). */
const GREEN_CHANNEL =
  '"618" in order.tags || "满300减50" in order.tags || ("极速达" in order.tags && has(order.paidAt) && hourIn(order.paidAt, tz) < 12)';

/** Guard: WMS reported the outbound time and the carrier returned a waybill number. */
const SHIPPED = "has(order.outboundAt) && has(order.waybillNo)";

const NOT_OUTBOUND = "!has(order.outboundAt)";
const NOT_SHIPPED = say("还没有出库时间或还没有物流单号", "no outbound time or no waybill yet");
const IN_TRANSIT_ONLY = say("还没有出库，或已经签收", "not outbound yet, or already signed");
const NOT_SIGNED = say("还没有签收", "not signed yet");
const STAFF = ["customer_service", "supervisor"] as const;
const FINANCE = ["finance", "supervisor"] as const;

/**
 * The standard e-commerce lifecycle: payment, automatic review routing (manual, merged,
 * green channel or straight through), the in-between shipping states a single "shipped"
 * checkbox hides (已打单未出库, 已出库无物流单号, 单号已上传未揽收), tracking stalls, exceptions,
 * cancellation, refunds, compensation and the finance-difference hold. Every rule quoted
 * by the seeds (DOMAIN.md) is expressed here as a guard, timer or rule.
 */
export const standardWorkflow: WorkflowDefinition = {
  name: "standard",
  description: "Standard e-commerce order lifecycle",
  initial: "pending_payment",
  states: [
    state("pending_payment", "待支付", "Awaiting payment", "payment", { slaMinutes: 1440 }),
    state("paid", "已支付待审单", "Paid, awaiting review", "payment", { slaMinutes: 30 }),
    state("manual_review", "人工审单", "Manual review", "review", { slaMinutes: 120 }),
    state("merged_review", "合并审单", "Merged review", "review", { slaMinutes: 60 }),
    state("green_review", "绿色通道审单", "Green-channel review", "review", { slaMinutes: 30 }),
    state("reviewed", "已审单待打单", "Reviewed, awaiting label", "fulfilment", { slaMinutes: 240 }),
    state("printed", "已打单未出库", "Label printed, not outbound", "fulfilment", { slaMinutes: 240 }),
    state("outbound_no_waybill", "已出库无物流单号", "Outbound, no waybill number", "shipping", { slaMinutes: 120 }),
    state("waybill_uploaded", "单号已上传未揽收", "Waybill uploaded, not collected", "shipping", { slaMinutes: 720 }),
    state("in_transit", "在途", "In transit", "shipping"),
    state("delivery_exception", "物流异常", "Delivery exception", "exception", { slaMinutes: 1440 }),
    state("compensation", "补偿处理中", "Compensation in progress", "after_sale", { slaMinutes: 1440 }),
    state("signed", "已签收", "Signed", "delivery"),
    state("refund_requested", "退款处理中", "Refund in progress", "after_sale", { slaMinutes: 1440 }),
    state("finance_hold", "财务差异暂停", "Paused: finance difference", "finance", { slaMinutes: 1440 }),
    state("completed", "已完成", "Completed", "closed", { terminal: true }),
    state("cancelled", "已取消", "Cancelled", "closed", { terminal: true }),
    state("refunded", "已退款", "Refunded", "closed", { terminal: true }),
  ],
  transitions: [
    transition("pay", "pending_payment", "paid", "payment.confirmed"),
    transition("pay_offline", "pending_payment", "paid", "manual", { roles: ["finance", "supervisor"] }),

    // Review routing, first match wins: merged, manual, green channel, straight through.
    transition("route_merged_review", "paid", "merged_review", "auto", { guard: "related.sameCustomerOtherChannels30m > 0" }),
    transition("route_manual_review", "paid", "manual_review", "auto", { guard: NEEDS_MANUAL_REVIEW }),
    transition("route_green_channel", "paid", "green_review", "auto", { guard: GREEN_CHANNEL }),
    transition("route_straight_through", "paid", "reviewed", "auto"),
    transition("approve_manual_review", "manual_review", "reviewed", "manual", { roles: [...STAFF] }),
    transition("approve_merged_review", "merged_review", "reviewed", "manual", { roles: [...STAFF] }),
    transition("approve_green_review", "green_review", "reviewed", "manual", { roles: [...STAFF] }),
    transition("escalate_green_review", "green_review", "manual_review", "manual", { roles: [...STAFF] }),

    // Warehouse and carrier: the in-between states.
    transition("print_label", "reviewed", "printed", "wms.printed"),
    transition("print_label_by_hand", "reviewed", "printed", "manual", { roles: ["warehouse"] }),
    transition("outbound_without_waybill", "printed", "outbound_no_waybill", "wms.outbound", { guard: "!has(order.waybillNo)", unmet: say("已有物流单号", "already has a waybill number") }),
    transition("outbound_unprinted", "reviewed", "outbound_no_waybill", "wms.outbound", { guard: "!has(order.waybillNo)", unmet: say("已有物流单号", "already has a waybill number") }),
    transition("waybill_before_outbound", "printed", "waybill_uploaded", "waybill.assigned", { guard: NOT_OUTBOUND, unmet: ALREADY_OUTBOUND }),
    transition("waybill_unprinted", "reviewed", "waybill_uploaded", "waybill.assigned", { guard: NOT_OUTBOUND, unmet: ALREADY_OUTBOUND }),
    transition("ship_from_reviewed", "reviewed", "in_transit", "auto", { guard: SHIPPED, unmet: NOT_SHIPPED }),
    transition("ship_from_printed", "printed", "in_transit", "auto", { guard: SHIPPED, unmet: NOT_SHIPPED }),
    transition("ship_after_waybill", "outbound_no_waybill", "in_transit", "auto", { guard: SHIPPED, unmet: NOT_SHIPPED }),
    transition("ship_after_outbound", "waybill_uploaded", "in_transit", "auto", { guard: SHIPPED, unmet: NOT_SHIPPED }),
    // By hand once the waybill is known (the warehouse confirms the hand-over): refused, in words, without one.
    transition("ship_by_hand", "outbound_no_waybill", "in_transit", "manual", {
      guard: "has(order.waybillNo)",
      roles: ["warehouse", "supervisor"],
      unmet: say("还没有物流单号", "no waybill yet"),
    }),
    transition("collected_by_carrier", "waybill_uploaded", "in_transit", "carrier.collected"),
    transition("carrier_problem", "in_transit", "delivery_exception", "carrier.problem"),
    transition("carrier_problem_before_collect", "waybill_uploaded", "delivery_exception", "carrier.problem"),
    transition("tracking_resumed", "delivery_exception", "in_transit", "carrier.update"),
    transition("exception_to_compensation", "delivery_exception", "compensation", "manual", { roles: [...STAFF] }),
    transition("sign", "in_transit", "signed", "carrier.signed"),
    transition("sign_before_collect_scan", "waybill_uploaded", "signed", "carrier.signed"),
    transition("sign_after_exception", "delivery_exception", "signed", "carrier.signed"),
    transition("sign_during_compensation", "compensation", "signed", "carrier.signed"),
    transition("compensation_closed", "compensation", "completed", "manual", { roles: [...STAFF] }),
    transition("complete_by_hand", "signed", "completed", "manual", { roles: [...FINANCE] }),

    // Cancellation: accepted from any open status until the goods leave the warehouse.
    transition("cancel", "*", "cancelled", "order.cancelled", { guard: NOT_OUTBOUND, unmet: ALREADY_OUTBOUND }),
    transition("cancel_by_hand", "*", "cancelled", "manual", { guard: NOT_OUTBOUND, roles: [...STAFF], unmet: ALREADY_OUTBOUND }),

    // Refunds.
    transition("refund_request", "*", "refund_requested", "refund.requested", { guard: "has(order.paidAt)", unmet: NOT_PAID }),
    transition("refund_request_by_hand", "*", "refund_requested", "manual", { guard: "has(order.paidAt)", roles: [...STAFF], unmet: NOT_PAID }),
    transition("refund_done", "refund_requested", "refunded", "refund.succeeded"),
    transition("refund_without_request", "*", "refunded", "refund.succeeded"),
    transition("refund_declined_before_outbound", "refund_requested", "reviewed", "manual", { guard: NOT_OUTBOUND, roles: [...STAFF], unmet: ALREADY_OUTBOUND }),
    transition("refund_declined_in_transit", "refund_requested", "in_transit", "manual", {
      guard: "has(order.outboundAt) && !has(order.signedAt)",
      roles: [...STAFF],
      unmet: IN_TRANSIT_ONLY,
    }),
    transition("refund_declined_after_signing", "refund_requested", "signed", "manual", { guard: "has(order.signedAt)", roles: [...STAFF], unmet: NOT_SIGNED }),

    // Finance circuit breaker: a receivable more than 0.5 % off the channel amount pauses the order.
    transition("receivable_differs", "*", "finance_hold", "finance.receivable", {
      guard: RECEIVABLE_DIFFERS,
      unmet: say("应收与渠道金额相差不超过 0.5 %", "the receivable is within 0.5 % of the channel amount"),
    }),
    transition("finance_release_before_outbound", "finance_hold", "reviewed", "manual", { guard: NOT_OUTBOUND, roles: [...FINANCE], unmet: ALREADY_OUTBOUND }),
    transition("finance_release_in_transit", "finance_hold", "in_transit", "manual", {
      guard: "has(order.outboundAt) && !has(order.signedAt)",
      roles: [...FINANCE],
      unmet: IN_TRANSIT_ONLY,
    }),
    transition("finance_release_signed", "finance_hold", "signed", "manual", { guard: "has(order.signedAt)", roles: [...FINANCE], unmet: NOT_SIGNED }),
  ],
  timers: [
    timer("unpaid_timeout", "pending_payment", 1440, { kind: "transition", to: "cancelled" }),
    timer("green_review_waiting", "green_review", 30, {
      kind: "alert",
      level: "orange",
      notify: "supervisor",
      message: say("绿色通道订单等待审单超过 30 分钟", "Green-channel order waiting more than 30 min for review"),
    }),
    timer("shipping_order_late", "reviewed", 120, {
      kind: "alert",
      level: "yellow",
      notify: "warehouse",
      message: say("支付后超过 2 小时仍未打单", "More than 2 h since payment without a shipping label"),
    }, { anchor: "paidAt" }),
    timer("outbound_without_waybill_1h", "outbound_no_waybill", 60, {
      kind: "alert",
      level: "orange",
      notify: "warehouse",
      message: say("包裹出库已 1 小时，仍没有物流单号", "Parcel left the warehouse 1 h ago and still has no waybill number"),
    }),
    timer("no_tracking_2h", "in_transit", 120, {
      kind: "alert",
      level: "orange",
      notify: "regional_manager",
      via: "im",
      message: say("2 小时内没有物流更新", "No tracking update within 2 h"),
    }, { anchor: "lastTrackAt" }),
    timer("stall_sms_customer_2h", "in_transit", 120, {
      kind: "alert",
      level: "yellow",
      notify: "customer",
      via: "sms",
      message: say("物流停滞 2 小时：给客户发短信", "Logistics stalled for 2 h: send the customer an SMS"),
    }, { anchor: "lastTrackAt" }),
    timer("stall_task_6h", "in_transit", 360, {
      kind: "task",
      assignee: "customer_service",
      message: say("物流停滞 6 小时：联系客户（附历史记录和建议话术）", "Logistics stalled for 6 h: contact the customer (history and suggested wording attached)"),
    }, { anchor: "lastTrackAt" }),
    timer("stall_compensation_24h", "in_transit", 1440, { kind: "transition", to: "compensation" }, { anchor: "lastTrackAt" }),
    timer("return_window_closed", "signed", 7 * 1440, { kind: "transition", to: "completed" }),
  ],
  rules: [
    rule("refund_stock_not_restored", "refund.succeeded", STOCK_NOT_RESTORED, {
      kind: "alert",
      level: "orange",
      notify: "warehouse",
      message: say("渠道退款成功，但 ERP 库存没有恢复", "Channel refund succeeded but the ERP stock was not restored"),
    }),
    rule("receivable_difference_report", "finance.receivable", RECEIVABLE_DIFFERS, {
      kind: "alert",
      level: "red",
      notify: "finance",
      message: say("财务应收与渠道金额相差超过 0.5 %：订单已暂停，见差异报告", "Finance receivable differs from the channel amount by more than 0.5 %: order paused, see the difference report"),
    }),
    rule("channel_conflict_breaker", "*", "related.channelConflictsToday > 15", {
      kind: "pause_channel",
      level: "red",
      message: say("该渠道今日状态冲突超过 15 次：已暂停接收", "More than 15 status conflicts today on this channel: intake paused"),
    }),
    rule("status_jump_breaker", "*", "related.orderStatusJumps24h > 3", {
      kind: "pause_channel",
      level: "red",
      message: say("订单状态跳变超过 3 次：已暂停该渠道接收", "An order's status jumped more than 3 times: channel intake paused"),
    }),
    rule("signed_early", "carrier.signed", SIGNED_EARLY, {
      kind: "alert",
      level: "green",
      message: say("比承诺时间提前至少 24 小时签收", "Signed at least 24 h before the promised time"),
    }),
  ],
};
