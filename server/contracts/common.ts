import { z } from "zod";

/** The JSON body of every error response. */
export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe("Machine-readable error kind, e.g. invalid_input, conflict"),
      message: z.string().describe("A sentence a person can act on"),
      details: z.unknown().optional(),
    }),
  })
  .meta({ id: "Error" });
export type ErrorBody = z.infer<typeof ErrorBody>;

/** Earliest and latest instants the server stores: PostgreSQL refuses year 0, and no order lives outside these. */
const EARLIEST = Date.UTC(1900, 0, 1);
const LATEST = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

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
