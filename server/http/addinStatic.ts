import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router, type NextFunction, type Request, type Response } from "express";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Sources the task pane bundle is built from. */
const SOURCE_DIRS = ["addin", "server/contracts", "server/domain"].map((d) => path.join(ROOT, d));

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    newest = Math.max(newest, fs.statSync(path.join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/** Whether `bundle` is missing or older than a file of `sources` (a checkout moved on since the build). */
export function isStale(bundle: string, sources: readonly string[]): boolean {
  if (!fs.existsSync(bundle)) return true;
  const built = fs.statSync(bundle).mtimeMs;
  return sources.some((dir) => fs.existsSync(dir) && newestMtime(dir) > built);
}

/** Where the add-in's files come from. */
export interface AddinStaticOptions {
  /** The built task pane (default: dist/addin). */
  distDir?: string;
  /** The Office.js runtime (default: node_modules/@microsoft/office-js/dist). */
  officeJsDir?: string;
  /** Builds the task pane into `distDir` when it is missing; false serves only what exists. */
  buildIfMissing?: boolean;
}

/**
 * Serves the Excel task pane at `/addin` and the Office.js runtime at `/office-js`, from the
 * same origin as the API (the pane calls the API without CORS). When dist/addin is missing or
 * older than the add-in's sources, the first request builds it (esbuild, a second or two) —
 * `npm run build:addin` does the same ahead of time.
 */
export function addinStatic(opts: AddinStaticOptions = {}): Router {
  const distDir = opts.distDir ?? path.join(ROOT, "dist", "addin");
  const officeJsDir = opts.officeJsDir ?? path.join(ROOT, "node_modules", "@microsoft", "office-js", "dist");
  let building: Promise<void> | undefined;

  let fresh = false;
  const ensureBuilt = (_req: Request, _res: Response, next: NextFunction) => {
    if (fresh || opts.buildIfMissing === false) return next();
    if (!isStale(path.join(distDir, "taskpane.js"), SOURCE_DIRS)) {
      fresh = true;
      return next();
    }
    building ??= import("../../addin/build/buildAddin.js")
      .then((m) => m.buildAddin({ outDir: distDir }))
      .then(
        () => {
          fresh = true;
        },
        (err: unknown) => {
          building = undefined;
          throw err;
        },
      );
    building.then(() => next(), next);
  };

  const noCacheHtml = (res: Response, file: string) => {
    res.setHeader("X-Content-Type-Options", "nosniff");
    if (file.endsWith(".html")) res.setHeader("Cache-Control", "no-cache");
  };

  const router = Router();
  router.use("/addin", ensureBuilt, express.static(distDir, { index: "taskpane.html", setHeaders: noCacheHtml, fallthrough: true }));
  router.use("/office-js", express.static(officeJsDir, { setHeaders: noCacheHtml, maxAge: "1h" }));
  return router;
}
