import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { Router, type NextFunction, type Request, type Response } from "express";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

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
 * same origin as the API (the pane calls the API without CORS). When dist/addin has not been
 * built yet, the first request builds it (esbuild, a second or two) — `npm run addin:build`
 * does the same ahead of time.
 */
export function addinStatic(opts: AddinStaticOptions = {}): Router {
  const distDir = opts.distDir ?? path.join(ROOT, "dist", "addin");
  const officeJsDir = opts.officeJsDir ?? path.join(ROOT, "node_modules", "@microsoft", "office-js", "dist");
  let building: Promise<void> | undefined;

  const ensureBuilt = (_req: Request, _res: Response, next: NextFunction) => {
    if (fs.existsSync(path.join(distDir, "taskpane.js")) || opts.buildIfMissing === false) return next();
    building ??= import("../../addin/build/buildAddin.js")
      .then((m) => m.buildAddin({ outDir: distDir }))
      .then(
        () => undefined,
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
