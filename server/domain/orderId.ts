import { InputError } from "./errors.js";

/** `{CHANNEL}{YYYYMMDD}-{NNNNN}`; the sequence widens past 99999 rather than wrapping. */
export const ORDER_ID_PATTERN = /^([A-Z]{2,4})(\d{8})-(\d{5,})$/;

// Building an Intl.DateTimeFormat costs far more than using one; keep one per zone.
const dayFormats = new Map<string, Intl.DateTimeFormat>();

/** The calendar day (YYYYMMDD) of an instant in the given IANA time zone. */
export function dayInZone(at: Date, timeZone: string): string {
  let format = dayFormats.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" });
    dayFormats.set(timeZone, format);
  }
  const parts = format.formatToParts(at);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${get("year")}${get("month")}${get("day")}`;
}

/** Builds an order ID from its parts (`TM`, `20260115`, 892 → `TM20260115-00892`). */
export function formatOrderId(code: string, day: string, sequence: number): string {
  if (!/^[A-Z]{2,4}$/.test(code)) throw new InputError(`channel code "${code}" must be 2–4 capital letters`);
  if (!/^\d{8}$/.test(day)) throw new InputError(`day "${day}" must be YYYYMMDD`);
  if (!Number.isSafeInteger(sequence) || sequence < 1) throw new InputError(`sequence ${sequence} must be a positive integer`);
  return `${code}${day}-${String(sequence).padStart(5, "0")}`;
}

/** Whether a string is a well-formed order ID. */
export function isOrderId(value: string): boolean {
  return ORDER_ID_PATTERN.test(value);
}
