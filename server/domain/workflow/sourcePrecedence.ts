import type { BilingualMessage } from "../../contracts/workflow.js";
import type { Order } from "../order.js";
import { readFact } from "./orderFacts.js";

/**
 * Source precedence per fact (issue 10, point 8; seed 003's 状态仲裁): when two systems
 * disagree about the same fact — the collected time from the carrier's tracking versus the
 * ERP's or a person's — a per-fact priority list of source classes decides which value the
 * order keeps; the loser is recorded; a disagreement beyond a tolerance freezes the order's
 * flow and opens a task for a person.
 */

/** Who a source is, for precedence: the carrier's tracking, the shop platform, the ERP/WMS, a person, or unknown. */
export const SOURCE_CLASSES = ["carrier", "shop", "erp", "person", "other"] as const;
export type SourceClass = (typeof SOURCE_CLASSES)[number];

/** The facts arbitrated, with the order field each is kept in and its labels. */
export const PRECEDENCE_FACTS = {
  paidAt: { field: "paidAt", "zh-CN": "付款时间", en: "paid time" },
  outboundAt: { field: "outboundAt", "zh-CN": "出库时间", en: "outbound time" },
  collectedAt: { field: "extra.collectedAt", "zh-CN": "揽收时间", en: "collected time" },
  signedAt: { field: "extra.signedAt", "zh-CN": "签收时间", en: "signed time" },
} as const;
export type PrecedenceFact = keyof typeof PRECEDENCE_FACTS;
export const PRECEDENCE_FACT_NAMES = Object.keys(PRECEDENCE_FACTS) as [PrecedenceFact, ...PrecedenceFact[]];

/** A workspace's precedence: each fact's source classes, best first, and the tolerance beyond which a disagreement freezes the order. */
export interface PrecedencePolicy {
  facts: Record<PrecedenceFact, SourceClass[]>;
  toleranceMinutes: number;
}

/** The shipped default: the shop platform first for paid, ERP/WMS first for outbound, carrier tracking first for collected and signed; 30 minutes. */
export const DEFAULT_PRECEDENCE: PrecedencePolicy = {
  facts: {
    paidAt: ["shop", "erp", "person", "carrier", "other"],
    outboundAt: ["erp", "carrier", "shop", "person", "other"],
    collectedAt: ["carrier", "erp", "shop", "person", "other"],
    signedAt: ["carrier", "shop", "erp", "person", "other"],
  },
  toleranceMinutes: 30,
};

/** Connector kinds by the class of system they are. */
const KIND_CLASSES: Record<string, SourceClass> = {
  shopify: "shop",
  youzan: "shop",
  filedrop: "shop",
  file_drop: "shop",
  kdniao: "carrier",
  jushuitan: "erp",
  wangdiantong: "erp",
};

const NAME_CLASSES: [RegExp, SourceClass][] = [
  [/^(sheet|user|person|manual)$/, "person"],
  [/^(carrier|kdniao|logistics|express|tracking|sf|zto|yto|sto|yunda|jd-logistics)/, "carrier"],
  [/^(wms|erp|warehouse|jushuitan|wangdiantong|finance)/, "erp"],
  [/^(shop|channel|tmall|taobao|douyin|pdd|pinduoduo|shopee|shopify|youzan|jd|kuaishou|xiaohongshu|miniapp)/, "shop"],
];

/**
 * The class of an event source (`kind:name`). A connector instance (`connector:<id>`) is
 * classed by its kind (`connectorKinds`, looked up by the store); other sources by their
 * kind or name: `sheet:li.li` is a person, `wms:hz` the ERP/WMS, `connector:kdniao` the
 * carrier, `connector:tmall` the shop. Anything else is `other`.
 */
export function sourceClass(source: string, connectorKinds: ReadonlyMap<string, string> = new Map()): SourceClass {
  const kind = connectorKinds.get(source);
  if (kind && KIND_CLASSES[kind]) return KIND_CLASSES[kind];
  const [prefix, ...rest] = source.split(":");
  const name = rest.join(":").toLowerCase();
  for (const [re, cls] of NAME_CLASSES) if (re.test(prefix)) return cls;
  if (prefix === "connector") for (const [re, cls] of NAME_CLASSES) if (re.test(name)) return cls;
  return "other";
}

/** A value of a fact as one source claims it. */
export interface FactClaim {
  value: string;
  source: string;
  cls: SourceClass;
}

/** Two sources disagreeing about one fact, and how precedence settled it. */
export interface FactDispute {
  fact: PrecedenceFact;
  kept: FactClaim;
  lost: FactClaim;
  /** Which side the order keeps: the value it had, or the one arriving. */
  winner: "current" | "incoming";
  /** How far apart the two times are. */
  diffMinutes: number;
  /** Beyond the tolerance: the order's flow is frozen until a person decides. */
  frozen: boolean;
}

/** Where a class stands in a fact's list (unlisted classes after every listed one). */
function rank(policy: PrecedencePolicy, fact: PrecedenceFact, cls: SourceClass): number {
  const i = policy.facts[fact].indexOf(cls);
  return i === -1 ? policy.facts[fact].length : i;
}

/**
 * Settles one disagreement — pure. Null when there is none to settle: the same value, or
 * both claims from the same class of system (a carrier correcting its own time is an update,
 * as before). Otherwise the better-ranked class wins (the arriving one on a tie of ranks).
 */
export function arbitrate(policy: PrecedencePolicy, fact: PrecedenceFact, current: FactClaim, incoming: FactClaim): FactDispute | null {
  if (current.value === incoming.value || current.cls === incoming.cls) return null;
  const incomingWins = rank(policy, fact, incoming.cls) <= rank(policy, fact, current.cls);
  const diff = Math.abs(Date.parse(incoming.value) - Date.parse(current.value));
  const diffMinutes = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : Math.round(diff / 60_000);
  return {
    fact,
    kept: incomingWins ? incoming : current,
    lost: incomingWins ? current : incoming,
    winner: incomingWins ? "incoming" : "current",
    diffMinutes,
    frozen: diffMinutes > policy.toleranceMinutes,
  };
}

/** What precedence needs to know about an order's facts: who set each, and how to class sources. */
export interface PrecedenceInput {
  policy: PrecedencePolicy;
  /** The source that last set each fact on this order (unknown facts are not arbitrated). */
  holders: Partial<Record<PrecedenceFact, string>>;
  classOf: (source: string) => SourceClass;
}

/** The current value of a fact on an order. */
export function factValue(order: Order, fact: PrecedenceFact): string | null {
  if (fact === "paidAt" || fact === "outboundAt") return order[fact];
  return readFact(order, fact) as string | null;
}

/** The fact a changed field is, if it is arbitrated. */
export function precedenceFactOf(field: string): PrecedenceFact | null {
  for (const f of PRECEDENCE_FACT_NAMES) if (PRECEDENCE_FACTS[f].field === field) return f;
  return null;
}

/** The words a person reads about a dispute (task and alert), in zh-CN and English. */
export function disputeMessage(d: FactDispute): BilingualMessage {
  const label = PRECEDENCE_FACTS[d.fact];
  const zh = d.frozen ? "来源冲突超出容差，订单流程已冻结，请核实并处理" : "来源冲突，已按优先级处理";
  const en = d.frozen ? "Sources disagree beyond the tolerance; the order's flow is frozen until a person decides" : "Sources disagree; settled by precedence";
  return {
    "zh-CN": `${zh}：${label["zh-CN"]} — 保留 ${d.kept.value}（${d.kept.source}，${d.kept.cls}）；未采用 ${d.lost.value}（${d.lost.source}，${d.lost.cls}）；相差 ${d.diffMinutes} 分钟`,
    en: `${en}: ${label.en} — kept ${d.kept.value} (${d.kept.source}, ${d.kept.cls}); not taken ${d.lost.value} (${d.lost.source}, ${d.lost.cls}); ${d.diffMinutes} min apart`,
  };
}
