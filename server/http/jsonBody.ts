import type { NextFunction, Request, Response } from "express";
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
 * text (for the rejected-input log) and reports where JSON is malformed.
 */
export function jsonBody(limitBytes: number) {
  return function readJson(req: Request, _res: Response, next: NextFunction): void {
    if (req.method === "GET" || req.method === "HEAD" || req.method === "DELETE") return next();
    const declared = Number(req.headers["content-length"] ?? NaN);
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    const fail = (err: Error) => {
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
      const text = Buffer.concat(chunks).toString("utf8");
      req.rawBody = text.slice(0, 65536);
      req.rawBodyBytes = size;
      if (text.trim() === "") {
        req.body = undefined;
        return next();
      }
      const type = String(req.headers["content-type"] ?? "");
      if (!/application\/(.+\+)?json/i.test(type)) {
        return next(new InputError(`send the body as JSON with Content-Type: application/json (got "${type || "none"}")`));
      }
      let body: unknown;
      try {
        body = JSON.parse(text);
      } catch (err) {
        return next(new InputError(`the body is not valid JSON: ${(err as Error).message}`));
      }
      // A NUL character cannot be stored in PostgreSQL text or jsonb; say where it is.
      const nulAt = text.includes("\\u0000") ? pathOfNul(body, "") : undefined;
      if (nulAt !== undefined) return next(new InputError(`invalid body: ${nulAt || "(the body)"}: text must not contain the NUL character (\\u0000)`));
      req.body = body;
      next();
    });
  };
}

/** The path of the first string (value or key) holding a NUL character, if any. */
export function pathOfNul(value: unknown, path: string): string | undefined {
  if (typeof value === "string") return value.includes("\u0000") ? path : undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = pathOfNul(value[i], path ? `${path}.${i}` : String(i));
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      const here = path ? `${path}.${k}` : k;
      if (k.includes("\u0000")) return here;
      const found = pathOfNul(v, here);
      if (found !== undefined) return found;
    }
  }
  return undefined;
}
