/**
 * Connector filters (issue 10, point 7): rules saying which platform records an instance
 * keeps ("only sync payment_method in credit_card"). A record a rule does not keep is
 * filtered — never in silence: it is counted per rule and per value, with samples, in the
 * connector's health, and a value a rule drops for the first time raises an alert.
 */

/** How a rule compares the record's value: `in` keeps records whose value is listed, `not_in` keeps the others. */
export const FILTER_OPERATORS = ["in", "not_in"] as const;
export type FilterOperator = (typeof FILTER_OPERATORS)[number];

/** One keep-rule of an instance. */
export interface FilterRule {
  /** Names the rule in counts and alerts (defaults to `rule-<n>`). */
  id: string;
  /** The record's field, a dotted path into the platform record (`payment_method`, `customer.tier`). */
  field: string;
  operator: FilterOperator;
  values: string[];
}

/** What a missing or empty field counts as. */
export const MISSING_VALUE = "(missing)";

/** Why a record was dropped: the first rule that did not keep it, and the value it saw. */
export interface FilterHit {
  rule: string;
  field: string;
  value: string;
}

/** The value at a dotted path of a plain object (arrays are searched element-wise by the caller). */
export function valueAt(record: unknown, path: string): unknown {
  let v: unknown = record;
  for (const key of path.split(".")) {
    if (v === null || typeof v !== "object" || Array.isArray(v)) return undefined;
    v = (v as Record<string, unknown>)[key];
  }
  return v;
}

/** A field's value as the texts rules compare: a list for arrays, `(missing)` when absent. */
function texts(v: unknown): string[] {
  if (Array.isArray(v)) {
    const all = v.flatMap((x) => texts(x)).filter((x) => x !== MISSING_VALUE);
    return all.length ? all : [MISSING_VALUE];
  }
  if (v === null || v === undefined || v === "") return [MISSING_VALUE];
  if (typeof v === "object") return [JSON.stringify(v)];
  return [String(v)];
}

/**
 * The first rule of `rules` that does not keep the record, or null when every rule keeps it
 * — pure. `lookup` reads a field of the record. An `in` rule keeps a record when any of its
 * values is listed; a `not_in` rule when none is.
 */
export function filterRecord(rules: readonly FilterRule[], lookup: (field: string) => unknown): FilterHit | null {
  for (const rule of rules) {
    const values = texts(lookup(rule.field));
    const listed = values.some((v) => rule.values.includes(v));
    const keep = rule.operator === "in" ? listed : !listed;
    if (!keep) {
      const value = (rule.operator === "in" ? values : values.filter((v) => rule.values.includes(v))).join(",").slice(0, 200);
      return { rule: rule.id, field: rule.field, value };
    }
  }
  return null;
}

/** The alert text for a value a rule drops for the first time, in zh-CN and English. */
export function newFilteredValueMessage(connectorName: string, hit: FilterHit): string {
  return (
    `连接器「${connectorName}」的过滤规则 ${hit.rule}（${hit.field}）开始过滤新的值 ${hit.value}：这些订单不会同步，请确认规则是否正确 / ` +
    `Connector "${connectorName}": filter rule ${hit.rule} (${hit.field}) started dropping a new value ${hit.value}; those orders are not synced — check the rule`
  );
}
