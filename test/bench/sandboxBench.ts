import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { BenchResult } from "./importBench.js";

const CLI = fileURLToPath(new URL("../../server/cli/sandbox.ts", import.meta.url));

/**
 * The rule sandbox as a user runs it (`npm run sandbox -- --workflow standard --orders N`):
 * a child process replaying N seeded synthetic orders through the standard lifecycle with
 * its default worker threads. Wall time includes start-up and printing the report.
 */
export async function sandboxBench(opts: { orders: number }): Promise<BenchResult[]> {
  const start = performance.now();
  const { stdout, stderr } = await new Promise<{ stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", CLI, "--workflow", "standard", "--orders", String(opts.orders), "--json"], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    child.stderr.on("data", (d: Buffer) => (err += d.toString()));
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve({ stdout: out, stderr: err }) : reject(new Error(`sandbox exited with ${code}: ${err}`))));
  });
  const wall = (performance.now() - start) / 1000;
  const report = JSON.parse(stdout) as { orders: number; events: number; timerMoves: number };
  const summary = /worker\(s\): ([\d.]+) s/.exec(stderr);
  const replay = summary ? Number(summary[1]) : wall;
  const workers = /(\d+) worker/.exec(stderr)?.[1] ?? "?";
  return [
    {
      name: `sandbox: ${report.orders.toLocaleString("en-US")} synthetic orders through the standard lifecycle (${report.events.toLocaleString("en-US")} events, ${report.timerMoves.toLocaleString("en-US")} timer moves, ${workers} workers)`,
      value: Number(wall.toFixed(1)),
      unit: "s wall",
      note: `goal < 60 s; replay alone ${replay.toFixed(1)} s`,
    },
  ];
}
