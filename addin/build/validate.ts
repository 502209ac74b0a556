import { validateManifest } from "./validateManifest.js";

/** `npm run validate [-- manifest.xml]`: offline manifest validation; exits 1 on problems. */
const file = process.argv[2] ?? "manifest.xml";
const problems = await validateManifest(file);
if (problems.length) {
  console.error(`${file}: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  process.exit(1);
}
console.log(`${file}: valid (XML structure, and the converted JSON manifest against its bundled schema)`);
