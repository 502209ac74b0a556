import { z } from "zod";
import type { Role } from "./roles.js";
import { LocalizedText, RefusalParams } from "./refusals.js";

/**
 * Columns of an order that staff may edit from the sheet, and who may edit them.
 * `status` edits become workflow commands (the workflow's own roles apply on top).
 */
export const EDITABLE_COLUMNS = {
  status: { roles: ["admin", "supervisor", "customer_service", "warehouse", "finance"], type: "status" },
  region: { roles: ["admin", "supervisor", "customer_service"], type: "text" },
  warehouse: { roles: ["admin", "supervisor", "warehouse"], type: "text" },
  carrier: { roles: ["admin", "supervisor", "warehouse"], type: "text" },
  waybillNo: { roles: ["admin", "supervisor", "warehouse"], type: "text" },
  tags: { roles: ["admin", "supervisor", "customer_service"], type: "tags" },
  remark: { roles: ["admin", "supervisor", "customer_service", "warehouse", "finance"], type: "text" },
} as const satisfies Record<string, { roles: readonly Role[]; type: "status" | "text" | "tags" }>;

/** A column name that may be edited. */
export type EditableColumn = keyof typeof EDITABLE_COLUMNS;

/** Names of the editable columns, for schemas. */
export const EDITABLE_COLUMN_NAMES = Object.keys(EDITABLE_COLUMNS) as [EditableColumn, ...EditableColumn[]];

/** One cell edit from the sheet. `clientEditId` makes a resend harmless. */
export const CellEdit = z
  .object({
    clientEditId: z.string().min(1).max(100),
    orderId: z.string().min(1).max(40),
    column: z.enum(EDITABLE_COLUMN_NAMES),
    baseVersion: z.number().int().min(1).describe("The order version the user saw when editing"),
    value: z.union([z.string().max(2000), z.number(), z.boolean(), z.null()]).describe("For status: the state code"),
  })
  .strict();
export type CellEdit = z.infer<typeof CellEdit>;

/** `POST /api/edits` body. */
export const EditsRequest = z
  .object({ edits: z.array(CellEdit).min(1).max(1000) })
  .strict()
  .meta({ id: "EditsRequest" });
export type EditsRequest = z.infer<typeof EditsRequest>;

const base = { clientEditId: z.string(), orderId: z.string(), column: z.string() };

/** The worded-anywhere form of a conflict's or refusal's reason (see contracts/refusals.ts). */
const why = {
  code: z.string().optional().describe("Stable refusal code, e.g. guard_failed, role_not_allowed, edit_conflict (always sent by this server)"),
  params: RefusalParams.optional().describe("Parameters of `code`; state and role names come worded in both languages"),
  messages: LocalizedText.optional().describe("`reason` in zh-CN and English"),
};

/** Per-edit answer: saved, conflict (someone changed it first) or refused (with why). */
export const EditResult = z.discriminatedUnion("outcome", [
  z.object({ ...base, outcome: z.literal("saved"), version: z.number().int(), value: z.unknown() }),
  z.object({
    ...base,
    outcome: z.literal("conflict"),
    currentValue: z.unknown(),
    currentVersion: z.number().int(),
    changedBy: z.string().nullable(),
    changedAt: z.string().nullable(),
    reason: z.string(),
    ...why,
  }),
  z.object({
    ...base,
    outcome: z.literal("refused"),
    reason: z.string(),
    ...why,
    currentValue: z.unknown(),
    currentVersion: z.number().int().nullable(),
    allowed: z.array(z.string()).optional().describe("For status: the statuses the order may move to"),
  }),
]);
export type EditResult = z.infer<typeof EditResult>;

/** `POST /api/edits` response, one result per edit in request order. */
export const EditsResponse = z.object({ results: z.array(EditResult) }).meta({ id: "EditsResponse" });
export type EditsResponse = z.infer<typeof EditsResponse>;
