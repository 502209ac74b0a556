/**
 * Free-text statuses of hand-kept sheets (已发, 发货了, shipped, 付了, 出库了, 退款中 …) →
 * states of the workspace's workflow. Shipped phrases name a *stage*; each stage names the
 * states that stand for it, in order, across the shipped workflow templates, and the first
 * one the workspace's workflow has wins. A team's own phrases (stored per workspace) name a
 * state code directly and come first. The workflow's own state codes and labels are
 * phrases too. An unknown phrase gets suggestions, never a guess.
 */
import type { WorkflowDefinition } from "../../contracts/workflow.js";
import { cellText, normaliseWord, type CellValue } from "./cellValues.js";

/** Stages a shipped phrase names, with the states that stand for each, most specific first. */
export const STAGE_STATES = {
  unpaid: ["pending_payment"],
  paid: ["paid", "payment_succeeded"],
  reviewed: ["reviewed", "risk_approved"],
  printed: ["printed", "packed"],
  outbound: ["outbound_no_waybill", "packed"],
  shipped: ["in_transit", "line_haul", "collected"],
  collected: ["in_transit", "collected"],
  exception: ["delivery_exception"],
  signed: ["signed"],
  completed: ["completed", "settled"],
  refunding: ["refund_requested"],
  refunded: ["refunded"],
  cancelled: ["cancelled"],
} as const satisfies Record<string, readonly string[]>;
export type Stage = keyof typeof STAGE_STATES;

/** The shipped phrase table: what people write → stage. Compared after `normaliseWord`. */
export const DEFAULT_PHRASES: Record<Stage, readonly string[]> = {
  unpaid: ["未付", "未付款", "待付款", "待支付", "没付", "还没付", "未支付", "待付", "unpaid", "awaiting payment", "pending payment"],
  paid: ["已付", "付了", "已付款", "已支付", "付款了", "已收款", "收款了", "待发货", "未发", "未发货", "没发", "还没发", "待发", "paid", "to ship", "not shipped", "awaiting shipment"],
  reviewed: ["已审", "已审核", "审核通过", "审单完成", "reviewed", "approved"],
  printed: ["已打单", "打单了", "已打印", "打印了", "面单已打", "printed", "label printed"],
  outbound: ["出库了", "已出库", "出库", "已打包", "打包了", "outbound", "packed"],
  shipped: ["已发", "已发货", "发货了", "发了", "已寄出", "寄出", "寄了", "在途", "运输中", "配送中", "派送中", "shipped", "sent", "in transit", "dispatched"],
  collected: ["已揽收", "揽收", "揽件", "已揽件", "collected", "picked up"],
  exception: ["异常", "物流异常", "快递异常", "丢件", "破损", "exception", "lost", "damaged"],
  signed: ["已签收", "签收", "签收了", "已收货", "收到了", "已送达", "送达", "signed", "delivered", "received"],
  completed: ["完成", "已完成", "交易成功", "交易完成", "已结算", "结束", "completed", "done", "finished", "closed won"],
  refunding: ["退款中", "申请退款", "退款处理中", "要退款", "退货中", "售后中", "refunding", "refund requested", "refund pending", "returning"],
  refunded: ["已退款", "退款了", "退了", "退款完成", "已退", "已退货", "退款成功", "refunded", "returned"],
  cancelled: ["取消", "已取消", "取消了", "关闭", "已关闭", "作废", "不要了", "cancelled", "canceled", "void", "closed"],
};

/** A team's own phrase, stored per workspace: phrase → state code of its workflow. */
export interface StatusPhrase {
  phrase: string;
  state: string;
}

/** Where a phrase was found. */
export type PhraseSource = "workspace" | "workflow" | "default";

/** A status read: the state, or suggestions when the phrase is unknown. */
export type StatusReading =
  | { ok: true; state: string; source: PhraseSource; phrase: string }
  | { ok: false; code: "status_unknown" | "status_missing" | "status_not_in_workflow"; phrase: string; suggestions: { state: string; score: number }[] };

/** The state a stage stands for in `flow`, if any. */
export function stageState(flow: WorkflowDefinition, stage: Stage): string | null {
  const codes = new Set(flow.states.map((s) => s.code));
  return STAGE_STATES[stage].find((c) => codes.has(c)) ?? null;
}

/** A compiled phrase table for one workflow and one workspace's own phrases. */
export interface PhraseTable {
  lookup(value: CellValue): StatusReading;
  /** The table as in effect: every phrase with its state (null where the workflow has no state for a shipped phrase's stage) and source. */
  entries(): { phrase: string; state: string | null; source: PhraseSource; stage?: Stage }[];
}

/** Builds the phrase table of `flow` with the workspace's own phrases laid over the shipped ones. */
export function phraseTable(flow: WorkflowDefinition, own: readonly StatusPhrase[]): PhraseTable {
  const codes = new Set(flow.states.map((s) => s.code));
  const table = new Map<string, { state: string | null; source: PhraseSource; phrase: string; stage?: Stage }>();
  for (const [stage, phrases] of Object.entries(DEFAULT_PHRASES) as [Stage, readonly string[]][]) {
    const state = stageState(flow, stage);
    for (const p of phrases) table.set(normaliseWord(p), { state, source: "default", phrase: p, stage });
  }
  for (const s of flow.states) {
    for (const name of [s.code, s.labels["zh-CN"], s.labels.en]) if (name) table.set(normaliseWord(name), { state: s.code, source: "workflow", phrase: name });
  }
  for (const p of own) if (codes.has(p.state)) table.set(normaliseWord(p.phrase), { state: p.state, source: "workspace", phrase: p.phrase });

  const suggest = (key: string) => {
    const scores = new Map<string, number>();
    for (const [known, e] of table) {
      if (!e.state) continue;
      const s = similarity(key, known);
      if (s >= 0.34 && s > (scores.get(e.state) ?? 0)) scores.set(e.state, s);
    }
    return [...scores.entries()]
      .map(([state, score]) => ({ state, score: Math.round(score * 100) / 100 }))
      .sort((a, b) => b.score - a.score || a.state.localeCompare(b.state))
      .slice(0, 3);
  };

  return {
    lookup(value) {
      const phrase = cellText(value);
      const key = normaliseWord(phrase);
      if (key === "") return { ok: false, code: "status_missing", phrase, suggestions: [] };
      const hit = table.get(key);
      if (hit?.state) return { ok: true, state: hit.state, source: hit.source, phrase };
      if (hit) return { ok: false, code: "status_not_in_workflow", phrase, suggestions: suggest(key) };
      return { ok: false, code: "status_unknown", phrase, suggestions: suggest(key) };
    },
    entries() {
      return [...table.values()].map((e) => ({ phrase: e.phrase, state: e.state, source: e.source, ...(e.stage ? { stage: e.stage } : {}) }));
    },
  };
}

/** Dice similarity of character bigrams (single characters for one-character text), 0..1. */
export function similarity(a: string, b: string): number {
  if (a === b) return 1;
  const grams = (t: string) => {
    const chars = [...t];
    if (chars.length < 2) return chars;
    return chars.slice(1).map((c, i) => chars[i] + c);
  };
  const ga = grams(a);
  const gb = grams(b);
  if (!ga.length || !gb.length) return 0;
  const pool = new Map<string, number>();
  for (const g of gb) pool.set(g, (pool.get(g) ?? 0) + 1);
  let common = 0;
  for (const g of ga) {
    const n = pool.get(g) ?? 0;
    if (n > 0) {
      common++;
      pool.set(g, n - 1);
    }
  }
  return (2 * common) / (ga.length + gb.length);
}
