import type { NextFunction, Request, Response } from "express";
import type { Logger } from "pino";
import { z } from "zod";
import {
  ConflictError,
  DomainError,
  ForbiddenError,
  GoneError,
  InputError,
  NotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthorizedError,
  UpstreamError,
} from "../domain/errors.js";
import type { RejectionRecord } from "../domain/rejections/ports.js";
import { refusalMessages, type FieldProblem, type LocalizedText, type RefusalParams } from "../contracts/refusals.js";

const STATUS: [new (...args: never[]) => DomainError, number, string][] = [
  [InputError, 400, "invalid_input"],
  [UnauthorizedError, 401, "unauthorized"],
  [ForbiddenError, 403, "forbidden"],
  [NotFoundError, 404, "not_found"],
  [ConflictError, 409, "conflict"],
  [NotAllowedError, 422, "not_allowed"],
  [GoneError, 410, "gone"],
  [PayloadTooLargeError, 413, "payload_too_large"],
  [UpstreamError, 502, "upstream_error"],
];

/** Whether the value at `path` of `input` is absent (a required field left out). */
function isMissing(input: unknown, path: readonly PropertyKey[]): boolean {
  if (input === undefined) return path.length === 0;
  let v: unknown = input;
  for (const key of path) {
    if (v === null || typeof v !== "object") return false;
    v = (v as Record<PropertyKey, unknown>)[key];
  }
  return v === undefined;
}

/** The refusal code and parameters of one zod issue (`contracts/refusals.ts` words them). */
export function zodIssueRefusal(issue: z.core.$ZodIssue, path: string, missing = false): { code: string; params: RefusalParams } {
  const field = path || "(body)";
  const i = issue as z.core.$ZodIssue & Record<string, unknown>;
  if (missing && (issue.code === "invalid_type" || issue.code === "invalid_value" || issue.code === "invalid_union")) return { code: "field_required", params: { field } };
  switch (issue.code) {
    case "invalid_type":
      return { code: "field_invalid_type", params: { field, expected: String(i.expected) } };
    case "too_small":
      return { code: "field_too_small", params: { field, minimum: Number(i.minimum), origin: String(i.origin ?? "") } };
    case "too_big":
      return { code: "field_too_big", params: { field, maximum: Number(i.maximum), origin: String(i.origin ?? "") } };
    case "invalid_format":
      return i.format === "regex" ? { code: "field_invalid", params: { field, reason: issue.message } } : { code: "field_invalid_format", params: { field, format: String(i.format), reason: issue.message } };
    case "invalid_value":
      return { code: "field_invalid_value", params: { field, values: ((i.values as unknown[]) ?? []).map(String) } };
    case "unrecognized_keys":
      return { code: "field_unrecognized", params: { field, keys: ((i.keys as string[]) ?? []).map((k) => (path ? `${path}.${k}` : k)) } };
    default:
      return { code: "field_invalid", params: { field, reason: issue.message } };
  }
}

/** Gives every field problem a refusal code and parameters (a problem without one: `field_invalid` with its message). */
export function codedProblems(problems: { path: string; message: string; code?: string; params?: RefusalParams }[]): FieldProblem[] {
  return problems.map((p) => (p.code ? { ...p, params: p.params ?? {} } : { ...p, code: "field_invalid", params: { field: p.path || "(body)", reason: p.message } }));
}

/** Turns zod issues into one readable sentence plus per-field details. */
export function describeZodError(err: z.ZodError, where: string, input?: unknown): InputError {
  const problems = err.issues.map((i) => {
    const path = i.path.join(".");
    return { path, message: i.message, ...zodIssueRefusal(i, path, isMissing(input, i.path)) };
  });
  const first = problems
    .slice(0, 5)
    .map((p) => (p.path ? `${p.path}: ${p.message}` : p.message))
    .join("; ");
  const more = problems.length > 5 ? ` (and ${problems.length - 5} more)` : "";
  return new InputError(`invalid ${where}: ${first}${more}`, { problems });
}

/**
 * The one error handler: maps typed errors to statuses and a JSON body, keeps refused
 * input for admins, and logs anything unexpected as a bug (500).
 */
export function errorHandler(logger: Logger, keepRejected: (r: RejectionRecord) => Promise<void>) {
  return function handleError(err: unknown, req: Request, res: Response, _next: NextFunction): void {
    let status = 500;
    let code = "internal_error";
    let message = "Something went wrong on the server; the error was logged.";
    let details: unknown;
    let params: RefusalParams | undefined;
    let refusal: { code: string; params: RefusalParams } | undefined;
    if (err instanceof z.ZodError) err = describeZodError(err, "request");
    // Defence in depth: a value the database refuses as data (SQLSTATE class 22: out of
    // range, bad encoding …) came from the request, not from a bug in the server. The
    // driver's message quotes the statement with its values (a customer's phone, say): it
    // is neither sent nor logged; the log gets where and why (SQLSTATE, table, column).
    if (isDataException(err)) {
      logger.warn({ db: dataExceptionFacts(err), method: req.method, path: req.path }, "the database refused a value from the request");
      err = new InputError(STORE_REFUSED);
    }
    // Express could not percent-decode a path parameter (`/api/orders/%ZZ`).
    if (err instanceof URIError) err = new InputError(BAD_PERCENT_ENCODING);
    // Errors of express and its middleware that carry their own 4xx status (http-errors).
    const own = clientStatusOf(err);
    if (own && !(err instanceof DomainError)) {
      status = own;
      code = own === 404 ? "not_found" : own === 413 ? "payload_too_large" : "invalid_request";
      message = own === 404 ? "not found" : `the request cannot be served as sent (HTTP ${own})`;
    }
    if (err instanceof DomainError) {
      const match = STATUS.find(([type]) => err instanceof type);
      if (match) {
        [, status, code] = match;
        message = err.message;
        details = err.details;
        // A refusal may name a finer code of its own (e.g. role_mismatch, last_admin).
        if (typeof (err as { code?: unknown }).code === "string") code = (err as unknown as { code: string }).code;
        if (err.refusal) refusal = { code: err.refusal.code, params: err.refusal.params as RefusalParams };
      }
    }
    // Field problems carry codes; an invalid_input answer lists them, worded, as its params.
    const problems = (details as { problems?: unknown } | undefined)?.problems;
    if (Array.isArray(problems)) {
      const coded = codedProblems(problems as FieldProblem[]);
      details = { ...(details as object), problems: coded };
      if (code === "invalid_input" && !params) {
        params = { problems: coded.slice(0, 5).map((p) => refusalMessages(p.code!, p.params) ?? { "zh-CN": p.message, en: p.message }) };
      }
    }
    const worded: LocalizedText | null =
      status === 500
        ? refusalMessages("internal_error")
        : (refusal && refusalMessages(refusal.code, refusal.params)) ?? (params || code !== "invalid_input" ? refusalMessages(code, params ?? {}) : null);
    const respond = () => {
      if (res.headersSent) return;
      if (status === 401) res.setHeader("WWW-Authenticate", 'Bearer realm="ordersheet"');
      res.status(status).json({
        error: { code, message, ...(params ? { params } : {}), ...(refusal ? { refusal } : {}), ...(worded ? { messages: worded } : {}), ...(details === undefined ? {} : { details }) },
      });
    };
    if (status === 500) {
      logger.error({ err, method: req.method, path: req.path }, "unhandled error");
    } else if (status === 400 || status === 413) {
      // The refused input is stored before the answer goes out, so an admin who looks right
      // after the client was told "refused" finds it.
      const principal = res.locals.principal as { workspaceId: string; userName: string } | undefined;
      const stored = keepRejected({
        workspaceId: principal?.workspaceId ?? null,
        actor: principal?.userName ?? null,
        route: `${req.method} ${req.path}`,
        status,
        reason: message.replace(/\u0000/g, "\uFFFD"),
        // PostgreSQL text cannot hold NUL; shown as U+FFFD so the rest of the input is kept.
        body: (req.rawBody ?? (req.url.includes("?") ? req.url.slice(req.url.indexOf("?")) : "")).replace(/\u0000/g, "\uFFFD"),
        bodyBytes: req.rawBodyBytes ?? 0,
      }).catch((e: unknown) => logger.warn({ err: e }, "could not store rejected input"));
      // A database that does not answer must not hold the client's answer for long.
      let timer: NodeJS.Timeout | undefined;
      const patience = new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)));
      void Promise.race([stored, patience]).finally(() => {
        clearTimeout(timer);
        respond();
      });
      return;
    }
    respond();
  };
}

/** The answer when the database refused a value: field-less, since the driver does not say which field in words. */
export const STORE_REFUSED =
  "a value in the request cannot be stored (text the database refuses, or a number out of range); check the text and numbers you sent";

/** The answer when a path parameter is not valid percent-encoding. */
export const BAD_PERCENT_ENCODING =
  "invalid path: a parameter is not valid percent-encoding (each % must be followed by two hexadecimal digits, and the bytes must form UTF-8 text)";

/** The 4xx status an express or middleware error carries (http-errors' `status`), if any. */
function clientStatusOf(err: unknown): number | undefined {
  const e = err as { status?: unknown; statusCode?: unknown } | null;
  const status = typeof e?.status === "number" ? e.status : typeof e?.statusCode === "number" ? e.statusCode : undefined;
  return status !== undefined && status >= 400 && status < 500 ? status : undefined;
}

/** Whether a database error is a data exception (SQLSTATE class 22) on both drivers. */
/** What may be logged of a database refusal: its SQLSTATE and where, never the message (it quotes values). */
function dataExceptionFacts(err: unknown): Record<string, string> {
  const e = err as Record<string, unknown>;
  const out: Record<string, string> = {};
  for (const key of ["code", "table", "column", "dataType", "constraint", "routine"]) if (typeof e[key] === "string") out[key] = e[key] as string;
  return out;
}

function isDataException(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === "string" && /^22[0-9A-Z]{3}$/.test(code);
}
