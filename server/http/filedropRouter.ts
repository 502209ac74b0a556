import express, { Router, type NextFunction, type Request, type Response } from "express";
import { z } from "zod";
import type { Role } from "../contracts/roles.js";
import type { Filedrop } from "../domain/connectors/filedrop.js";
import { ForbiddenError, InputError } from "../domain/errors.js";
import { principalOf } from "./auth.js";
import { describeZodError } from "./errorHandler.js";

/** What the file-drop routes need. */
export interface FiledropRouterDeps {
  filedrop: Filedrop;
  /** The largest file taken (bytes). */
  fileLimitBytes: number;
}

const Params = z.strictObject({ id: z.string().regex(/^[0-9a-f-]{36}$/, "must be a connector id") });
const FileParams = Params.extend({ fileId: z.string().regex(/^[0-9a-f-]{36}$/, "must be a file id") });
const UploadQuery = z.strictObject({ name: z.string().trim().min(1).max(200, "must be at most 200 characters").default("upload") });
const ListQuery = z.strictObject({ limit: z.coerce.number().int().min(1).max(200).default(50) });

const UPLOADERS: Role[] = ["admin", "supervisor"];
const READERS: Role[] = ["admin", "supervisor", "auditor"];

function parse<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (!r.success) throw describeZodError(r.error, where);
  return r.data;
}

/**
 * File-drop routes, mounted before the JSON body parser: the file's bytes are the request
 * body, its media type the Content-Type (`text/csv` or the .xlsx type) and its name the
 * `name` query parameter. A refused file is kept (with its problems, by line) and listed.
 */
export function filedropRouter(deps: FiledropRouterDeps): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: deps.fileLimitBytes });
  const handle =
    (roles: Role[], fn: (req: Request, res: Response) => Promise<unknown>) =>
    async (req: Request, res: Response, next: NextFunction) => {
      try {
        const principal = principalOf(res);
        if (!roles.includes(principal.role)) throw new ForbiddenError(`role ${principal.role} may not use file drops; allowed: ${roles.join(", ")}`);
        const out = await fn(req, res);
        if (!res.headersSent) res.json(out);
      } catch (err) {
        next(err);
      }
    };
  const body = (req: Request): Buffer => {
    const b = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    // What the rejected-input log keeps of a refused upload (the file itself is kept whole with the connector).
    req.rawBody = `(file upload: ${b.length} bytes, ${String(req.headers["content-type"] ?? "no type")}; kept with the connector's files)`;
    req.rawBodyBytes = b.length;
    if (b.length === 0) throw new InputError("invalid body: the file is empty (send its bytes as the body)");
    return b;
  };

  router.post("/connectors/:id/files", raw, handle(UPLOADERS, async (req, res) => {
    const { id } = parse(Params, req.params, "path");
    const { name } = parse(UploadQuery, req.query, "query");
    const principal = principalOf(res);
    return deps.filedrop.upload({ workspaceId: principal.workspaceId, user: principal.userName }, id, { bytes: body(req), mediaType: String(req.headers["content-type"] ?? ""), name });
  }));
  router.post("/connectors/:id/files/suggestion", raw, handle(UPLOADERS, async (req, res) => {
    const { id } = parse(Params, req.params, "path");
    return deps.filedrop.suggest(principalOf(res).workspaceId, id, body(req), String(req.headers["content-type"] ?? ""));
  }));
  router.get("/connectors/:id/files", handle(READERS, async (req, res) => {
    const { id } = parse(Params, req.params, "path");
    const { limit } = parse(ListQuery, req.query, "query");
    return { files: await deps.filedrop.files(principalOf(res).workspaceId, id, limit) };
  }));
  router.get("/connectors/:id/files/:fileId/content", handle(READERS, async (req, res) => {
    const { id, fileId } = parse(FileParams, req.params, "path");
    const f = await deps.filedrop.content(principalOf(res).workspaceId, id, fileId);
    res.setHeader("content-type", f.mediaType || "application/octet-stream");
    res.setHeader("content-disposition", `attachment; filename*=UTF-8''${encodeURIComponent(f.name)}`);
    res.send(f.content);
    return undefined;
  }));
  return router;
}
