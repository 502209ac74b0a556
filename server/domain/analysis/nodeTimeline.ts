/**
 * Delay attribution over standard nodes (issue 13; seed 000 问题二): every workflow state
 * belongs to one node (下单 → 支付 → 审单 → 分仓 → 拣货 → 打包 → 出库 → 物流揽收 → 首次轨迹 →
 * 签收 …), each node has an SLA, and an order's time in a node is the time it spent in that
 * node's states. Pure: the caller reads the order's status history from the audit trail.
 */

/** One stretch of an order's life in one status. */
export interface StatusStretch {
  status: string;
  /** When the order entered the status (ISO). */
  from: string;
  /** When it left (ISO); null while it is still there. */
  to: string | null;
}

/** A standard node: its code, its SLA in minutes (absent: no SLA, never late). */
export interface NodeSpec {
  code: string;
  slaMinutes?: number;
}

/** What the analysis needs of a workflow: its nodes in order, and each state's node. */
export interface NodeMap {
  nodes: NodeSpec[];
  /** State code → node code; states outside every node (exceptions, closed states) are left out. */
  nodeOf: Record<string, string>;
}

/** One order's time in one node. */
export interface NodeTime {
  node: string;
  /** When the order first entered a state of the node (ISO). */
  enteredAt: string;
  /** When it last left one (ISO); null while it is still in the node. */
  leftAt: string | null;
  /** Minutes spent in the node's states, summed over every visit. */
  minutes: number;
  slaMinutes: number | null;
  /** Minutes beyond the SLA (0 when within it or without one). */
  lateMinutes: number;
  /** This node's share of the order's late minutes (0..1; 0 when the order was not late). */
  lateShare: number;
  /** How many separate visits (a node entered again after leaving it counts twice). */
  visits: number;
}

/** One order's node timeline and the node that made it late. */
export interface OrderTimeline {
  nodes: NodeTime[];
  lateMinutes: number;
  /** The node with the most late minutes (the earlier node on a tie); null when not late. */
  culprit: string | null;
}

const MINUTE = 60_000;

/**
 * The order's time in each node, in the nodes' order, from its status stretches (any
 * order; overlapping or zero-length stretches are tolerated). An open stretch counts up to
 * `now`. Nodes the order never entered are left out.
 */
export function orderTimeline(stretches: StatusStretch[], map: NodeMap, now: Date): OrderTimeline {
  const byNode = new Map<string, { enteredAt: number; leftAt: number | null; ms: number; visits: number }>();
  const sorted = [...stretches].sort((a, b) => Date.parse(a.from) - Date.parse(b.from));
  let previousNode: string | null = null;
  for (const s of sorted) {
    const node = map.nodeOf[s.status];
    if (!node) {
      previousNode = null;
      continue;
    }
    const from = Date.parse(s.from);
    const to = s.to === null ? null : Date.parse(s.to);
    const ms = Math.max(0, (to ?? now.getTime()) - from);
    const seen = byNode.get(node);
    if (!seen) {
      byNode.set(node, { enteredAt: from, leftAt: to, ms, visits: 1 });
    } else {
      seen.ms += ms;
      // Stretches come in order of entry, so the latest one's end is when the node was left.
      seen.leftAt = to;
      if (previousNode !== node) seen.visits += 1;
    }
    previousNode = node;
  }
  const nodes: NodeTime[] = [];
  let lateMinutes = 0;
  for (const spec of map.nodes) {
    const t = byNode.get(spec.code);
    if (!t) continue;
    const minutes = t.ms / MINUTE;
    const sla = spec.slaMinutes ?? null;
    const late = sla === null ? 0 : Math.max(0, minutes - sla);
    lateMinutes += late;
    nodes.push({
      node: spec.code,
      enteredAt: new Date(t.enteredAt).toISOString(),
      leftAt: t.leftAt === null ? null : new Date(t.leftAt).toISOString(),
      minutes: round(minutes),
      slaMinutes: sla,
      lateMinutes: round(late),
      lateShare: 0,
      visits: t.visits,
    });
  }
  let culprit: string | null = null;
  let worst = 0;
  for (const n of nodes) {
    n.lateShare = lateMinutes > 0 ? round(n.lateMinutes / round(lateMinutes), 4) : 0;
    if (n.lateMinutes > worst) {
      worst = n.lateMinutes;
      culprit = n.node;
    }
  }
  return { nodes, lateMinutes: round(lateMinutes), culprit };
}

/**
 * Status stretches from an order's status changes (each the status entered and when, as the
 * audit trail records them, in any order): each lasts until the next change; the last is open
 * unless the order reached a terminal state (`terminal`), which closes it at entry.
 */
export function stretchesOf(changes: { status: string; at: string }[], terminal: ReadonlySet<string>): StatusStretch[] {
  const sorted = [...changes].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  return sorted.map((c, i) => {
    const next = sorted[i + 1];
    return { status: c.status, from: c.at, to: next ? next.at : terminal.has(c.status) ? c.at : null };
  });
}

function round(x: number, digits = 2): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}
