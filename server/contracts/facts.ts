import { z } from "zod";
import { PRECEDENCE_FACT_NAMES, SOURCE_CLASSES } from "../domain/workflow/sourcePrecedence.js";

/** A class of source: carrier tracking, the shop platform, the ERP/WMS, a person, or other. */
export const SourceClassSchema = z.enum(SOURCE_CLASSES, { error: `must be one of: ${SOURCE_CLASSES.join(", ")}` });

const ClassList = z
  .array(SourceClassSchema)
  .min(1, "must list at least one source class")
  .max(SOURCE_CLASSES.length)
  .refine((l) => new Set(l).size === l.length, "must not list a source class twice");

/**
 * A workspace's source precedence: per fact, the source classes best first (unlisted classes
 * rank after the listed ones), and the tolerance in minutes beyond which two sources'
 * disagreeing times freeze the order's flow and open a task.
 */
export const FactPrecedencePolicy = z
  .strictObject({
    facts: z.strictObject(Object.fromEntries(PRECEDENCE_FACT_NAMES.map((f) => [f, ClassList])) as Record<(typeof PRECEDENCE_FACT_NAMES)[number], typeof ClassList>),
    toleranceMinutes: z.int({ error: "must be a whole number of minutes" }).min(0, "must not be negative").max(10_080, "must be at most 10080 (7 days)"),
  })
  .meta({ id: "FactPrecedencePolicy" });
export type FactPrecedencePolicy = z.infer<typeof FactPrecedencePolicy>;

/** `GET/PUT /api/fact-precedence` answer. */
export const FactPrecedenceResponse = z
  .object({ policy: FactPrecedencePolicy, custom: z.boolean().describe("Set by the workspace (false: the shipped default)") })
  .meta({ id: "FactPrecedence" });

const Claim = z.object({ value: z.string(), source: z.string(), class: z.string() });

/** A disagreement between two sources about one fact of an order, and how it was settled. */
export const FactDisputeView = z
  .object({
    id: z.string(),
    orderId: z.string(),
    fact: z.string(),
    kept: Claim,
    lost: Claim.describe("The value not taken (the loser), kept for audit"),
    winner: z.enum(["current", "incoming"]),
    diffMinutes: z.number().int().nullable(),
    frozen: z.boolean().describe("Beyond the tolerance: the order's facts are held until a person resolves it"),
    sourceEventId: z.string(),
    at: z.string(),
    resolvedAt: z.string().nullable(),
    resolvedBy: z.string().nullable(),
  })
  .meta({ id: "FactDispute" });
export type FactDisputeView = z.infer<typeof FactDisputeView>;

export const FactDisputesResponse = z.object({ disputes: z.array(FactDisputeView) }).meta({ id: "FactDisputes" });

/** `:id` of an order. */
export const FactOrderParams = z.strictObject({ id: z.string().min(1).max(64) });

/** `POST /api/orders/:id/fact-disputes/resolve` body. */
export const ResolveFactDisputeRequest = z
  .strictObject({ note: z.string().max(2000, "must be at most 2000 characters").optional().describe("What the person checked (e.g. the waybill photo), for the record") })
  .meta({ id: "ResolveFactDisputeRequest" });

/** `POST /api/orders/:id/fact-disputes/resolve` answer: the order's flow resumes and its held facts are replayed. */
export const ResolveFactDisputeResponse = z
  .object({
    orderId: z.string(),
    resolved: z.number().int().describe("Frozen disputes marked resolved"),
    replayed: z.number().int(),
    counts: z.record(z.string(), z.number().int()).describe("Outcomes of the replayed events"),
  })
  .meta({ id: "ResolveFactDisputeResult" });
