import fs from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import { manifestFor } from "./manifestFor.js";
import { validateManifest } from "./validateManifest.js";

/**
 * `npm run manifest -- --url https://orders.example.com [--out dist/manifest.xml]`:
 * writes a copy of manifest.xml for a production host, and validates it.
 */
const { values } = parseArgs({ options: { url: { type: "string" }, out: { type: "string" }, in: { type: "string" } } });
if (!values.url) {
  console.error("usage: npm run manifest -- --url https://orders.example.com [--out dist/manifest.xml]");
  process.exit(2);
}
const source = values.in ?? "manifest.xml";
const out = values.out ?? path.join("dist", `manifest.${new URL(values.url).hostname}.xml`);
await fs.mkdir(path.dirname(out), { recursive: true });
await fs.writeFile(out, manifestFor(await fs.readFile(source, "utf8"), values.url));
const problems = await validateManifest(out);
if (problems.length) {
  console.error(`${out} was written but is not valid:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(`wrote ${out} for ${new URL(values.url).origin}`);
