import assert from "node:assert/strict";
import type { Database } from "../../../server/db/createKnex.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { at, importOrder, newWorkspace, orderRow, send, stores } from "./fixtures.js";

/** A standard order in transit since `when` (paid, waybill, outbound). */
async function inTransit(db: Database, ws: string, when: Date): Promise<string> {
  const id = await importOrder(db, ws, when);
  await send(db, ws, id, when, "payment.confirmed", { paidAt: when.toISOString() });
  await send(db, ws, id, when, "waybill.assigned", { carrier: "SF", waybillNo: `SF${id}` });
  await send(db, ws, id, when, "wms.outbound", { outboundAt: when.toISOString() });
  assert.equal((await orderRow(db, ws, id)).status, "in_transit");
  return id;
}

async function alertsOf(db: Database, ws: string, id: string) {
  return db.knex("alerts").where({ workspace_id: ws, order_id: id }).orderBy("id").select("source_id", "cleared_at", "cleared_by", "clear_reason");
}

async function clearedInFeed(db: Database, ws: string, id: string) {
  return db.knex("changes").where({ workspace_id: ws, kind: "alert.cleared", order_id: id }).orderBy("seq").select("data", "order_version");
}

/**
 * Timer alerts end (issue 15): the SLA job clears an alert whose stall ended (a tracking
 * update restarted the clock) and raises a new one if the next stall lasts as long; an
 * order that leaves the status clears its timer alerts at once, without waiting for a run.
 */
describeEachDatabase("timer alerts end", function ({ db }) {
  it("clears the stall alerts when a tracking update ends the stall, and raises new ones for the next stall", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const id = await inTransit(db(), ws, at(0));
    const job = stores(db()).job();
    assert.equal((await job.run(at(120))).alerts, 2, "no_tracking_2h and stall_sms_customer_2h");

    await send(db(), ws, id, at(130), "carrier.update", { state: "2", location: "杭州转运中心" });
    assert.equal((await alertsOf(db(), ws, id)).filter((a) => a.cleared_at === null).length, 2, "a tracking update is no status change: the job decides");

    const run = await job.run(at(131));
    assert.equal(run.alertsCleared, 2);
    assert.equal(run.alerts, 0);
    const rows = await alertsOf(db(), ws, id);
    assert.deepEqual(rows.map((r) => [r.source_id, r.cleared_by, r.clear_reason, new Date(r.cleared_at).toISOString()]), [
      ["no_tracking_2h", "system", "condition_ended", at(131).toISOString()],
      ["stall_sms_customer_2h", "system", "condition_ended", at(131).toISOString()],
    ]);
    const feed = await clearedInFeed(db(), ws, id);
    assert.deepEqual(feed.map((f) => f.data.sourceId).sort(), ["no_tracking_2h", "stall_sms_customer_2h"]);
    assert.ok(feed.every((f) => f.data.reason === "condition_ended" && f.data.clearedBy === "system"));

    assert.equal((await job.run(at(135))).alertsCleared, 0, "nothing more to clear");
    assert.equal((await job.run(at(130 + 119))).alerts, 0);
    assert.equal((await job.run(at(130 + 120))).alerts, 2, "the next stall of 2 h raises its own alerts");
    assert.equal((await alertsOf(db(), ws, id)).filter((a) => a.cleared_at === null).length, 2);
  });

  it("clears an order's timer alerts when it leaves the status, at once and once", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const id = await inTransit(db(), ws, at(0));
    const job = stores(db()).job();
    assert.equal((await job.run(at(120))).alerts, 2);

    await send(db(), ws, id, at(150), "carrier.signed", { signedAt: at(150).toISOString() });
    assert.notEqual((await orderRow(db(), ws, id)).status, "in_transit");
    const rows = await alertsOf(db(), ws, id);
    assert.ok(rows.length >= 2);
    for (const r of rows.filter((a) => a.source_id !== "green_review")) {
      assert.equal(r.clear_reason, "status_left", JSON.stringify(r));
      assert.equal(new Date(r.cleared_at).toISOString(), at(150).toISOString());
    }
    const feed = await clearedInFeed(db(), ws, id);
    assert.equal(feed.length, 2);
    assert.equal(Number(feed[0].order_version), (await orderRow(db(), ws, id)).version);
    assert.equal((await job.run(at(151))).alertsCleared, 0, "the job finds nothing left to clear");
    assert.equal((await clearedInFeed(db(), ws, id)).length, 2);
  });

  /** How many open timer alerts (with their orders) each job run read, by watching its statements. */
  function alertReads(ws: string): { counts: number[]; stop: () => void } {
    const counts: number[] = [];
    const onResponse = (res: unknown, q: { sql?: string; bindings?: unknown[] }) => {
      if (/as alert_key/.test(q.sql ?? "") && q.bindings?.[0] === ws) counts.push(((res as { rows?: unknown[] })?.rows ?? (res as unknown[])).length);
    };
    db().knex.on("query-response", onResponse);
    return { counts, stop: () => db().knex.off("query-response", onResponse) };
  }

  it("re-reads only the alerts of orders changed since the previous run, so a run follows what changed, not every open alert", async function () {
    this.timeout(60_000);
    const ws = await newWorkspace(db(), standardWorkflow);
    const ids = [await inTransit(db(), ws, at(0)), await inTransit(db(), ws, at(0)), await inTransit(db(), ws, at(0))];
    const job = stores(db()).job();
    assert.equal((await job.run(at(120))).alerts, 6);
    const watch = alertReads(ws);
    try {
      assert.equal((await job.run(at(125))).alertsCleared, 0);
      await send(db(), ws, ids[0], at(130), "carrier.update", { state: "2", location: "杭州转运中心" });
      const run = await job.run(at(131));
      assert.equal(run.alertsCleared, 2, "the changed order's stall ended");
      // After the first run (no previous one: all six), runs read only the alerts of orders
      // changed since the run before (less a margin): none, then the two of the updated order.
      assert.deepEqual(watch.counts, [0, 2]);
      assert.equal((await alertsOf(db(), ws, ids[1])).filter((a) => a.cleared_at === null).length, 2, "the others still stall");
    } finally {
      watch.stop();
    }
  });

  it("reads every open timer alert again when the workflow versions changed or a day has passed", async function () {
    this.timeout(60_000);
    const ws = await newWorkspace(db(), standardWorkflow);
    await inTransit(db(), ws, at(0));
    await inTransit(db(), ws, at(0));
    const job = stores(db()).job();
    assert.equal((await job.run(at(120))).alerts, 4);
    const watch = alertReads(ws);
    try {
      await job.run(at(200));
      await db().knex("timer_alert_sweeps").where("workspace_id", ws).update({ flows: "another" });
      await job.run(at(201));
      await job.run(at(202));
      await job.run(at(201 + 24 * 60));
      assert.deepEqual(watch.counts, [0, 4, 0, 4]);
    } finally {
      watch.stop();
    }
  });
});
