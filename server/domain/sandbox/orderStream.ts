import { CHANNEL_CODES, type Channel } from "../channels.js";
import type { Order, OrderLine } from "../order.js";
import { FURNITURE_SCENARIOS, writeFurnitureScenario, type FurnitureScenario } from "./furnitureScripts.js";
import { Rng, seedFrom } from "./prng.js";
import { Script, isoAt, type SyntheticOrder } from "./script.js";
import { STANDARD_SCENARIOS, writeStandardScenario, type StandardScenario } from "./standardScripts.js";

/** Which business the synthetic orders come from. */
export type StreamProfile = "standard" | "furniture";

/** What to generate. */
export interface StreamOptions {
  /** How many orders. */
  orders: number;
  /** Any number or text; the same seed yields the same stream. */
  seed: number | string;
  profile?: StreamProfile;
  /** When the first order is placed (default 2026-01-15T00:00:00Z). */
  start?: Date;
  /** Orders placed per simulated day (default 42,000, the seeds' peak day). */
  ordersPerDay?: number;
  /** Generate only every `count`-th order starting at `index` (parallel runs); the union of all shards is the whole stream. */
  shard?: { index: number; count: number };
}

/** The seed of order `i`: each order has its own generator, so any shard can be produced alone. */
function orderSeed(seed: number, i: number): number {
  let h = (seed ^ Math.imul(i + 1, 0x9e3779b1)) >>> 0;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

const CHANNEL_WEIGHTS: Partial<Record<Channel, number>> = { tmall: 35, douyin: 25, pinduoduo: 15, jd: 15, youzan: 10 };
const WAREHOUSES = ["HZ-1", "HZ-2", "SH-1", "NJ-1", "NB-1"];
const REGIONS = ["east", "south", "north", "west"];
const MINUTE = 60_000;

function line(lineNo: number, amount: number, special: boolean): OrderLine {
  return {
    lineNo,
    sku: `SKU${1000 + lineNo}`,
    name: special ? "Salmon oil supplement" : "Standard item",
    quantity: 1,
    unitPrice: amount,
    amount,
    flags: special ? { special: true } : {},
  };
}

function baseOrder(rng: Rng, index: number, placedAt: number, profile: StreamProfile, scenario: string): Order {
  const channel = rng.weighted(CHANNEL_WEIGHTS as Record<Channel, number>);
  const iso = isoAt(placedAt);
  const day = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}`;
  const furniture = profile === "furniture";
  let total = furniture ? rng.int(150_000, 1_200_000) : rng.int(1_500, 45_000);
  if (scenario === "big_amount" || scenario === "stale_edit" || scenario === "wrong_role") total = rng.int(50_001, 300_000);
  const tags: string[] = [];
  if (scenario === "green_tags") tags.push(rng.pick(["618", "满300减50", "极速达"]));
  const promiseDays = scenario === "early_signature" ? (furniture ? 30 : 10) : furniture ? 4 : 1.5;
  return {
    id: `${CHANNEL_CODES[channel]}${day}-${String(index + 1).padStart(7, "0")}`,
    workspaceId: "sandbox",
    channel,
    externalOrderId: `X${index + 1}`,
    status: "",
    workflowVersion: 1,
    version: 1,
    customer: { id: `C${rng.int(1, Math.max(1, index))}`, name: null, phone: null },
    totalAmount: total,
    currency: "CNY",
    region: rng.pick(REGIONS),
    warehouse: rng.pick(WAREHOUSES),
    carrier: null,
    waybillNo: null,
    tags,
    extra: {},
    placedAt: iso,
    paidAt: null,
    outboundAt: null,
    promisedAt: rng.chance(0.8) ? isoAt(placedAt + promiseDays * 1440 * MINUTE) : null,
    statusSince: iso,
    createdAt: iso,
    updatedAt: iso,
    lines: [line(1, total, scenario === "special_line")],
  };
}

/**
 * A reproducible stream of synthetic orders with their events, generated lazily one order
 * at a time (nothing is held in memory but the current order). Orders are spread evenly
 * over simulated days at `ordersPerDay`.
 */
export function* orderStream(opts: StreamOptions): Generator<SyntheticOrder> {
  const profile = opts.profile ?? "standard";
  const seed = seedFrom(opts.seed);
  const start = (opts.start ?? new Date("2026-01-15T00:00:00Z")).getTime();
  const gap = (1440 * MINUTE) / (opts.ordersPerDay ?? 42_000);
  const { index: first, count: every } = opts.shard ?? { index: 0, count: 1 };
  if (!Number.isInteger(every) || every < 1 || !Number.isInteger(first) || first < 0 || first >= every) {
    throw new RangeError(`invalid shard ${first}/${every}`);
  }
  for (let i = first; i < opts.orders; i += every) {
    const rng = new Rng(orderSeed(seed, i));
    const placedAt = Math.floor(start + i * gap);
    if (profile === "furniture") {
      const scenario: FurnitureScenario = rng.weighted(FURNITURE_SCENARIOS);
      const s = new Script(baseOrder(rng, i, placedAt, profile, scenario), rng, placedAt);
      writeFurnitureScenario(s, scenario);
      yield { scenario, order: s.order, steps: s.steps };
    } else {
      const scenario: StandardScenario = rng.weighted(STANDARD_SCENARIOS);
      const s = new Script(baseOrder(rng, i, placedAt, profile, scenario), rng, placedAt);
      writeStandardScenario(s, scenario);
      yield { scenario, order: s.order, steps: s.steps };
    }
  }
}
