import assert from "node:assert/strict";
import type { Database } from "../../../server/db/createKnex.js";
import { KnexJobSlots } from "../../../server/db/KnexJobSlots.js";
import { rowToOrder, ORDER_COLUMNS } from "../../../server/db/orderRows.js";
import { slaLevel } from "../../../server/domain/workflow/slaLevel.js";
import { furnitureWorkflow, standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { SlaTimerJob } from "../../../server/jobs/slaTimerJob.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { at, importOrder, newWorkspace, orderRow, quietLogger, secondInstance, send, stores } from "./fixtures.js";

async function alertsOf(db: Database, ws: string, orderId?: string) {
  const q = db.knex("alerts").where("workspace_id", ws).orderBy("id").select("order_id", "key", "level", "source", "source_id", "notify", "via", "message", "messages");
  if (orderId) q.andWhere("order_id", orderId);
  return q;
}

async function feedAlerts(db: Database, ws: string, orderId?: string) {
  const q = db.knex("changes").where({ workspace_id: ws, kind: "alert.raised" }).orderBy("seq").select("order_id", "order_version", "data");
  if (orderId) q.andWhere("order_id", orderId);
  return q;
}

/** A furniture order moved into 定制参数确认 (params_confirming) at `when`. */
async function inParamsConfirmation(db: Database, ws: string, when: Date): Promise<string> {
  const id = await importOrder(db, ws, when);
  await send(db, ws, id, when, "milestone", { code: "risk_approved" });
  await send(db, ws, id, when, "milestone", { code: "params_confirming" });
  assert.equal((await orderRow(db, ws, id)).status, "params_confirming");
  return id;
}

/** A standard order in transit since `when` (paid, waybill, outbound). */
async function inTransit(db: Database, ws: string, when: Date, extra: Record<string, unknown> = {}): Promise<string> {
  const id = await importOrder(db, ws, when, { extra });
  await send(db, ws, id, when, "payment.confirmed", { paidAt: when.toISOString() });
  await send(db, ws, id, when, "waybill.assigned", { carrier: "SF", waybillNo: `SF${id}` });
  await send(db, ws, id, when, "wms.outbound", { outboundAt: when.toISOString() });
  assert.equal((await orderRow(db, ws, id)).status, "in_transit");
  return id;
}

describeEachDatabase("SLA timer job", function ({ db }) {
  describe("furniture SLA levels (DOMAIN.md: red 2 h in 定制参数确认, orange > 24 h 工厂排产启动 → 板材出库, green signed early)", function () {
    it("raises the red alert at 2 h in 定制参数确认, not before, once, and puts it in the change feed", async function () {
      const ws = await newWorkspace(db(), furnitureWorkflow);
      const id = await inParamsConfirmation(db(), ws, at(0));
      const job = stores(db()).job();

      assert.equal((await job.run(at(119))).alerts, 0);
      assert.deepEqual(await alertsOf(db(), ws), []);

      const first = await job.run(at(120));
      assert.equal(first.alerts, 1);
      const alerts = await alertsOf(db(), ws);
      assert.equal(alerts.length, 1);
      assert.equal(alerts[0].order_id, id);
      assert.equal(alerts[0].level, "red");
      assert.equal(alerts[0].source, "timer");
      assert.equal(alerts[0].source_id, "params_confirmation_red_2h");
      assert.equal(alerts[0].notify, "sales_supervisor, designer");
      const messages = typeof alerts[0].messages === "string" ? JSON.parse(alerts[0].messages) : alerts[0].messages;
      assert.match(messages["zh-CN"], /定制参数确认/);
      assert.match(messages.en, /custom parameters confirmation/);
      assert.equal(alerts[0].message, messages.en, "the one-line text is the English form");

      const feed = await feedAlerts(db(), ws, id);
      assert.equal(feed.length, 1);
      assert.equal(feed[0].data.level, "red");
      assert.equal(feed[0].data.sourceId, "params_confirmation_red_2h");
      assert.equal(Number(feed[0].order_version), (await orderRow(db(), ws, id)).version);

      for (const minutes of [121, 180, 24 * 60]) assert.equal((await job.run(at(minutes))).alerts, 0);
      assert.equal((await alertsOf(db(), ws)).length, 1);
      assert.equal((await feedAlerts(db(), ws)).length, 1);
    });

    it("raises the orange alert when 工厂排产启动 lasts more than 24 h, and none once 板材出库 came in time", async function () {
      const ws = await newWorkspace(db(), furnitureWorkflow);
      const slow = await inParamsConfirmation(db(), ws, at(0));
      const quick = await inParamsConfirmation(db(), ws, at(0));
      for (const id of [slow, quick]) await send(db(), ws, id, at(60), "milestone", { code: "production_started" });
      await send(db(), ws, quick, at(60 + 23 * 60), "milestone", { code: "boards_outbound" });
      const job = stores(db()).job();

      await job.run(at(60 + 24 * 60 - 1));
      assert.deepEqual((await alertsOf(db(), ws)).filter((a) => a.level === "orange"), []);
      await job.run(at(60 + 24 * 60));
      const orange = (await alertsOf(db(), ws)).filter((a) => a.level === "orange");
      assert.deepEqual(orange.map((a) => [a.order_id, a.source_id, a.via]), [[slow, "production_to_boards_orange_24h", "email"]]);
      assert.deepEqual((await feedAlerts(db(), ws, slow)).map((c) => c.data.level), ["orange"]);
      assert.deepEqual(await feedAlerts(db(), ws, quick), []);
    });

    it("shows green for a signature ≥ 24 h before the promise (raised once by the engine), and the timer job adds nothing", async function () {
      const ws = await newWorkspace(db(), furnitureWorkflow);
      const id = await importOrder(db(), ws, at(0), { promisedAt: at(10 * 24 * 60).toISOString() });
      for (const code of ["risk_approved", "params_confirming", "production_started", "boards_outbound", "hardware_assembled", "packed"]) {
        await send(db(), ws, id, at(30), "milestone", { code });
      }
      await send(db(), ws, id, at(40), "carrier.collected", {});
      await send(db(), ws, id, at(41), "carrier.update", { state: "202" });
      const signedAt = at(3 * 24 * 60);
      await send(db(), ws, id, signedAt, "carrier.update", { state: "2" });
      const out = await send(db(), ws, id, signedAt, "carrier.signed", { signedAt: signedAt.toISOString() });
      assert.equal(out.status, "signed");

      const row = await db().knex("orders").where({ workspace_id: ws, id }).first(...ORDER_COLUMNS);
      assert.equal(slaLevel(furnitureWorkflow, rowToOrder(row), at(4 * 24 * 60)), "green");
      const greens = (await alertsOf(db(), ws, id)).filter((a) => a.level === "green");
      assert.equal(greens.length, 1);

      const job = stores(db()).job();
      await job.run(at(5 * 24 * 60));
      await job.run(at(6 * 24 * 60));
      assert.equal((await alertsOf(db(), ws, id)).filter((a) => a.level === "green").length, 1);
      assert.deepEqual((await feedAlerts(db(), ws, id)).map((c) => c.data.level), ["green"]);
    });
  });

  describe("logistics stalls (DOMAIN.md: no tracking 2 h → alert regional manager + SMS; 6 h → task; 24 h → compensation)", function () {
    it("alerts at 2 h, creates the task at 6 h once, and moves to compensation at 24 h once", async function () {
      const ws = await newWorkspace(db(), standardWorkflow);
      const id = await inTransit(db(), ws, at(0));
      const job = stores(db()).job();

      assert.deepEqual(await job.run(at(119)).then((s) => [s.alerts, s.tasks, s.transitions]), [0, 0, 0]);
      const two = await job.run(at(120));
      assert.deepEqual([two.alerts, two.tasks, two.transitions], [2, 0, 0]);
      const alerts = await alertsOf(db(), ws, id);
      assert.deepEqual(alerts.map((a) => [a.source_id, a.level, a.notify, a.via]).sort(), [
        ["no_tracking_2h", "orange", "regional_manager", "im"],
        ["stall_sms_customer_2h", "yellow", "customer", "sms"],
      ]);

      assert.equal((await job.run(at(359))).tasks, 0);
      assert.equal((await job.run(at(360))).tasks, 1);
      assert.equal((await job.run(at(400))).tasks, 0);
      const tasks = await db().knex("tasks").where({ workspace_id: ws, order_id: id }).select("source_id", "assignee", "message");
      assert.deepEqual(tasks.map((t) => [t.source_id, t.assignee]), [["stall_task_6h", "customer_service"]]);

      const before = await orderRow(db(), ws, id);
      const day = await job.run(at(24 * 60));
      assert.equal(day.transitions, 1);
      const after = await orderRow(db(), ws, id);
      assert.equal(after.status, "compensation");
      assert.equal(after.version, before.version + 1);
      assert.equal(after.statusSince, at(24 * 60).toISOString());

      const history = await db().knex("audit_log").where({ workspace_id: ws, order_id: id, field: "status" }).orderBy("seq").select("source", "actor", "action", "old_value", "new_value");
      const last = history[history.length - 1];
      assert.deepEqual([last.source, last.actor, last.old_value, last.new_value], ["timer:sla", "timer:sla", "in_transit", "compensation"]);
      assert.match(last.action, /timer:stall_compensation_24h/);

      const again = await job.run(at(24 * 60 + 5));
      assert.equal(again.transitions + again.transitionsNotApplied, 0);
      assert.equal((await orderRow(db(), ws, id)).version, after.version);
      const inbox = await db().knex("events_inbox").where({ workspace_id: ws, source: "timer:sla" }).select("outcome", "order_id");
      assert.deepEqual(inbox.map((r) => [r.order_id, r.outcome]), [[id, "applied"]]);
      assert.equal((await alertsOf(db(), ws, id)).length, 2);
      const feedOrders = await db().knex("changes").where({ workspace_id: ws, order_id: id, kind: "order.updated" }).orderBy("seq", "desc").first("data");
      assert.equal(feedOrders.data.status, "compensation");
    });

    it("restarts the stall clock on each tracking update", async function () {
      const ws = await newWorkspace(db(), standardWorkflow);
      const id = await inTransit(db(), ws, at(0));
      await send(db(), ws, id, at(100), "carrier.update", { state: "2", location: "杭州" });
      const job = stores(db()).job();
      assert.equal((await job.run(at(200))).alerts, 0);
      assert.equal((await job.run(at(220))).alerts, 2);
      const keys = (await alertsOf(db(), ws, id)).map((a) => a.key);
      assert.ok(keys.every((k: string) => k.endsWith(`|${at(100).getTime()}`)), keys.join(","));
    });

    it("moves an order unpaid for 24 h to cancelled", async function () {
      const ws = await newWorkspace(db(), standardWorkflow);
      const id = await importOrder(db(), ws, at(0));
      const job = stores(db()).job();
      await job.run(at(24 * 60 - 1));
      assert.equal((await orderRow(db(), ws, id)).status, "pending_payment");
      assert.equal((await job.run(at(24 * 60))).transitions, 1);
      assert.equal((await orderRow(db(), ws, id)).status, "cancelled");
    });

    it("treats a malformed tracking time as absent instead of failing the scan", async function () {
      const ws = await newWorkspace(db(), standardWorkflow);
      const bad = await inTransit(db(), ws, at(0), { lastTrackAt: "2026-13-01T00:00:00Z" });
      const worse = await inTransit(db(), ws, at(0), { lastTrackAt: "yesterday" });
      const sum = await stores(db()).job().run(at(120));
      assert.equal(sum.errors, 0);
      assert.equal((await alertsOf(db(), ws, bad)).length, 2);
      assert.equal((await alertsOf(db(), ws, worse)).length, 2);
    });
  });

  describe("scanning", function () {
    it("skips in SQL the orders whose due timers all fired, so a repeat run reads none of them", async function () {
      const ws = await newWorkspace(db(), standardWorkflow);
      const tracked = await inTransit(db(), ws, at(0));
      await send(db(), ws, tracked, at(10), "carrier.update", { state: "2" });
      await inTransit(db(), ws, at(0));
      const furnitureWs = await newWorkspace(db(), furnitureWorkflow);
      await inParamsConfirmation(db(), furnitureWs, at(0));
      const job = stores(db()).job();
      const first = await job.run(at(150));
      assert.equal(first.perWorkspace[ws].scanned, 2);
      assert.equal(first.perWorkspace[furnitureWs].scanned, 1);
      assert.equal(first.perWorkspace[ws].alerts + first.perWorkspace[furnitureWs].alerts, 5);
      const second = await job.run(at(151));
      assert.equal(second.perWorkspace[ws].scanned, 0);
      assert.equal(second.perWorkspace[furnitureWs].scanned, 0);
    });

    it("walks large states page by page", async function () {
      const ws = await newWorkspace(db(), furnitureWorkflow);
      const ids: string[] = [];
      for (let i = 0; i < 12; i++) ids.push(await inParamsConfirmation(db(), ws, at(i)));
      const sum = await stores(db()).job(5).run(at(200));
      assert.equal(sum.alerts, 12);
      assert.deepEqual(new Set((await alertsOf(db(), ws)).map((a) => a.order_id)), new Set(ids));
    });
  });

  describe("two server instances at once", function () {
    it("raise each alert once and take each timer move once", async function () {
      this.timeout(60_000);
      const furniture = await newWorkspace(db(), furnitureWorkflow);
      const standard = await newWorkspace(db(), standardWorkflow);
      const red: string[] = [];
      const unpaid: string[] = [];
      for (let i = 0; i < 8; i++) red.push(await inParamsConfirmation(db(), furniture, at(0)));
      for (let i = 0; i < 8; i++) unpaid.push(await importOrder(db(), standard, at(0)));
      const versions = new Map(await Promise.all(unpaid.map(async (id) => [id, (await orderRow(db(), standard, id)).version] as const)));

      const other = await secondInstance(db());
      try {
        const now = at(25 * 60);
        const runs = await Promise.all([stores(db()).job(3).run(now), stores(other.db).job(3).run(now), stores(other.db).job(5).run(now)]);
        const total = (ws: string, k: "alerts" | "transitions") => runs.reduce((s, r) => s + (r.perWorkspace[ws]?.[k] ?? 0), 0);
        assert.equal(total(furniture, "alerts"), 8);
        assert.equal(total(standard, "transitions"), 8);
        assert.equal(runs.reduce((s, r) => s + r.errors, 0), 0);
      } finally {
        await other.close();
      }
      assert.equal((await alertsOf(db(), furniture)).length, 8);
      assert.equal((await feedAlerts(db(), furniture)).length, 8);
      for (const id of unpaid) {
        const row = await orderRow(db(), standard, id);
        assert.equal(row.status, "cancelled");
        assert.equal(row.version, versions.get(id)! + 1);
      }
      const timerAudit = await db().knex("audit_log").where({ workspace_id: standard, source: "timer:sla", field: "status" }).count({ n: "*" }).first();
      assert.equal(Number(timerAudit!.n), 8);
      const moved = await db().knex("changes").where({ workspace_id: standard, kind: "order.updated" }).whereIn("order_id", unpaid).count({ n: "*" }).first();
      assert.equal(Number(moved!.n), 8);
    });

    it("let only one instance run a workspace's slot when slots are claimed", async function () {
      const ws = await newWorkspace(db(), furnitureWorkflow);
      await inParamsConfirmation(db(), ws, at(0));
      const s = stores(db());
      const a = new SlaTimerJob({ store: s.timers, events: s.events, logger: quietLogger, slots: new KnexJobSlots(db().knex, "a") });
      const b = new SlaTimerJob({ store: s.timers, events: s.events, logger: quietLogger, slots: new KnexJobSlots(db().knex, "b") });
      const slot = new Date("2026-01-15T04:00:00.000Z");
      const [ra, rb] = await Promise.all([a.run(at(121), slot), b.run(at(121), slot)]);
      const workspaces = Number((await db().knex("workspaces").count({ n: "*" }).first())!.n);
      assert.equal(ra.workspaces + rb.workspaces, workspaces);
      assert.equal(ra.skipped + rb.skipped, workspaces);
      const next = await b.run(at(122), new Date(slot.getTime() + 60_000));
      assert.equal(next.skipped, 0);
      assert.equal((await alertsOf(db(), ws)).length, 1);
    });
  });
});
