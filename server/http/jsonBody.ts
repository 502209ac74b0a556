import type { NextFunction, Request, Response } from "express";
import { MAX_BODY_DEPTH, unstorableText } from "../contracts/common.js";
import { InputError, PayloadTooLargeError } from "../domain/errors.js";

declare module "express-serve-static-core" {
  interface Request {
    /** The raw request body text, kept so refused input can be stored for admins. */
    rawBody?: string;
    rawBodyBytes?: number;
  }
}

/**
 * Reads and parses a JSON body with a size cap. Unlike express.json it keeps the raw
 * text (for the rejected-input log) and reports where JSON is malformed. A body nested
 * deeper than MAX_BODY_DEPTH, or holding text no database can store, is refused here.
 */
export function jsonBody(limitBytes: number) {
  return function readJson(req: Request, _res: Response, next: NextFunction): void {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "DELETE") return next();
    const declared = Number(req.headers["content-length"] ?? NaN);
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      req.rawBody = Buffer.concat(chunks).subarray(0, 65536).toString("utf8");
      req.rawBodyBytes = Number.isFinite(declared) ? declared : size;
      chunks.length = 0;
      // Keep draining so the client receives our answer instead of a reset connection.
      req.resume();
      next(err);
    };
    req.on("data", (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      chunks.push(chunk);
      if (size > limitBytes) fail(new PayloadTooLargeError(`request body exceeds the limit of ${limitBytes} bytes — send smaller batches`));
    });
    req.on("error", (err) => fail(err));
    req.on("end", () => {
      if (failed) return;
      // Whatever goes wrong in here must reach the error handler: a throw out of a stream
      // callback is an uncaught exception that ends the process.
      let outcome: { body: unknown } | Error;
      try {
        outcome = finish();
      } catch (err) {
        outcome = err instanceof Error ? err : new Error(String(err));
      }
      if (outcome instanceof Error) return fail(outcome);
      failed = true;
      req.body = outcome.body;
      next();
    });
    const finish = (): { body: unknown } | Error => {
      const text = Buffer.concat(chunks).toString("utf8");
      req.rawBody = text.slice(0, 65536);
      req.rawBodyBytes = size;
      if (text.trim() === "") return { body: undefined };
      const type = String(req.headers["content-type"] ?? "");
      if (!/application\/(.+\+)?json/i.test(type)) {
        return new InputError(`send the body as JSON with Content-Type: application/json (got "${type || "none"}")`);
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        return new InputError(`the body is not valid JSON: ${(err as Error).message}`);
      }
      const problem = firstUnstorable(body, "");
      if (problem) return new InputError(`invalid body: ${problem.path || "(the body)"}: ${problem.reason}`, { problems: [{ path: problem.path, message: problem.reason }] });
      return { body };
    };
  };
}

/**
 * The first place in a parsed JSON value (or express's params/query object) that the
 * server refuses whatever the route: nesting deeper than MAX_BODY_DEPTH, or a string or
 * key breaking the text rule (`unstorableText`). Walked with an explicit stack, so no
 * input can exhaust the call stack.
 */
export function firstUnstorable(value: unknown, base: string, maxDepth = MAX_BODY_DEPTH): { path: string; reason: string } | undefined {
  const stack: [unknown, string, number][] = [[value, base, 0]];
  while (stack.length) {
    const [v, path, depth] = stack.pop()!;
    if (typeof v === "string") {
      const reason = unstorableText(v);
      if (reason) return { path, reason };
      continue;
    }
    if (v === null || typeof v !== "object") continue;
    if (depth >= maxDepth) return { path, reason: `nests deeper than ${maxDepth} levels of objects and arrays` };
    const entries = Array.isArray(v) ? v.map((x, i) => [String(i), x] as const) : Object.entries(v);
    // Pushed in reverse so the first problem in document order is found first.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [k, child] = entries[i];
      const here = path ? `${path}.${k}` : k;
      const keyReason = Array.isArray(v) ? null : unstorableText(k);
      if (keyReason) stack.push([k, here, depth + 1]);
      else stack.push([child, here, depth + 1]);
    }
  }
  return undefined;
}
