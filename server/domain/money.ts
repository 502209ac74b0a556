import { InputError } from "./errors.js";

/** Minor-unit exponents for the currencies order teams meet; anything else uses 2. */
const MINOR_DIGITS: Record<string, number> = {
  CNY: 2, USD: 2, EUR: 2, GBP: 2, HKD: 2, TWD: 2, SGD: 2, MYR: 2, THB: 2, AUD: 2, CAD: 2,
  JPY: 0, KRW: 0, VND: 0, IDR: 2, PHP: 2,
  KWD: 3, BHD: 3,
};

/** Number of decimal places the currency's minor unit has (CNY → 2, JPY → 0). */
export function minorDigits(currency: string): number {
  return MINOR_DIGITS[currency.toUpperCase()] ?? 2;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

/**
 * Converts a decimal amount in major units ("19.99", 19.99) to exact integer minor
 * units (1999) by string arithmetic, never float multiplication. Refuses more decimals
 * than the currency has, exponent notation and amounts beyond the safe integer range.
 */
export function toMinorUnits(amount: string | number, currency: string): number {
  const digits = minorDigits(currency);
  let text: string;
  if (typeof amount === "number") {
    if (!Number.isFinite(amount)) throw new InputError(`amount ${amount} is not a finite number`);
    text = String(amount);
  } else {
    text = amount.trim().replace(/,/g, "");
  }
  const m = DECIMAL.exec(text);
  if (!m) throw new InputError(`amount "${amount}" is not a decimal number like 19.99`);
  const [, sign, whole, fraction = ""] = m;
  const trimmed = fraction.replace(/0+$/, "");
  if (trimmed.length > digits) {
    throw new InputError(`amount "${amount}" has more than ${digits} decimal place(s) for ${currency}`);
  }
  const minorText = whole + fraction.padEnd(digits, "0").slice(0, digits);
  const minor = Number(minorText);
  if (!Number.isSafeInteger(minor)) throw new InputError(`amount "${amount}" is too large`);
  return sign ? -minor : minor;
}

/** Formats integer minor units as a decimal string in major units (1999 → "19.99"). */
export function formatMinorUnits(minor: number, currency: string): string {
  if (!Number.isSafeInteger(minor)) throw new InputError(`minor amount ${minor} is not a safe integer`);
  const digits = minorDigits(currency);
  const negative = minor < 0;
  const abs = String(Math.abs(minor));
  if (digits === 0) return (negative ? "-" : "") + abs;
  const padded = abs.padStart(digits + 1, "0");
  return `${negative ? "-" : ""}${padded.slice(0, -digits)}.${padded.slice(-digits)}`;
}
