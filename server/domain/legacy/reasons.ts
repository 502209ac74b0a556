/**
 * Every reason the legacy-sheet import gives, in zh-CN and English, worded from codes and
 * parameters (`{row}`, `{value}` …), so clients can show either language or their own.
 */

/** A reason as data: a catalogue code and its parameters. */
export interface Reason {
  code: string;
  params?: Record<string, string | number>;
}

/** A reason with its words. */
export interface WordedReason extends Reason {
  en: string;
  "zh-CN": string;
}

const WORDS: Record<string, { en: string; "zh-CN": string }> = {
  ready: { en: "ready to import with status {state}", "zh-CN": "可导入，状态为 {state}" },
  imported: { en: "imported as {id} with status {state}", "zh-CN": "已导入为 {id}，状态为 {state}" },
  imported_status_differs: { en: "imported as {id}; the workflow reached {reached}, not {state}: set the status by hand", "zh-CN": "已导入为 {id}；流程只到达 {reached}，未到 {state}，请手动设置状态" },
  imported_moved_on: { en: "imported as {id} with status {state}, which the workflow moved on to {reached} by itself", "zh-CN": "已导入为 {id}，状态 {state}，流程已自动转到 {reached}" },
  already_imported: { en: "already imported as {id}; nothing changed", "zh-CN": "已导入过（{id}），未作改动" },
  blank_row: { en: "blank row", "zh-CN": "空行" },
  total_row: { en: "total row ({value})", "zh-CN": "合计行（{value}）" },
  repeated_header: { en: "repeated header row", "zh-CN": "重复的表头行" },
  note_row: { en: "a note, not an order ({value})", "zh-CN": "说明文字，不是订单（{value}）" },
  duplicate_row: { en: "same as row {of}", "zh-CN": "与第 {of} 行重复" },
  conflicting_duplicate: { en: "order {value} is also on row {of} with other values: keep one", "zh-CN": "订单 {value} 在第 {of} 行也有，但内容不同：请选择保留哪一行" },
  order_id_missing: { en: "no order number", "zh-CN": "缺少订单号" },
  id_missing: { en: "no order number", "zh-CN": "缺少订单号" },
  id_precision_lost: { en: "order number {value} lost its last digits in Excel (a number longer than 15 digits): type it as text", "zh-CN": "订单号 {value} 在 Excel 中丢失了末尾数字（超过 15 位的数字）：请以文本格式填写" },
  id_invalid: { en: "order number {value}… is longer than 100 characters", "zh-CN": "订单号 {value}… 超过 100 个字符" },
  channel_missing: { en: "no platform: add a 平台 column or choose a default platform", "zh-CN": "缺少平台：请增加“平台”列或选择默认平台" },
  channel_unknown: { en: "unknown platform {value}", "zh-CN": "无法识别的平台 {value}" },
  money_missing: { en: "no amount", "zh-CN": "缺少金额" },
  money_invalid: { en: "amount {value} is not money", "zh-CN": "金额 {value} 无法识别" },
  money_negative: { en: "amount {value} is negative", "zh-CN": "金额 {value} 为负数" },
  money_too_precise: { en: "amount {value} has more than two decimals", "zh-CN": "金额 {value} 超过两位小数" },
  date_invalid: { en: "date {value} cannot be read", "zh-CN": "无法识别日期 {value}" },
  date_missing: { en: "no order date", "zh-CN": "缺少下单时间" },
  year_inferred: { en: "date {value} has no year: {year} assumed", "zh-CN": "日期 {value} 未写年份，按 {year} 年处理" },
  status_unknown: { en: "status {value} is not in the phrase table{suggest}", "zh-CN": "状态“{value}”不在状态词表中{suggest}" },
  status_not_in_workflow: { en: "status {value} has no state in this workflow{suggest}", "zh-CN": "状态“{value}”在当前流程中没有对应状态{suggest}" },
  status_missing: { en: "no status: imported as {state}", "zh-CN": "未填状态：按 {state} 导入" },
  quantity_invalid: { en: "quantity {value} is not a whole number", "zh-CN": "数量 {value} 不是正整数" },
  quantity_missing: { en: "no quantity: 1 assumed", "zh-CN": "未填数量：按 1 件处理" },
  phone_invalid: { en: "phone {value} is not a phone number; kept as typed", "zh-CN": "电话 {value} 格式不对，按原样保留" },
  order_invalid: { en: "the order cannot be imported: {value}", "zh-CN": "该订单无法导入：{value}" },
  carrier_unknown: { en: "carrier {value} not recognised; kept as typed", "zh-CN": "无法识别快递公司 {value}，按原样保留" },
};

const SUGGEST = { en: " (closest: {list})", "zh-CN": "（最接近：{list}）" };

function fill(template: string, params: Record<string, string | number> = {}): string {
  return template.replace(/\{(\w+)\}/g, (_, k: string) => (params[k] === undefined ? `{${k}}` : String(params[k])));
}

/** Words a reason in both languages; `params.suggest` (a list of states) is worded in each language's way. */
export function word(reason: Reason): WordedReason {
  const w = WORDS[reason.code] ?? { en: reason.code, "zh-CN": reason.code };
  const params = { ...(reason.params ?? {}) };
  const list = params.suggest;
  const en = fill(w.en, { ...params, suggest: list ? fill(SUGGEST.en, { list }) : "" });
  const zh = fill(w["zh-CN"], { ...params, suggest: list ? fill(SUGGEST["zh-CN"], { list }) : "" });
  return { ...reason, en, "zh-CN": zh };
}

/** The codes of the catalogue (for tests and clients). */
export const REASON_CODES = Object.keys(WORDS);
