import { z } from "zod";
import { IsoDateTime } from "./common.js";

/** The kinds of operation the sensitive-operation log records. */
export const SENSITIVE_ACTIONS = [
  "export",
  "workflow.publish",
  "rule.change",
  "connector.change",
  "audit.verify",
  "pii.unmasked_read",
  "token.issue",
  "token.revoke",
  "token.rotate",
  "user.disable",
  "user.enable",
  "user.change",
  "access.policy_change",
] as const;
export const SensitiveAction = z.enum(SENSITIVE_ACTIONS);
export type SensitiveAction = z.infer<typeof SensitiveAction>;

/** The most entries one page of the log holds. */
export const MAX_SENSITIVE_LOG_PAGE = 500;

/** `action=export,token.issue`: one action or several, comma separated. */
const ActionList = z
  .string()
  .max(1000)
  .transform((text, ctx) => {
    const names = text.split(",").map((s) => s.trim()).filter(Boolean);
    const unknown = names.filter((n) => !(SENSITIVE_ACTIONS as readonly string[]).includes(n));
    if (names.length === 0 || unknown.length) {
      ctx.addIssue({ code: "custom", message: `must be one or more of ${SENSITIVE_ACTIONS.join(", ")}, comma separated${unknown.length ? `; unknown: ${unknown.slice(0, 3).join(", ")}` : ""}` });
      return z.NEVER;
    }
    return [...new Set(names)] as SensitiveAction[];
  });

/** `GET /api/access/log` query: filters and a cursor; newest first. */
export const SensitiveLogQuery = z
  .object({
    action: ActionList.optional().describe(`Only these actions, comma separated: ${SENSITIVE_ACTIONS.join(", ")}`),
    actor: z.string().min(1).max(64).optional().describe("Only operations done by this user"),
    from: IsoDateTime.optional().describe("Only operations at or after this instant"),
    to: IsoDateTime.optional().describe("Only operations before this instant"),
    cursor: z.string().regex(/^\d{1,18}$/, "must be the nextCursor of an earlier page").optional().describe("nextCursor of the page before"),
    limit: z.coerce.number().int().min(1).max(MAX_SENSITIVE_LOG_PAGE).default(100),
  })
  .strict()
  .refine((q) => q.from === undefined || q.to === undefined || Date.parse(q.from) < Date.parse(q.to), { path: ["to"], message: "must be later than from" });
export type SensitiveLogQuery = z.infer<typeof SensitiveLogQuery>;

/** One entry of the sensitive-operation log. */
export const SensitiveLogEntry = z
  .object({
    seq: z.string().describe("Position in the log (later entries have larger ones)"),
    at: z.string(),
    actor: z.string().describe("User name of who did it"),
    tokenId: z.string().nullable(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    action: SensitiveAction,
    target: z.string().describe("What it was done to: an order ID, a user name, a workflow version, a channel …"),
    detail: z.record(z.string(), z.unknown()).describe("Small, non-personal facts: counts, versions, roles, IDs"),
  })
  .meta({ id: "SensitiveOperation" });
export type SensitiveLogEntry = z.infer<typeof SensitiveLogEntry>;

/** `GET /api/access/log` response: newest first; `nextCursor` pages on to older entries. */
export const SensitiveLogResponse = z
  .object({ entries: z.array(SensitiveLogEntry), nextCursor: z.string().nullable() })
  .meta({ id: "SensitiveOperationPage" });
export type SensitiveLogResponse = z.infer<typeof SensitiveLogResponse>;
