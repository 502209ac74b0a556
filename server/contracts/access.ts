import { z } from "zod";
import { EDITABLE_COLUMN_NAMES, type EditableColumn } from "./edits.js";
import { ListOrdersQuery } from "./orders.js";
import { isReadOnlyRole, Role } from "./roles.js";

/**
 * What one role may do with order columns: which columns it may edit from the sheet or the
 * API, whether it sees customers' personal data (name, phone, address) unmasked, and whether
 * it may export orders. Kept per workspace as data (`access_policies`), changed by admins.
 */
export const RolePolicy = z
  .object({
    editableColumns: z
      .array(z.enum(EDITABLE_COLUMN_NAMES))
      .max(EDITABLE_COLUMN_NAMES.length)
      .refine((cols) => new Set(cols).size === cols.length, "must name each column once")
      .describe("Order columns this role may edit (status edits also need the workflow's transition roles)"),
    unmaskedPii: z.boolean().describe("Sees customer name, phone and address unmasked (each such read is logged)"),
    mayExport: z.boolean().describe("May export orders as CSV or Excel"),
  })
  .strict();
export type RolePolicy = z.infer<typeof RolePolicy>;

/** The whole policy: one entry for every role. */
export const AccessPolicy = z
  .object({ roles: z.object(Object.fromEntries(Role.options.map((r) => [r, RolePolicy])) as Record<Role, typeof RolePolicy>).strict() })
  .strict()
  .superRefine((p, ctx) => {
    for (const role of Role.options) {
      const rp = p.roles[role];
      if (rp && isReadOnlyRole(role) && rp.editableColumns.length > 0) {
        ctx.addIssue({ code: "custom", path: ["roles", role, "editableColumns"], message: `${role} is a read-only role and may edit no column` });
      }
    }
  })
  .meta({ id: "AccessPolicy" });
export type AccessPolicy = z.infer<typeof AccessPolicy>;

/** `GET/PUT /api/access/policy` answer: the policy with who changed it last and when. */
export const AccessPolicyResponse = z
  .object({
    policy: AccessPolicy,
    updatedAt: z.string().nullable().describe("null while the workspace runs on the defaults"),
    updatedBy: z.string().nullable(),
  })
  .meta({ id: "AccessPolicyState" });
export type AccessPolicyResponse = z.infer<typeof AccessPolicyResponse>;

const ALL_COLUMNS: EditableColumn[] = [...EDITABLE_COLUMN_NAMES];

/**
 * The defaults a workspace starts on, after the seeds' six role templates (plus the
 * supervisor): 客服专员 works with customers (unmasked, no export); 仓储主管 ships (masked:
 * no customer phone); 市场经理 analyses without personal data (read-only, masked export);
 * 财务会计 exports settlements but changes no price (masked); 系统管理员 everything;
 * 外部审计员 reads and exports, masked.
 */
export const DEFAULT_ACCESS_POLICY: AccessPolicy = {
  roles: {
    admin: { editableColumns: ALL_COLUMNS, unmaskedPii: true, mayExport: true },
    supervisor: { editableColumns: ALL_COLUMNS, unmaskedPii: true, mayExport: true },
    customer_service: { editableColumns: ["status", "region", "tags", "remark"], unmaskedPii: true, mayExport: false },
    warehouse: { editableColumns: ["status", "warehouse", "carrier", "waybillNo", "remark"], unmaskedPii: false, mayExport: false },
    finance: { editableColumns: ["status", "remark"], unmaskedPii: false, mayExport: true },
    marketing: { editableColumns: [], unmaskedPii: false, mayExport: true },
    auditor: { editableColumns: [], unmaskedPii: false, mayExport: true },
  },
};

/** Role names as staff know them, for messages. */
export const ROLE_LABELS: Record<Role, { "zh-CN": string; en: string }> = {
  admin: { "zh-CN": "系统管理员", en: "admin" },
  supervisor: { "zh-CN": "主管", en: "supervisor" },
  customer_service: { "zh-CN": "客服专员", en: "customer service" },
  warehouse: { "zh-CN": "仓储主管", en: "warehouse" },
  finance: { "zh-CN": "财务会计", en: "finance" },
  marketing: { "zh-CN": "市场经理", en: "marketing" },
  auditor: { "zh-CN": "外部审计员", en: "auditor" },
};

/** Editable column names as the sheet shows them, for messages. */
export const COLUMN_LABELS: Record<EditableColumn, { "zh-CN": string; en: string }> = {
  status: { "zh-CN": "状态", en: "status" },
  region: { "zh-CN": "地区", en: "region" },
  warehouse: { "zh-CN": "仓库", en: "warehouse" },
  carrier: { "zh-CN": "承运商", en: "carrier" },
  waybillNo: { "zh-CN": "运单号", en: "waybill no." },
  tags: { "zh-CN": "标签", en: "tags" },
  remark: { "zh-CN": "备注", en: "remark" },
};

/** `GET /api/orders/export` query: the order list's filters plus the file format and header language. */
export const ExportOrdersQuery = ListOrdersQuery.omit({ limit: true, cursor: true, lines: true })
  .extend({
    format: z.enum(["csv", "xlsx"]).default("xlsx"),
    lang: z.enum(["zh-CN", "en"]).default("zh-CN").describe("Language of the header row (zh-CN unless asked)"),
  })
  .strict();
export type ExportOrdersQuery = z.infer<typeof ExportOrdersQuery>;
