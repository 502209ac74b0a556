import assert from "node:assert/strict";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

/**
 * The import rules of STYLE.md ("folders import inward"), checked by scanning every import
 * and export-from line (and dynamic `import()`) of the source tree:
 * - only `server/main.ts`, `server/cli/`, `server/workers/` and `server/db/` itself import
 *   `server/db/` — routers, jobs, connectors, notifications and `app.ts` depend on ports;
 * - `server/domain/` is pure: it imports only `server/domain/`, `server/contracts/`, `zod`,
 *   the CEL interpreter and `node:crypto` (hashing is a pure function of its input), and
 *   never reads `process` (env, clock, exit) — no fs, express, knex, pino, network;
 * - `server/contracts/` is browser-safe: `server/contracts/`, `server/domain/` and `zod` only;
 * - `addin/` takes nothing from the server beyond `server/contracts/` and `server/domain/`.
 */

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

/** Packages the pure domain may use. */
const DOMAIN_PACKAGES = ["zod", "@marcbachmann/cel-js", "node:crypto"];

/** A source file, by its path from the repository root (forward slashes). */
interface SourceFile {
  path: string;
  source: string;
}

/** One broken rule. */
interface Violation {
  file: string;
  imports: string;
  rule: string;
}

/** Module specifiers a file imports or re-exports, comments and string contents ignored. */
function importsOf(source: string): string[] {
  return ts.preProcessFile(source, true, true).importedFiles.map((f) => f.fileName);
}

/** Where a specifier points: a repository path for a relative one, else the package name as written. */
function target(file: string, spec: string): { repoPath: string } | { pkg: string } {
  if (spec.startsWith(".")) return { repoPath: path.posix.normalize(path.posix.join(path.posix.dirname(file), spec)) };
  return { pkg: spec };
}

const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);
const isPackage = (spec: string, names: string[]) => names.some((n) => spec === n || spec.startsWith(`${n}/`));

/** Every rule a set of files breaks. */
function violations(files: SourceFile[]): Violation[] {
  const found: Violation[] = [];
  for (const f of files) {
    const add = (imports: string, rule: string) => found.push({ file: f.path, imports, rule });
    const mayUseDb = f.path === "server/main.ts" || ["server/cli", "server/workers", "server/db"].some((d) => under(f.path, d));
    for (const spec of importsOf(f.source)) {
      const t = target(f.path, spec);
      if (under(f.path, "server") && !mayUseDb && "repoPath" in t && under(t.repoPath, "server/db")) {
        add(spec, "only main.ts, cli/ and workers/ import db/; depend on a port in domain/ instead");
      }
      if (under(f.path, "server/domain")) {
        if ("repoPath" in t ? !under(t.repoPath, "server/domain") && !under(t.repoPath, "server/contracts") : !isPackage(t.pkg, DOMAIN_PACKAGES)) {
          add(spec, "domain/ is pure: it imports only domain/, contracts/ and " + DOMAIN_PACKAGES.join(", "));
        }
      }
      if (under(f.path, "server/contracts")) {
        if ("repoPath" in t ? !under(t.repoPath, "server/contracts") && !under(t.repoPath, "server/domain") : !isPackage(t.pkg, ["zod"])) {
          add(spec, "contracts/ is browser-safe: it imports only contracts/, domain/ and zod");
        }
      }
      if (under(f.path, "addin") && "repoPath" in t && under(t.repoPath, "server")) {
        if (!under(t.repoPath, "server/contracts") && !under(t.repoPath, "server/domain")) {
          add(spec, "addin/ imports only server/contracts and server/domain from the server");
        }
      }
    }
    if (under(f.path, "server/domain") && /\bprocess\s*\./.test(f.source)) {
      add("process", "domain/ is pure: no process.env, clock or exit (config.ts reads the environment)");
    }
  }
  return found;
}

/** Every .ts file under a repository folder. */
function sourceFiles(dir: string): SourceFile[] {
  const out: SourceFile[] = [];
  const walk = (abs: string) => {
    for (const e of fs.readdirSync(abs, { withFileTypes: true })) {
      const p = path.join(abs, e.name);
      if (e.isDirectory()) {
        if (e.name !== "node_modules" && !e.name.startsWith(".")) walk(p);
      } else if (e.name.endsWith(".ts")) {
        out.push({ path: path.relative(ROOT, p).split(path.sep).join("/"), source: fs.readFileSync(p, "utf8") });
      }
    }
  };
  walk(path.join(ROOT, dir));
  return out;
}

describe("architecture: import rules", function () {
  it("holds for server/ and addin/ as they are", function () {
    const files = [...sourceFiles("server"), ...sourceFiles("addin")];
    assert.ok(files.length > 100, `expected the whole tree, scanned ${files.length} files`);
    assert.ok(files.some((f) => f.path === "server/http/ordersRouter.ts"));
    assert.deepEqual(violations(files), []);
  });

  describe("the scanner itself", function () {
    it("catches a router, a job, a connector, a notifier or app.ts importing db/, in any import form", function () {
      const found = violations([
        { path: "server/http/fooRouter.ts", source: 'import type { KnexOrderStore } from "../db/KnexOrderStore.js";' },
        { path: "server/jobs/fooJob.ts", source: 'import {\n  KnexTimerStore,\n} from "../db/KnexTimerStore.js";' },
        { path: "server/connectors/shopify/pull.ts", source: 'export { KnexOrderStore } from "../../db/KnexOrderStore.js";' },
        { path: "server/notifications/wecom/send.ts", source: 'const m = await import("../../db/createKnex.js");' },
        { path: "server/app.ts", source: 'import type { KnexChangeFeed } from "./db/KnexChangeFeed.js";' },
      ]);
      assert.deepEqual(found.map((v) => v.file), [
        "server/http/fooRouter.ts",
        "server/jobs/fooJob.ts",
        "server/connectors/shopify/pull.ts",
        "server/notifications/wecom/send.ts",
        "server/app.ts",
      ]);
      assert.match(found[0].rule, /depend on a port/);
    });

    it("lets main.ts, cli/, workers/ and db/ import db/, and ignores imports in comments and strings", function () {
      assert.deepEqual(
        violations([
          { path: "server/main.ts", source: 'import { KnexOrderStore } from "./db/KnexOrderStore.js";' },
          { path: "server/cli/token.ts", source: 'import { KnexWorkspaceStore } from "../db/KnexWorkspaceStore.js";' },
          { path: "server/workers/simulation.ts", source: 'import { historicalOrders } from "../db/historicalOrders.js";' },
          { path: "server/db/KnexOrderStore.ts", source: 'import { rowToOrder } from "./orderRows.js";\nimport type { OrderStore } from "../domain/orders/ports.js";' },
          { path: "server/http/ordersRouter.ts", source: '// import { KnexOrderStore } from "../db/KnexOrderStore.js";\nconst hint = "see ../db/KnexOrderStore.js";' },
        ]),
        [],
      );
    });

    it("keeps domain/ pure: no adapters, no I/O packages, no process", function () {
      const found = violations([
        { path: "server/domain/orders/ports.ts", source: 'import type { Order } from "../order.js";\nimport type { Change } from "../../contracts/changes.js";\nimport { z } from "zod";\nimport { createHash } from "node:crypto";' },
        { path: "server/domain/a.ts", source: 'import fs from "node:fs";' },
        { path: "server/domain/b.ts", source: 'import type { Logger } from "pino";' },
        { path: "server/domain/c.ts", source: 'import { ordersRouter } from "../http/ordersRouter.js";' },
        { path: "server/domain/d.ts", source: 'import type { Knex } from "knex";' },
        { path: "server/domain/e.ts", source: "export const zone = process.env.TZ;" },
      ]);
      assert.deepEqual(found.map((v) => [v.file, v.imports]), [
        ["server/domain/a.ts", "node:fs"],
        ["server/domain/b.ts", "pino"],
        ["server/domain/c.ts", "../http/ordersRouter.js"],
        ["server/domain/d.ts", "knex"],
        ["server/domain/e.ts", "process"],
      ]);
    });

    it("keeps contracts/ browser-safe", function () {
      const found = violations([
        { path: "server/contracts/x.ts", source: 'import { z } from "zod";\nimport type { Channel } from "../domain/channels.js";\nimport express from "express";' },
      ]);
      assert.deepEqual(found.map((v) => v.imports), ["express"]);
    });

    it("lets addin/ take only server/contracts and server/domain", function () {
      const found = violations([
        { path: "addin/api/ApiClient.ts", source: 'import { api } from "../../server/contracts/api.js";\nimport { formatMinorUnits } from "../../server/domain/money.js";\nimport { t } from "../core/i18n.js";' },
        { path: "addin/app/Bad.ts", source: 'import type { OrderStore } from "../../server/db/KnexOrderStore.js";\nimport { errorHandler } from "../../server/http/errorHandler.js";' },
      ]);
      assert.deepEqual(found.map((v) => [v.file, v.imports]), [
        ["addin/app/Bad.ts", "../../server/db/KnexOrderStore.js"],
        ["addin/app/Bad.ts", "../../server/http/errorHandler.js"],
      ]);
    });
  });
});
