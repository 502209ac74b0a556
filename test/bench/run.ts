import os from "node:os";
import { parseArgs } from "node:util";
import { median, openBenchDatabase } from "./benchDb.js";
import { addinBench } from "./addinBench.js";
import { connectorsBench } from "./connectorsBench.js";
import { engineBench } from "./engineBench.js";
import { feedLatencyBench } from "./feedLatencyBench.js";
import { importBench, type BenchResult } from "./importBench.js";
import { rowScopeBench } from "./rowScopeBench.js";
import { sandboxBench } from "./sandboxBench.js";
import { scaleBench } from "./scaleBench.js";
import { shadowBench } from "./shadowBench.js";

/**
 * `npm run bench`: the project's speed goals, measured against baselines in the same run.
 * Options: --orders N (import orders per round), --engine-orders N (orders whose events
 * the engine replays per round), --rounds R, --only import|engine|sandbox|feed|addin|scope|connectors|scale|shadow.
 * `--only connectors` (never part of the default run): a peak day through the Shopify and Kdniao
 * connectors beside the same data through the API; --connectors-orders N (default 42,000).
 * `--only shadow` (never part of the default run): a legacy sheet dry-run and imported
 * (--shadow-rows N, default 50,000).
 * `--only scale` (PostgreSQL only, never part of the default run) builds a year of history:
 * --scale-orders N (default 2,000,000), --scale-reuse (keep a year database already built),
 * --scale-year-db / --scale-empty-db (database names), --scale-skip-full-check,
 * --scale-parts lists,throughput,timers,audit (default all).
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      orders: { type: "string", default: "20000" },
      "engine-orders": { type: "string", default: "3000" },
      "sandbox-orders": { type: "string", default: "1000000" },
      "feed-seconds": { type: "string", default: "20" },
      rounds: { type: "string", default: "3" },
      "shadow-rows": { type: "string", default: "50000" },
      only: { type: "string" },
      "scale-orders": { type: "string", default: "2000000" },
      "scale-year-db": { type: "string", default: "ordersheet_bench_year" },
      "scale-empty-db": { type: "string", default: "ordersheet_bench_empty" },
      "scale-reuse": { type: "boolean", default: false },
      "scale-skip-full-check": { type: "boolean", default: false },
      "scale-parts": { type: "string" },
      "connectors-orders": { type: "string", default: "42000" },
    },
  });
  if (values.only === "scale") {
    // A database server of its own: the year and the empty database are built beside the throwaway schemas.
    const url = process.env.BENCH_DATABASE_URL || process.env.DATABASE_URL;
    if (!url) throw new Error("--only scale needs PostgreSQL: set BENCH_DATABASE_URL (a year of history does not fit the embedded database)");
    console.log(`Ordersheet scale bench; ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
    const rows = await scaleBench({
      url,
      orders: Number(values["scale-orders"]),
      yearDb: values["scale-year-db"]!,
      emptyDb: values["scale-empty-db"]!,
      reuse: !!values["scale-reuse"],
      requests: 50,
      engineOrders: Number(values["engine-orders"]),
      importOrders: Math.min(Number(values.orders), 5000),
      rounds: Number(values.rounds),
      skipFullCheck: !!values["scale-skip-full-check"],
      parts: values["scale-parts"]?.split(","),
    });
    console.log("\n## a year of history beside an empty database");
    for (const r of rows) console.log(`  ${r.name}: ${r.value.toLocaleString("en-US")} ${r.unit}${r.note ? `  (${r.note})` : ""}`);
    return;
  }
  const { db, label, close } = await openBenchDatabase();
  console.log(`Ordersheet bench — ${label}; ${os.cpus().length} × ${os.cpus()[0]?.model ?? "cpu"}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
  const results: [string, BenchResult[]][] = [];
  try {
    if (!values.only || values.only === "import") {
      results.push(["batch import", await importBench(db, { orders: Number(values.orders), rounds: Number(values.rounds) })]);
    }
    if (!values.only || values.only === "engine") {
      results.push(["workflow engine", await engineBench(db, { orders: Number(values["engine-orders"]), rounds: Number(values.rounds), http: true })]);
    }
    if (!values.only || values.only === "sandbox") results.push(["rule sandbox", await sandboxBench({ orders: Number(values["sandbox-orders"]) })]);
    if (!values.only || values.only === "feed") {
      // Latency on a shared 2-core machine swings from round to round: median of the rounds, each shown.
      const rounds: BenchResult[][] = [];
      for (let r = 0; r < Number(values.rounds); r++) rounds.push(await feedLatencyBench(db, { clients: 100, rate: 1000, seconds: Number(values["feed-seconds"]), round: r }));
      results.push(["change feed", rounds[0].map((first, i) => {
        const each = rounds.map((round) => round[i].value);
        return { ...first, value: median(each), note: `${first.note ? `${first.note}; ` : ""}median of rounds ${each.join(" / ")}` };
      })]);
    }
    if (!values.only || values.only === "scope") results.push(["row scope", await rowScopeBench(db, { rounds: Number(values.rounds) })]);
    if (values.only === "connectors") results.push(["connectors (peak day)", await connectorsBench(db, { orders: Number(values["connectors-orders"]) })]);
    // Not part of the default run: 50,000 rows imported take minutes on a shared machine.
    if (values.only === "shadow") results.push(["shadow mode: a legacy sheet", await shadowBench(db, { rows: Number(values["shadow-rows"]) })]);
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
