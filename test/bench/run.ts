import os from "node:os";
import { parseArgs } from "node:util";
import { openBenchDatabase } from "./benchDb.js";
import { addinBench } from "./addinBench.js";
import { importBench, type BenchResult } from "./importBench.js";

/**
 * `npm run bench`: the project's speed goals, measured against baselines in the same run.
 * Options: --orders N (per round), --rounds R, --only NAME.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { orders: { type: "string", default: "20000" }, rounds: { type: "string", default: "3" }, only: { type: "string" } },
  });
  const { db, label, close } = await openBenchDatabase();
  console.log(`Ordersheet bench — ${label}; ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  const results: [string, BenchResult[]][] = [];
  try {
    if (!values.only || values.only === "import") {
      results.push(["batch import", await importBench(db, { orders: Number(values.orders), rounds: Number(values.rounds) })]);
    }
    if (!values.only || values.only === "addin") results.push(["Excel add-in (counting Excel stand-in)", await addinBench()]);
  } finally {
    await close();
  }
  for (const [group, rows] of results) {
    console.log(`\n## ${group}`);
    for (const r of rows) console.log(`  ${r.name}: ${r.value.toLocaleString("en-US")} ${r.unit}${r.note ? `  (${r.note})` : ""}`);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
