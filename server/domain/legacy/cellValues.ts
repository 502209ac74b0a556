/**
 * Readers of what people actually type into hand-kept sheets: money, dates, phones,
 * quantities, platforms and carriers. Pure functions over plain cell values (string,
 * number, boolean, Date or null, as spreadsheet readers give them); each returns a parsed
 * value or a reason code, never throws. Generic on purpose: the legacy-sheet import uses
 * them, and so can any other file import (connector file drops, statements).
 */
import type { Channel } from "../channels.js";

/** A cell as a reader gives it: text, a number, a boolean, a date (wall-clock in UTC fields) or empty. */
export type CellValue = string | number | boolean | Date | null;

/** A parse that worked, or why it did not (a reason code of the legacy catalogue). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; code: string; params?: Record<string, string | number> };

const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(code: string, params?: Record<string, string | number>): Parsed<T> => ({ ok: false, code, ...(params ? { params } : {}) });

/** Full-width digits, letters and punctuation (０-９, Ａ, ：, ，, ．, －, ／, ＋, space) → ASCII. */
export function toHalfWidth(text: string): string {
  return text.replace(/[\uFF01-\uFF5E]/g, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(/\u3000/g, " ");
}

/** A cell as trimmed text ("" for empty); numbers in their shortest form, dates as ISO. */
export function cellText(value: CellValue): string {
  if (value === null || value === undefined) return "";
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? "" : value.toISOString();
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : "";
  return String(value).replace(/[\u200B-\u200D\uFEFF]/g, "").trim();
}

/** True when the cell holds nothing a person typed (empty, spaces, or a lone dash). */
export function isBlank(value: CellValue): boolean {
  const t = cellText(value);
  return t === "" || /^[-—–/\\]+$/.test(t);
}

// ---------------------------------------------------------------- money

/**
 * Money in integer minor units (fen for CNY): `¥1,234.00`, `1234元`, `￥1234`, `1234.5`,
 * `RMB 88`, `1.2万`, and numbers as Excel stores them (float noise below a hundredth of a
 * fen is rounded away). Refuses negative amounts, more than two decimals, and text that
 * is not money.
 */
export function parseMoney(value: CellValue): Parsed<number> {
  if (value === null || value === undefined || value instanceof Date || typeof value === "boolean") return value instanceof Date ? fail("money_invalid", { value: cellText(value) }) : fail("money_missing");
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return fail("money_invalid", { value: String(value) });
    const fen = Math.round(value * 100);
    if (Math.abs(value * 100 - fen) > 1e-4) return fail("money_too_precise", { value: String(value) });
    if (fen < 0) return fail("money_negative", { value: String(value) });
    if (!Number.isSafeInteger(fen)) return fail("money_invalid", { value: String(value) });
    return ok(fen);
  }
  const raw = cellText(value);
  if (raw === "") return fail("money_missing");
  let t = toHalfWidth(raw).replace(/\s+/g, "");
  t = t.replace(/^(?:RMB|CNY|人民币)/i, "").replace(/(?:RMB|CNY|人民币)$/i, "");
  t = t.replace(/^[¥￥]/, "").replace(/^(?:RMB|CNY)/i, "");
  let scale = 1n;
  if (/万元?$/.test(t)) {
    scale = 10000n;
    t = t.replace(/万元?$/, "");
  } else t = t.replace(/(?:元整?|块钱?|圆)$/, "");
  t = t.replace(/^[¥￥]/, "");
  if (/^-/.test(t)) return fail("money_negative", { value: raw });
  // Thousands separators only between groups of three digits.
  if (/,/.test(t)) {
    if (!/^\d{1,3}(,\d{3})+(\.\d+)?$/.test(t)) return fail("money_invalid", { value: raw });
    t = t.replace(/,/g, "");
  }
  const m = /^(\d{1,13})(?:\.(\d+))?$/.exec(t);
  if (!m) return fail("money_invalid", { value: raw });
  const fraction = (m[2] ?? "").replace(/0+$/, "");
  // Two decimals of yuan, or six of 万 (1万 = 1,000,000 fen): either way whole fen.
  const digits = scale === 1n ? 2 : 6;
  if (fraction.length > digits) return fail("money_too_precise", { value: raw });
  const unit = scale === 1n ? 100n : 1_000_000n;
  const n = Number(BigInt(m[1]) * unit + BigInt(fraction.padEnd(digits, "0")));
  if (!Number.isSafeInteger(n)) return fail("money_invalid", { value: raw });
  return ok(n);
}

/** Integer minor units as a decimal string in yuan (123450 → "1234.50"). */
export function fenToDecimal(fen: number): string {
  const negative = fen < 0;
  const abs = String(Math.abs(fen)).padStart(3, "0");
  return `${negative ? "-" : ""}${abs.slice(0, -2)}.${abs.slice(-2)}`;
}

// ---------------------------------------------------------------- dates

/** A wall-clock moment (no zone). */
export interface WallClock {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** What a date reader needs to know besides the cell. */
export interface DateContext {
  /** The zone wall-clock times are in (the workspace's, e.g. Asia/Shanghai). */
  timeZone: string;
  /** The year for dates typed without one (`1月5日`): the sheet's most common year, else the import's. */
  defaultYear: number;
  /** When the import runs: a yearless date that would fall more than a day after it is taken from the year before. */
  now?: Date;
}

const offsetFormats = new Map<string, Intl.DateTimeFormat>();

const offsetCache = new Map<string, number>();

/** Offset of `timeZone` from UTC at instant `ms`, in ms (zones change offset on the hour or half hour at most: cached per quarter hour). */
function zoneOffset(ms: number, timeZone: string): number {
  const key = `${timeZone}\u0000${Math.floor(ms / 900_000)}`;
  const hit = offsetCache.get(key);
  if (hit !== undefined) return hit;
  const computed = computeOffset(ms, timeZone);
  if (offsetCache.size > 100_000) offsetCache.clear();
  offsetCache.set(key, computed);
  return computed;
}

function computeOffset(ms: number, timeZone: string): number {
  let f = offsetFormats.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" });
    offsetFormats.set(timeZone, f);
  }
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, x.value]));
  const asUtc = Date.UTC(Number(p.year), Number(p.month) - 1, Number(p.day), Number(p.hour) % 24, Number(p.minute), Number(p.second));
  return asUtc - Math.floor(ms / 1000) * 1000;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** The instant a wall-clock time in `timeZone` names (the earlier one in a repeated hour). */
export function wallClockToInstant(w: WallClock, timeZone: string): Date {
  const guess = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  const candidates = [...new Set([guess - zoneOffset(guess, timeZone), guess - zoneOffset(guess - zoneOffset(guess, timeZone), timeZone)])];
  const same = (at: number) => {
    const back = instantToWallClock(new Date(at), timeZone);
    return back.year === w.year && back.month === w.month && back.day === w.day && back.hour === w.hour && back.minute === w.minute;
  };
  const real = candidates.filter(same);
  // A repeated hour (clocks back) is its earlier instant; a skipped one (clocks forward) is read as after the jump.
  if (real.length) return new Date(Math.min(...real));
  const offsets = [guess - 86_400_000, guess + 86_400_000].map((t) => zoneOffset(t, timeZone));
  return new Date(guess - Math.min(...offsets));
}

/** The wall-clock time of an instant in `timeZone`. */
export function instantToWallClock(at: Date, timeZone: string): WallClock {
  const shifted = new Date(at.getTime() + zoneOffset(at.getTime(), timeZone));
  return {
    year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate(),
    hour: shifted.getUTCHours(), minute: shifted.getUTCMinutes(), second: shifted.getUTCSeconds(),
  };
}

function validWallClock(w: WallClock): boolean {
  if (w.year < 1900 || w.year > 9999 || w.month < 1 || w.month > 12 || w.day < 1 || w.hour > 23 || w.minute > 59 || w.second > 59) return false;
  const probe = new Date(Date.UTC(w.year, w.month - 1, w.day));
  return probe.getUTCDate() === w.day && probe.getUTCMonth() === w.month - 1;
}

/** Excel's day serial (1900 system, fraction = time of day) → wall clock; serials below 61 are off by Excel's leap-year bug and refused. */
export function excelSerialToWallClock(serial: number): WallClock | null {
  if (!Number.isFinite(serial) || serial < 61 || serial > 2958465) return null;
  const ms = Math.round((serial - 25569) * 86400) * 1000;
  const d = new Date(ms);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
}

const FULL_DATE = /^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[T\s]*(?:(上午|下午|晚上)\s*)?(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*(?:[:：分]\s*(\d{1,2})?\s*秒?)?)?$/;
const YEARLESS = /^(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?(?:[T\s]*(?:(上午|下午|晚上)\s*)?(\d{1,2})\s*[:：时点]\s*(\d{1,2})?\s*(?:[:：分]\s*(\d{1,2})?\s*秒?)?)?$/;
const COMPACT = /^(\d{4})(\d{2})(\d{2})(?:\s*(\d{2}):?(\d{2})(?::?(\d{2}))?)?$/;

/**
 * The wall-clock time a date cell names, without reading any zone: Excel date cells
 * (readers give them as Dates whose UTC fields are the wall clock) and serials,
 * `2026/1/5 14:30`, `2026-01-05 13:41`, `2026年1月5日`, `20260105`, and yearless
 * `1月5日 19:16` / `1/5 19:16` (year from `ctx`). Instants written with an offset or Z
 * are taken as such. `yearless` says whether the year was inferred.
 */
export function parseWallClock(value: CellValue, ctx: Pick<DateContext, "defaultYear">): Parsed<{ wall: WallClock; yearless: boolean } | { instant: Date }> {
  if (value === null || value === undefined || typeof value === "boolean") return fail("date_missing");
  if (value instanceof Date) {
    if (Number.isNaN(value.getTime())) return fail("date_invalid", { value: "" });
    const d = value;
    const wall = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
    return validWallClock(wall) ? ok({ wall, yearless: false }) : fail("date_invalid", { value: cellText(value) });
  }
  if (typeof value === "number") {
    const wall = excelSerialToWallClock(value);
    return wall ? ok({ wall, yearless: false }) : fail("date_invalid", { value: String(value) });
  }
  const raw = cellText(value);
  if (raw === "") return fail("date_missing");
  const t = toHalfWidth(raw).replace(/\s+/g, " ").trim();
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(t)) {
    const at = new Date(t);
    return Number.isNaN(at.getTime()) ? fail("date_invalid", { value: raw }) : ok({ instant: at });
  }
  if (/^\d+(\.\d+)?$/.test(t) && !COMPACT.test(t)) {
    const wall = excelSerialToWallClock(Number(t));
    return wall ? ok({ wall, yearless: false }) : fail("date_invalid", { value: raw });
  }
  const hour12 = (h: number, meridiem: string | undefined) => (meridiem && meridiem !== "上午" && h < 12 ? h + 12 : h);
  let wall: WallClock | null = null;
  let yearless = false;
  let m = FULL_DATE.exec(t);
  if (m) {
    wall = { year: +m[1], month: +m[2], day: +m[3], hour: m[5] ? hour12(+m[5], m[4]) : 0, minute: m[6] ? +m[6] : 0, second: m[7] ? +m[7] : 0 };
  } else if ((m = COMPACT.exec(t))) {
    wall = { year: +m[1], month: +m[2], day: +m[3], hour: m[4] ? +m[4] : 0, minute: m[5] ? +m[5] : 0, second: m[6] ? +m[6] : 0 };
  } else if ((m = YEARLESS.exec(t))) {
    yearless = true;
    wall = { year: ctx.defaultYear, month: +m[1], day: +m[2], hour: m[4] ? hour12(+m[4], m[3]) : 0, minute: m[5] ? +m[5] : 0, second: m[6] ? +m[6] : 0 };
  }
  if (!wall || !validWallClock(wall)) return fail("date_invalid", { value: raw });
  return ok({ wall, yearless });
}

/**
 * A date cell as an instant: wall-clock times are read in `ctx.timeZone`; a yearless date
 * more than a day after `ctx.now` is taken from the year before (a sheet kept in January
 * that still lists late-December orders).
 */
export function parseDateTime(value: CellValue, ctx: DateContext): Parsed<Date> {
  const r = parseWallClock(value, ctx);
  if (!r.ok) return r;
  if ("instant" in r.value) return ok(r.value.instant);
  const { wall, yearless } = r.value;
  let at = wallClockToInstant(wall, ctx.timeZone);
  if (yearless && ctx.now && at.getTime() > ctx.now.getTime() + 86_400_000) {
    const earlier = { ...wall, year: wall.year - 1 };
    if (validWallClock(earlier)) at = wallClockToInstant(earlier, ctx.timeZone);
  }
  return ok(at);
}

/** The year a date cell names when it names one (for guessing the year of yearless dates). */
export function explicitYear(value: CellValue): number | null {
  const r = parseWallClock(value, { defaultYear: 0 });
  if (!r.ok) return null;
  if ("instant" in r.value) return r.value.instant.getUTCFullYear();
  return r.value.yearless ? null : r.value.wall.year;
}

// ---------------------------------------------------------------- phones

/**
 * A phone number as digits: mainland mobiles (`+86 138-1234-5678`, `0086 13812345678`,
 * `138 1234 5678`) → 11 digits; landlines keep their area code with one dash
 * (`0571-88886666`); an extension after `转`/`ext`/`-` beyond the number is kept after `-`.
 * Refuses text with too few or too many digits.
 */
export function parsePhone(value: CellValue): Parsed<string> {
  if (value === null || value === undefined || value instanceof Date || typeof value === "boolean") return fail("phone_missing");
  const raw = typeof value === "number" ? (Number.isSafeInteger(value) ? String(value) : "") : cellText(value);
  if (raw === "") return fail("phone_missing");
  let t = toHalfWidth(raw).replace(/^'/, "").trim();
  t = t.replace(/^(?:\+|00)\s*86[\s-]*/, "").replace(/^\(\+?86\)\s*/, "");
  const digits = t.replace(/[\s\-().]/g, "");
  if (/^86(1[3-9]\d{9})$/.test(digits)) return ok(digits.slice(2));
  if (/^1[3-9]\d{9}$/.test(digits)) return ok(digits);
  const land = /^(0(?:10|2\d|[3-9]\d{2}))[\s-]?(\d{7,8})(?:(?:转|ext\.?|x|-)(\d{1,6}))?$/i.exec(t.replace(/[()]/g, "").replace(/\s+/g, ""));
  if (land) return ok(`${land[1]}-${land[2]}${land[3] ? `-${land[3]}` : ""}`);
  if (/^\d{7,8}$/.test(digits)) return ok(digits);
  return fail("phone_invalid", { value: raw });
}

// ---------------------------------------------------------------- quantities

const CN_DIGITS: Record<string, number> = { 零: 0, 〇: 0, 一: 1, 二: 2, 两: 2, 三: 3, 四: 4, 五: 5, 六: 6, 七: 7, 八: 8, 九: 9 };

/** Small Chinese numerals (一 … 九十九) → number, or null. */
function chineseNumber(t: string): number | null {
  if (/^[零〇一二两三四五六七八九]$/.test(t)) return CN_DIGITS[t];
  const m = /^([一二两三四五六七八九])?十([一二三四五六七八九])?$/.exec(t);
  if (m) return (m[1] ? CN_DIGITS[m[1]] : 1) * 10 + (m[2] ? CN_DIGITS[m[2]] : 0);
  return null;
}

/** A positive whole quantity: `3`, `3件`, `x3`, `3 pcs`, `三件`, `2套`. */
export function parseQuantity(value: CellValue): Parsed<number> {
  if (value === null || value === undefined || value instanceof Date || typeof value === "boolean") return fail("quantity_missing");
  if (typeof value === "number") return Number.isSafeInteger(value) && value > 0 && value <= 1_000_000 ? ok(value) : fail("quantity_invalid", { value: String(value) });
  const raw = cellText(value);
  if (raw === "") return fail("quantity_missing");
  const t = toHalfWidth(raw).replace(/\s+/g, "").replace(/^[x×*]/i, "").replace(/(?:件|个|套|只|盒|箱|瓶|包|双|台|张|份|支|条|袋|pcs?|pieces?|units?|ea)\.?$/i, "");
  const n = /^\d+$/.test(t) ? Number(t) : chineseNumber(t);
  return n !== null && Number.isSafeInteger(n) && n > 0 && n <= 1_000_000 ? ok(n) : fail("quantity_invalid", { value: raw });
}

// ---------------------------------------------------------------- platforms and carriers

/** How people name the platforms an order came from → channel names (`server/domain/channels.ts`). */
export const CHANNEL_ALIASES: Record<Channel, readonly string[]> = {
  tmall: ["天猫", "天猫商城", "天猫旗舰店", "天猫店", "tmall", "tm", "猫店"],
  taobao: ["淘宝", "淘宝店", "淘宝网", "taobao", "tb", "c店"],
  jd: ["京东", "京东商城", "京东自营", "京东pop", "jd", "jingdong", "jd.com"],
  douyin: ["抖音", "抖音小店", "抖店", "抖音电商", "douyin", "dy", "tiktok"],
  kuaishou: ["快手", "快手小店", "kuaishou", "ks"],
  pinduoduo: ["拼多多", "拼多多店", "多多", "pdd", "pinduoduo"],
  youzan: ["有赞", "有赞商城", "youzan", "yz"],
  xiaohongshu: ["小红书", "小红书店", "红书", "xiaohongshu", "xhs", "red"],
  wechat: ["小程序", "微信小程序", "微信", "微商城", "视频号", "微信小店", "wechat", "weixin", "wx", "mini program"],
  shopify: ["shopify", "独立站"],
  shopee: ["shopee", "虾皮"],
  b2b: ["批发", "企业", "企业客户", "大客户", "b2b", "wholesale"],
  offline: ["线下", "门店", "实体店", "店面", "offline", "store"],
  manual: ["手工", "手工单", "其他", "manual", "other"],
};

const channelIndex = new Map<string, Channel>();
for (const [channel, names] of Object.entries(CHANNEL_ALIASES) as [Channel, readonly string[]][]) {
  channelIndex.set(channel, channel);
  for (const n of names) channelIndex.set(n.toLowerCase(), channel);
}

/** Collapses case, width, spaces and decoration for matching names and phrases. */
export function normaliseWord(text: string): string {
  return toHalfWidth(text).toLowerCase().replace(/[\s_\-·•.。,，、:：;；!！?？"'“”‘’()（）【】\[\]{}<>《》]/g, "");
}

/** The channel a platform cell names (`天猫`, `TM`, `抖音小店`, `拼多多`, `小程序` …); a store name that contains one (`天猫旗舰店A`) counts too. */
export function parseChannel(value: CellValue): Parsed<Channel> {
  const raw = cellText(value);
  if (raw === "") return fail("channel_missing");
  const key = normaliseWord(raw);
  const exact = channelIndex.get(key);
  if (exact) return ok(exact);
  // Longest Chinese alias contained in the text (`天猫-主店`, `抖音小店2号`).
  let best: { channel: Channel; length: number } | null = null;
  for (const [alias, channel] of channelIndex) {
    if (/[\u4e00-\u9fff]/.test(alias) && alias.length >= 2 && key.includes(alias) && (!best || alias.length > best.length)) best = { channel, length: alias.length };
  }
  return best ? ok(best.channel) : fail("channel_unknown", { value: raw });
}

/** Carriers by the names people type → the short codes carriers and Kdniao use. */
export const CARRIER_ALIASES: Record<string, readonly string[]> = {
  SF: ["顺丰", "顺丰速运", "顺丰快递", "sf", "sfexpress", "sf express"],
  ZTO: ["中通", "中通快递", "zto"],
  YTO: ["圆通", "圆通速递", "圆通快递", "yto"],
  STO: ["申通", "申通快递", "sto"],
  YD: ["韵达", "韵达快递", "yd", "yunda"],
  JTSD: ["极兔", "极兔速递", "jt", "j&t", "jtexpress", "jtsd"],
  JD: ["京东快递", "京东物流", "京东", "jd", "jdl"],
  EMS: ["ems", "邮政ems", "中国邮政ems"],
  YZPY: ["邮政", "中国邮政", "邮政包裹", "邮政快递包裹", "yzpy"],
  DBL: ["德邦", "德邦快递", "德邦物流", "dbl", "deppon"],
  HTKY: ["百世", "百世快递", "百世汇通", "汇通", "htky", "best"],
  ZJS: ["宅急送", "zjs"],
  UC: ["优速", "优速快递", "uc"],
  ANE: ["安能", "安能物流", "ane"],
  DNWL: ["丹鸟", "dnwl"],
};

const carrierIndex = new Map<string, string>();
for (const [code, names] of Object.entries(CARRIER_ALIASES)) {
  carrierIndex.set(code.toLowerCase(), code);
  for (const n of names) carrierIndex.set(normaliseWord(n), code);
}

/** A carrier's short code (`顺丰` / `SF` → `SF`); an unknown carrier is refused with its text, which callers may keep as typed. */
export function parseCarrier(value: CellValue): Parsed<string> {
  const raw = cellText(value);
  if (raw === "") return fail("carrier_missing");
  const key = normaliseWord(raw);
  const exact = carrierIndex.get(key);
  if (exact) return ok(exact);
  for (const [alias, code] of carrierIndex) {
    if (/[\u4e00-\u9fff]/.test(alias) && alias.length >= 2 && key.startsWith(alias)) return ok(code);
  }
  return fail("carrier_unknown", { value: raw });
}

/** An identifier typed into a cell (order or waybill number): numbers Excel kept exactly, text trimmed of the tabs, apostrophes and backticks exports add. */
export function parseIdentifier(value: CellValue): Parsed<string> {
  if (value === null || value === undefined || typeof value === "boolean" || value instanceof Date) return fail("id_missing");
  if (typeof value === "number") {
    if (!Number.isSafeInteger(value)) return fail("id_precision_lost", { value: String(value) });
    return ok(String(value));
  }
  const t = toHalfWidth(cellText(value)).replace(/^['`\t]+|[\t`]+$/g, "").trim();
  if (t === "") return fail("id_missing");
  if (/^\d(\.\d+)?e\+\d+$/i.test(t)) return fail("id_precision_lost", { value: t });
  if (t.length > 100) return fail("id_invalid", { value: t.slice(0, 40) });
  return ok(t);
}
