import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { WorkflowDefinition } from "../../../server/contracts/workflow.js";
import { createDatabase, type Database } from "../../../server/db/createKnex.js";
import { historicalOrders } from "../../../server/db/historicalOrders.js";
import { migrateLatest } from "../../../server/db/migrate.js";
import { compareReports } from "../../../server/domain/sandbox/compareReports.js";
import { simulate } from "../../../server/domain/sandbox/simulate.js";
import type { SyntheticOrder } from "../../../server/domain/sandbox/script.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { at, importOrder, newWorkspace, send, stores } from "../jobs/fixtures.js";
import { runCli } from "./runCli.js";

async function history(db: Database): Promise<{ ws: string; shipped: string; big: string }> {
  const ws = await newWorkspace(db, standardWorkflow);
  const shipped = await importOrder(db, ws, at(0));
  await send(db, ws, shipped, at(5), "payment.confirmed", {});
  await send(db, ws, shipped, at(30), "waybill.assigned", { carrier: "SF", waybillNo: "SF100" });
  await send(db, ws, shipped, at(60), "wms.outbound", { outboundAt: at(60).toISOString() });
  await stores(db).job().run(at(60 + 125)); // timer alerts: not replayed as events
  const big = await importOrder(db, ws, at(1), { totalAmount: 80_000, lines: [{ lineNo: 1, sku: "S", name: "沙发", quantity: 1, unitPrice: 80_000, amount: 80_000, flags: {} }] });
  await send(db, ws, big, at(6), "payment.confirmed", {});
  return { ws, shipped, big };
}

async function counts(db: Database): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const t of ["orders", "order_lines", "events_inbox", "audit_log", "changes", "alerts", "timer_firings", "tasks"]) {
    out[t] = Number((await db.knex(t).count({ n: "*" }).first())!.n);
  }
  return out;
}

async function collect(it: AsyncIterable<SyntheticOrder>): Promise<SyntheticOrder[]> {
  const out: SyntheticOrder[] = [];
  for await (const o of it) out.push(o);
  return out;
}

describeEachDatabase("sandbox --from-db history", function ({ db }) {
  it("rebuilds each order as imported with its events in arrival order, and replays to the same transitions", async function () {
    const { ws, shipped, big } = await history(db());
    const before = await counts(db());
    const orders = await collect(historicalOrders(db().knex, ws));
    assert.deepEqual(await counts(db()), before);

    assert.deepEqual(orders.map((o) => o.order.id), [shipped, big].sort());
    const s = orders.find((o) => o.order.id === shipped)!;
    assert.deepEqual([s.order.paidAt, s.order.outboundAt, s.order.waybillNo, s.order.version, s.order.extra], [null, null, null, 1, {}]);
    assert.equal(s.order.lines?.length, 1);
    assert.deepEqual(s.steps.map((x) => (x.kind === "event" ? x.event.type : x.kind)), ["payment.confirmed", "waybill.assigned", "wms.outbound"]);
    assert.deepEqual(s.steps.map((x) => x.at), [at(5), at(30), at(60)].map((d) => d.getTime()));

    const report = simulate(standardWorkflow, orders);
    assert.equal(report.orders, 2);
    assert.equal(report.transitions.pay, 2);
    assert.equal(report.transitions.route_manual_review, 1);
    assert.equal(report.transitions.route_straight_through, 1);
    assert.equal(report.transitions.ship_after_outbound, 1);
    assert.ok(report.alerts["timer:no_tracking_2h:orange"] >= 1);
  });

  it("shows what a changed definition would do differently on the recorded history", async function () {
    const { ws } = await history(db());
    const raised: WorkflowDefinition = structuredClone(standardWorkflow);
    const t = raised.transitions.find((x) => x.id === "route_manual_review")!;
    t.guard = "order.totalAmount > 100000";
    const orders = await collect(historicalOrders(db().knex, ws));
    const diff = compareReports(simulate(standardWorkflow, orders), simulate(raised, orders));
    assert.match(JSON.stringify(diff), /route_manual_review/);
  });
});

describe("npm run sandbox -- --from-db [pglite data directory]", function () {
  this.timeout(120_000);
  it("replays the data directory's history and writes nothing", async function () {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ordersheet-sandbox-"));
    try {
      let db = createDatabase({ dataDir: dir });
      await migrateLatest(db.knex);
      const { ws } = await history(db);
      const before = await counts(db);
      await db.knex.destroy();
      const r = await runCli("server/cli/sandbox.ts", ["--workflow", "standard", "--from-db", "--workspace", ws, "--compare", "--json"], { DATA_DIR: dir });
      assert.equal(r.code, 0, r.stderr);
      const out = JSON.parse(r.stdout);
      assert.equal(out.report.orders, 2);
      assert.equal(out.compare.orders, 2);
      assert.match(r.stderr, /workspace .* history.*nothing written/);
      db = createDatabase({ dataDir: dir });
      assert.deepEqual(await counts(db), before);
      await db.knex.destroy();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
