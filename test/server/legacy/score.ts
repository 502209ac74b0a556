import type { RowTruth } from "./messyWorkbook.js";

/** A dry-run row as the domain or the HTTP API gives it. */
export interface ScoredRow {
  row: number;
  outcome: string;
  why?: { code: string };
  order?: {
    channel: string;
    externalOrderId: string;
    totalAmount: string;
    placedAt: string | null;
    customer: { phone: string | null };
    lines: { quantity: number }[];
    carrier: string | null;
    waybillNo: string | null;
    status: string;
  };
}

/** Share of the truth's rows the dry run got right (outcome, reason code, and every checked field of an imported order), with what it got wrong. */
export function scoreRows(truth: RowTruth[], got: ScoredRow[]): { score: number; wrong: string[] } {
  const byRow = new Map(got.map((r) => [r.row, r]));
  const wrong: string[] = [];
  for (const t of truth) {
    const g = byRow.get(t.row);
    const miss = (what: string) => wrong.push(`row ${t.row}: ${what}`);
    if (!g) {
      miss("no outcome");
      continue;
    }
    if (g.outcome !== t.outcome) {
      miss(`outcome ${g.outcome} (${g.why?.code}), expected ${t.outcome} (${t.code ?? ""})`);
      continue;
    }
    if (t.code && g.why?.code !== t.code) {
      miss(`reason ${g.why?.code}, expected ${t.code}`);
      continue;
    }
    if (t.order) {
      const o = g.order;
      if (!o) {
        miss("no order");
        continue;
      }
      const actual = {
        channel: o.channel, externalOrderId: o.externalOrderId, totalAmount: o.totalAmount, placedAt: o.placedAt, phone: o.customer.phone,
        quantity: o.lines[0]?.quantity ?? 1, carrier: o.carrier, waybillNo: o.waybillNo, status: o.status,
      };
      const diffs = (Object.keys(t.order) as (keyof typeof actual)[]).filter((k) => actual[k] !== t.order![k]).map((k) => `${k}=${JSON.stringify(actual[k])} (expected ${JSON.stringify(t.order![k])})`);
      if (diffs.length) miss(diffs.join(", "));
    }
  }
  const extra = got.filter((g) => !truth.some((t) => t.row === g.row));
  for (const e of extra) wrong.push(`row ${e.row}: not a data row, but reported as ${e.outcome}`);
  return { score: (truth.length - wrong.length) / truth.length, wrong };
}
