import { buildAddin } from "./buildAddin.js";

/** `npm run build:addin [-- --dev]`: bundles the task pane into dist/addin. */
const built = await buildAddin({ minify: !process.argv.includes("--dev") });
console.log(`built ${built.outDir} (taskpane.js ${Math.round(built.bundleBytes / 1024)} KiB): ${built.files.sort().join(", ")}`);
