import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { parseArgs } from "node:util";
import type { WorkflowDefinition } from "../contracts/workflow.js";
import { compareReports } from "../domain/sandbox/compareReports.js";
import { formatComparison, formatReport } from "../domain/sandbox/formatReport.js";
import type { StreamOptions, StreamProfile } from "../domain/sandbox/orderStream.js";
import type { SimulationReport } from "../domain/sandbox/simulationReport.js";
import { WORKFLOW_TEMPLATES } from "../domain/workflow/templates.js";
import { validateDefinition } from "../domain/workflow/validateDefinition.js";
import { WorkflowDefinition as WorkflowSchema } from "../contracts/workflow.js";
import type { Knex } from "knex";
import { loadConfig } from "../config.js";
import { historicalOrders } from "../db/historicalOrders.js";
import { simulateInWorkers, simulateShard, syntheticSource, type StreamSource } from "../workers/simulation.js";
import { openCliDatabase } from "./openCliDatabase.js";

const USAGE = `Usage: npm run sandbox -- --workflow FILE|standard|furniture [--orders N | --from-db] [--compare [FILE|NAME|current]] [options]

Replays a seeded synthetic order stream, or the orders and events recorded in the
database, through a workflow definition with no side effects, and prints what would
happen: transitions, refusals by reason, alerts, effects.

  --workflow FILE|NAME   definition to run (a JSON file, or a template: standard, furniture)
  --compare [FILE|NAME]  also run this definition on the same stream and show the differences;
                         alone or "current": the workspace's current definition in the database
  --orders N             synthetic orders (default 10000); with --from-db: at most N orders
  --from-db              replay the historical orders and events of the database the server
                         uses (DATABASE_URL or DATA_DIR), read-only
  --workspace ID         the workspace for --from-db and "current" (default ORDERSHEET_WORKSPACE)
  --seed S               any number or text (default 1); the same seed gives the same report
  --profile P            stream shape: standard or furniture (default: furniture for the
                         furniture template, standard otherwise)
  --workers N            parallel worker threads (default: CPUs, at most 8; 1 below 20000 orders)
  --json                 print the report (and comparison) as JSON
  --help                 this text`;

/** A template name or a JSON file, validated; throws with every problem listed. */
export function loadWorkflow(spec: string): WorkflowDefinition {
  const template = (WORKFLOW_TEMPLATES as Record<string, WorkflowDefinition>)[spec];
  const raw: unknown = template ?? JSON.parse(readFileSync(resolve(spec), "utf8"));
  const problems = validateDefinition(raw);
  if (problems.length > 0) {
    throw new Error(`${spec} is not a valid workflow:\n${problems.map((p) => `  - ${p.path ? `${p.path}: ` : ""}${p.message}`).join("\n")}`);
  }
  return WorkflowSchema.parse(raw);
}

/** A synthetic stream over `workers` threads, or on this thread when one is enough. */
function simulateSynthetic(flow: WorkflowDefinition, stream: Omit<StreamOptions, "shard">, workers: number): Promise<SimulationReport> {
  return workers <= 1 ? simulateShard(flow, syntheticSource(stream), { index: 0, count: 1 }) : simulateInWorkers(flow, stream, workers);
}

/** `--compare` may stand alone: it then means the current definition. */
function normaliseArgs(argv: string[]): string[] {
  return argv.flatMap((a, i) => (a === "--compare" && (i === argv.length - 1 || argv[i + 1].startsWith("--")) ? ["--compare", "current"] : [a]));
}

/** The database, opened read-only in spirit (the history source reads in a READ ONLY transaction), for --from-db and "current". */
async function withDatabase<T>(fn: (knex: Knex, workspace: string) => Promise<T>, workspace?: string): Promise<T> {
  const config = loadConfig();
  const { db, close } = openCliDatabase(config);
  try {
    return await fn(db.knex, workspace ?? config.defaultWorkspace);
  } finally {
    await close();
  }
}

/** The workspace's current definition. */
async function currentWorkflow(knex: Knex, workspace: string): Promise<WorkflowDefinition> {
  const row = await knex("workflow_versions").where("workspace_id", workspace).orderBy("version", "desc").first("definition");
  if (!row) throw new Error(`workspace ${workspace} has no workflow in the database`);
  return WorkflowSchema.parse(typeof row.definition === "string" ? JSON.parse(row.definition) : row.definition);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    args: normaliseArgs(process.argv.slice(2)),
    options: {
      workflow: { type: "string" },
      compare: { type: "string" },
      "from-db": { type: "boolean", default: false },
      workspace: { type: "string" },
      orders: { type: "string" },
      seed: { type: "string", default: "1" },
      profile: { type: "string" },
      workers: { type: "string" },
      json: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) return void console.log(USAGE);
  if (values["from-db"] || values.compare === "current") {
    await withDatabase((knex, workspace) => fromDatabase(knex, workspace, values), values.workspace);
    return;
  }
  const orders = Number(values.orders ?? "10000");
  if (!values.workflow || !Number.isSafeInteger(orders) || orders < 1) {
    console.error(`${!values.workflow ? "--workflow is required" : "--orders must be a positive whole number"}\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const profile = (values.profile ?? (values.workflow === "furniture" ? "furniture" : "standard")) as StreamProfile;
  if (profile !== "standard" && profile !== "furniture") {
    console.error(`--profile must be standard or furniture\n\n${USAGE}`);
    process.exitCode = 2;
    return;
  }
  const workers = values.workers ? Math.max(1, Number(values.workers) | 0) : orders < 20_000 ? 1 : Math.min(8, availableParallelism());
  const seed = /^\d+$/.test(values.seed) ? Number(values.seed) : values.seed;
  const stream = { orders, seed, profile };

  const flow = loadWorkflow(values.workflow);
  const other = values.compare ? loadWorkflow(values.compare) : undefined;
  const started = performance.now();
  const report = await simulateSynthetic(flow, stream, workers);
  const otherReport = other ? await simulateSynthetic(other, stream, workers) : undefined;
  const seconds = (performance.now() - started) / 1000;
  const comparison = otherReport ? compareReports(report, otherReport) : undefined;

  if (values.json) {
    console.log(JSON.stringify(comparison ? { report, compare: otherReport, comparison } : report, null, 2));
  } else {
    console.log(formatReport(report, flow));
    if (comparison) console.log(`\n${formatComparison(comparison)}`);
  }
  console.error(`\n${orders.toLocaleString("en-US")} orders × ${other ? 2 : 1} workflow(s), seed ${values.seed}, ${workers} worker(s): ${seconds.toFixed(1)} s`);
}

/** --from-db (and/or --compare current): replays history or a synthetic stream against the database's current definition. */
async function fromDatabase(
  knex: Knex,
  workspace: string,
  values: { workflow?: string; compare?: string; "from-db"?: boolean; orders?: string; seed?: string; profile?: string; json?: boolean },
): Promise<void> {
  if (!values.workflow) throw new Error(`--workflow is required\n\n${USAGE}`);
  const limit = values.orders === undefined ? undefined : Number(values.orders);
  if (limit !== undefined && (!Number.isSafeInteger(limit) || limit < 1)) throw new Error("--orders must be a positive whole number");
  const flow = loadWorkflow(values.workflow);
  const other = values.compare === "current" ? await currentWorkflow(knex, workspace) : values.compare ? loadWorkflow(values.compare) : undefined;
  const source: StreamSource = values["from-db"]
    ? () => historicalOrders(knex, workspace, { limit })
    : syntheticSource({ orders: limit ?? 10_000, seed: /^\d+$/.test(values.seed ?? "1") ? Number(values.seed ?? "1") : (values.seed as string), profile: (values.profile ?? "standard") as StreamProfile });
  const started = performance.now();
  const report = await simulateShard(flow, source, { index: 0, count: 1 });
  const otherReport = other ? await simulateShard(other, source, { index: 0, count: 1 }) : undefined;
  const comparison = otherReport ? compareReports(report, otherReport) : undefined;
  if (values.json) console.log(JSON.stringify(comparison ? { report, compare: otherReport, comparison } : report, null, 2));
  else {
    console.log(formatReport(report, flow));
    if (comparison) console.log(`\n${formatComparison(comparison)}`);
  }
  const what = values["from-db"] ? `workspace ${workspace} history` : "synthetic stream";
  console.error(`\n${report.orders.toLocaleString("en-US")} orders (${what}) × ${other ? 2 : 1} workflow(s): ${((performance.now() - started) / 1000).toFixed(1)} s, nothing written`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
