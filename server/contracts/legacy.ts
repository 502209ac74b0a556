import { z } from "zod";
import { LEGACY_FIELDS } from "../domain/legacy/headers.js";
import { ChannelName } from "./orders.js";

/** A reason as code, parameters and words in both languages. */
export const LegacyReason = z.object({
  code: z.string().describe("Catalogue code, e.g. total_row, money_invalid, status_unknown"),
  params: z.record(z.string(), z.union([z.string(), z.number()])).optional(),
  en: z.string(),
  "zh-CN": z.string(),
});

/** `POST /api/legacy/imports` query. */
export const LegacyImportQuery = z
  .object({
    dryRun: z
      .enum(["1", "0", "true", "false"], { error: 'must be 1 or 0 (true or false)' })
      .optional()
      .describe("1: only plan, nothing written but the run's record"),
    sheet: z.string().min(1).max(100).optional().describe("The worksheet to read (by name); default: the one that looks most like an order sheet"),
    defaultChannel: ChannelName.optional().describe("The platform of rows whose platform cell is empty (or of sheets without a 平台 column)"),
  })
  .strict();

/** One column's meaning. */
export const LegacyColumn = z.object({
  column: z.number().int(),
  header: z.string(),
  field: z.enum(LEGACY_FIELDS).nullable(),
  confidence: z.number(),
  hidden: z.boolean(),
});

/** One row's outcome. */
export const LegacyRow = z.object({
  row: z.number().int().describe("The sheet's 1-based row number"),
  outcome: z.enum(["import", "skip", "decide"]),
  reason: z.string().describe("Why, in English"),
  reasonZh: z.string().describe("Why, in Chinese"),
  why: LegacyReason,
  notes: z.array(LegacyReason),
  order: z.record(z.string(), z.unknown()).optional().describe("The fields POST /api/orders takes, plus status: the state code the order is to have"),
  suggestions: z.array(z.object({ state: z.string(), score: z.number() })).optional(),
  orderId: z.string().optional().describe("After an import: the order's ID"),
});

/** `POST /api/legacy/imports` response. */
export const LegacyImportResponse = z
  .object({
    runId: z.string(),
    dryRun: z.boolean(),
    sheet: z.string(),
    sheets: z.array(z.string()),
    headerRow: z.number().int(),
    fingerprint: z.string().describe("Of the header row: PUT /api/legacy/mappings/{fingerprint} confirms the mapping for this workbook"),
    mapping: z.array(LegacyColumn),
    mappingConfirmed: z.boolean(),
    hiddenColumns: z.array(z.number().int()),
    counts: z.record(z.string(), z.number().int()),
    unknownStatuses: z.array(z.object({ phrase: z.string(), rows: z.array(z.number().int()), suggestions: z.array(z.object({ state: z.string(), score: z.number() })) })),
    rows: z.array(LegacyRow),
  })
  .meta({ id: "LegacyImport" });

/** `:fingerprint` path parameter. */
export const FingerprintParams = z.object({ fingerprint: z.string().regex(/^[0-9a-f]{32}$/, "must be the fingerprint a dry run answered") }).strict();

/** `PUT /api/legacy/mappings/:fingerprint` body: the mapping a person confirmed. */
export const ConfirmMappingRequest = z
  .object({
    sheet: z.string().min(1).max(100),
    headerRow: z.number().int().min(1).max(1000),
    mapping: z
      .record(z.string().max(200), z.enum(LEGACY_FIELDS).nullable())
      .refine((m) => Object.keys(m).length <= 200, "must have at most 200 columns")
      .describe("Header text → order field (null: not imported)"),
  })
  .strict()
  .meta({ id: "ConfirmLegacyMapping" });

/** A confirmed mapping. */
export const ConfirmedMappingView = z
  .object({ fingerprint: z.string(), sheet: z.string(), headerRow: z.number().int(), mapping: z.record(z.string(), z.string().nullable()), confirmedBy: z.string(), confirmedAt: z.string() })
  .meta({ id: "LegacyMapping" });

/** The phrase table as in effect. */
export const StatusPhrasesResponse = z
  .object({
    workflow: z.string(),
    phrases: z.array(z.object({ phrase: z.string(), state: z.string().nullable(), source: z.enum(["workspace", "workflow", "default"]), stage: z.string().optional() })),
  })
  .meta({ id: "LegacyStatusPhrases" });

/** `POST /api/legacy/status-phrases` body. */
export const AddStatusPhrasesRequest = z
  .object({
    phrases: z
      .array(z.object({ phrase: z.string().trim().min(1, "must not be empty").max(100), state: z.string().min(1).max(64).describe("A state code (or its name) of the workspace's workflow") }).strict())
      .min(1)
      .max(500),
  })
  .strict()
  .meta({ id: "AddLegacyStatusPhrases" });

/** A kept run. */
export const LegacyRunView = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  dryRun: z.boolean(),
  outcome: z.enum(["planned", "imported", "failed"]),
  mediaType: z.string(),
  sheet: z.string().nullable(),
  fingerprint: z.string().nullable(),
  headerRow: z.number().int().nullable(),
  bytes: z.number().int(),
  counts: z.record(z.string(), z.number()),
  error: z.string().nullable(),
});

/** `GET /api/legacy/imports` query and response. */
export const LegacyRunsQuery = z.object({ limit: z.coerce.number().int().min(1).max(200).default(50) }).strict();
export const LegacyRunsResponse = z.object({ runs: z.array(LegacyRunView) }).meta({ id: "LegacyRuns" });

/** `:id` of a run. */
export const LegacyRunParams = z.object({ id: z.string().uuid("must be a run id") }).strict();

/** `GET /api/legacy/imports/:id` response. */
export const LegacyRunDetail = z
  .object({
    run: LegacyRunView.extend({ hasUpload: z.boolean().describe("The upload is kept (failed runs): GET …/upload") }),
    rows: z.array(z.object({ row: z.number().int(), outcome: z.string(), code: z.string(), reason: z.string(), reasonZh: z.string(), orderId: z.string().nullable(), detail: z.record(z.string(), z.unknown()) })),
  })
  .meta({ id: "LegacyRun" });
