import fs from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";
import { ICON_SIZES, iconPng } from "./icons.js";

/** The repository root. */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Where the built task pane goes by default. */
export const DEFAULT_ADDIN_OUT = path.join(REPO_ROOT, "dist", "addin");

/** What a build produced. */
export interface AddinBuild {
  outDir: string;
  files: string[];
  bundleBytes: number;
}

/**
 * Builds the task pane into `outDir`: addin/taskpane.ts bundled by esbuild for the browser,
 * taskpane.html, taskpane.css, help.html, and the icons the manifest refers to.
 */
export async function buildAddin(opts: { outDir?: string; minify?: boolean } = {}): Promise<AddinBuild> {
  const outDir = opts.outDir ?? DEFAULT_ADDIN_OUT;
  await fs.mkdir(path.join(outDir, "assets"), { recursive: true });
  const result = await esbuild.build({
    entryPoints: [path.join(REPO_ROOT, "addin", "taskpane.ts")],
    outfile: path.join(outDir, "taskpane.js"),
    bundle: true,
    format: "iife",
    platform: "browser",
    target: ["es2020", "chrome100", "safari15", "edge100"],
    minify: opts.minify ?? true,
    sourcemap: true,
    legalComments: "none",
    logLevel: "silent",
    metafile: true,
  });
  for (const file of ["taskpane.html", "taskpane.css", "help.html"]) {
    await fs.copyFile(path.join(REPO_ROOT, "addin", file), path.join(outDir, file));
  }
  for (const size of ICON_SIZES) await fs.writeFile(path.join(outDir, "assets", `icon-${size}.png`), iconPng(size));
  const bundle = result.metafile.outputs[path.relative(process.cwd(), path.join(outDir, "taskpane.js"))];
  const files = await fs.readdir(outDir, { recursive: true });
  return { outDir, files: files.map(String), bundleBytes: bundle?.bytes ?? (await fs.stat(path.join(outDir, "taskpane.js"))).size };
}
