import path from "node:path";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const HERE = path.dirname(fileURLToPath(import.meta.url));

/** The test-only Excel host (fakeOffice.ts), bundled for the page in place of office.js. */
export async function fakeOfficeBundle(): Promise<string> {
  const built = await esbuild.build({ entryPoints: [path.join(HERE, "fakeOffice.ts")], bundle: true, write: false, format: "iife", platform: "browser", target: "chrome100" });
  return built.outputFiles[0].text;
}
