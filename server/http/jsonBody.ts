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
      try {
        req.body = JSON.parse(text);
        next();
      } catch (err) {
        next(new InputError(`the body is not valid JSON: ${(err as Error).message}`));
      }
    });
  };
}
