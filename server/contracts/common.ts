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

/** An ISO-8601 instant with an explicit offset or Z. */
export const IsoDateTime = z.iso.datetime({ offset: true });

/** A decimal amount in major units, as a string ("19.99") or a JSON number (19.99). */
export const DecimalAmount = z.union([
  z.string().regex(/^-?\d{1,15}(\.\d{1,6})?$/, "must be a decimal like 19.99"),
  z.number().finite(),
]);

/** ISO 4217 currency code. */
export const Currency = z.string().regex(/^[A-Z]{3}$/, "must be a 3-letter ISO currency code like CNY");
