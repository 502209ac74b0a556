import { z } from "zod";
import { LocalizedText, Refusal, RefusalParams } from "./refusals.js";

/** The JSON body of every error response. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe("Machine-readable error kind, e.g. invalid_input, conflict"),
      message: z.string().describe("A sentence a person can act on"),
      params: RefusalParams.optional().describe("The parameters of `code`, to word it with `formatRefusal` (contracts/refusals.ts)"),
      refusal: Refusal.optional().describe("The finer reason, when there is one (e.g. guard_failed with the unmet conditions in words under not_allowed)"),
      messages: LocalizedText.optional().describe("The error worded in zh-CN and English: the `refusal` when there is one, else `code` with `params`"),
      details: z.unknown().optional().describe("invalid_input: { problems: [{ path, message, code, params }] }"),
    }),
  })
  .meta({ id: "Error" });
export type ErrorBody = z.infer<typeof ErrorBody>;

/**
 * Earliest and latest instants the server stores: PostgreSQL refuses year 0, and no order
 * lives outside these. The latest is the last instant still in the year 9999 in every time
 * zone (UTC+14 included), so an order's day in the workspace's zone keeps four digits.
 */
const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 9, 59, 59, 999);

/** An ISO-8601 instant with an explicit offset or Z, between the years 1900 and 9999. */
export function boundedInstant(message = "must be an ISO-8601 date-time with a time zone, e.g. 2026-01-15T08:30:00Z") {
  return z.iso.datetime({ offset: true, error: message }).refine((v) => {
    const t = Date.parse(v);
    return Number.isFinite(t) && t >= EARLIEST && t <= LATEST;
  }, "must be a date between the years 1900 and 9999");
}

/** An ISO-8601 instant with an explicit offset or Z. */
export const IsoDateTime = boundedInstant();

/** A decimal amount in major units, as a string ("19.99") or a JSON number (19.99). */
export const DecimalAmount = z.union([
  z.string().regex(/^-?\d{1,15}(\.\d{1,6})?$/, "must be a decimal like 19.99"),
  z.number().finite(),
]);

/** ISO 4217 currency code. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, "must be a 3-letter ISO currency code like CNY");

/**
 * Why a piece of text cannot be stored, or null when it can. The one rule for every text
 * field (and every key of free-form objects): no NUL character (PostgreSQL text refuses
 * it) and no lone UTF-16 surrogate (it has no UTF-8 form, so one database would refuse
 * it and the other store it altered). The server applies it to every string of every
 * body, path and query; the add-in may use it to refuse such text before sending.
 */
export function unstorableText(text: string): string | null {
  if (text.includes("\u0000")) return "text must not contain the NUL character (\\u0000)";
  if (/(?:[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF])/.test(text)) {
    return "text must not contain a lone UTF-16 surrogate (half of an emoji or other character: send whole characters)";
  }
  return null;
}

/** How deep any request body may nest (objects and arrays), so no walk over it can exhaust the stack. */
export const MAX_BODY_DEPTH = 64;

/** How deep a free-form object (an order's `extra`) may nest, counting the object itself as 1. */
export const MAX_FREE_FORM_DEPTH = 8;

/** How large a free-form object may be, as compact JSON in UTF-8 bytes. */
export const MAX_FREE_FORM_BYTES = 16 * 1024;

/** Nesting depth of a JSON value (a scalar is 0, `{}` is 1), walked without recursion; stops counting past `cap`. */
export function jsonDepth(value: unknown, cap = Number.MAX_SAFE_INTEGER): number {
  let max = 0;
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (v === null || typeof v !== "object") continue;
    const here = d + 1;
    if (here > max) max = here;
    if (max > cap) return max;
    for (const child of Array.isArray(v) ? v : Object.values(v)) stack.push([child, here]);
  }
  return max;
}

/**
 * A free-form JSON object kept as the client sent it (an order's `extra`): at most
 * MAX_FREE_FORM_DEPTH levels deep and MAX_FREE_FORM_BYTES as JSON.
 */
export function freeFormObject() {
  return z.record(z.string(), z.unknown()).superRefine((value, ctx) => {
    if (jsonDepth(value, MAX_FREE_FORM_DEPTH) > MAX_FREE_FORM_DEPTH) {
      ctx.addIssue({ code: "custom", message: `must nest at most ${MAX_FREE_FORM_DEPTH} levels deep` });
      return;
    }
    if (new TextEncoder().encode(JSON.stringify(value)).length > MAX_FREE_FORM_BYTES) {
      ctx.addIssue({ code: "custom", message: `must be at most ${MAX_FREE_FORM_BYTES} bytes as JSON` });
    }
  });
}
