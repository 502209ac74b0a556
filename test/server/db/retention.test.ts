import assert from "node:assert/strict";
import crypto from "node:crypto";
import pino from "pino";
import type { RetentionSettings } from "../../../server/domain/retention/retentionPolicy.js";
import { DEFAULT_RETENTION } from "../../../server/config.js";
import { KnexRetentionStore } from "../../../server/db/KnexRetentionStore.js";
import { ensureMonthlyPartitions, listMonthlyPartitions } from "../../../server/db/partitions.js";
import { RetentionJob } from "../../../server/jobs/retentionJob.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../helpers/testServer.js";

/** The clock of this suite: mid-June 2027, with month partitions from January on. */
const NOW = new Date("2027-06-15T00:00:00.000Z");
const quiet = pino({ level: "silent" });

function settings(overrides: Partial<RetentionSettings> = {}): RetentionSettings {
  return { ...DEFAULT_RETENTION, ...overrides };
}

describeEachDatabase("retention of the change feed and the inbox", ({ db }) => {
  let t: TestServer;
  const ws = "default";

  before(async function () {
    this.timeout(60_000);
    t = await startTestServer(db(), { jobs: true, retention: settings({ feedDays: 90, inboxDays: 90 }) }, () => NOW);
    for (const table of ["changes", "events_inbox"]) await ensureMonthlyPartitions(db().knex, table, new Date("2027-01-01T00:00:00Z"), NOW);
  });
  after(async () => {
    await t?.close();
  });

  async function feedRow(at: string, workspace = ws): Promise<string> {
    const r = await db().knex("changes").insert({ workspace_id: workspace, kind: "channel.paused", order_id: null, data: { channel: "tmall", at }, at }).returning("seq");
    return String(r[0].seq ?? r[0]);
  }
  async function inboxRow(at: string, outcome: string): Promise<void> {
    await db().knex("events_inbox").insert({
      workspace_id: ws, source: "connector:test", source_event_id: crypto.randomUUID(), type: "carrier.update", order_id: null,
      payload: {}, outcome, actor: "test", received_at: at,
    });
  }
  const names = async (table: string) => (await listMonthlyPartitions(db().knex, table)).map((p) => p.name);

  it("drops only whole partitions older than the setting; a month still holding one kept day stays whole, and the partitions ahead exist", async function () {
    const job = new RetentionJob({ store: new KnexRetentionStore(db().knex), settings: settings({ feedDays: 90, inboxDays: 90 }), logger: quiet });
    const jan = await feedRow("2027-01-10T00:00:00Z");
    const feb = await feedRow("2027-02-20T00:00:00Z");
    const earlyMarch = await feedRow("2027-03-10T00:00:00Z"); // older than the cutoff (2027-03-17), in a month that is not
    const lateMarch = await feedRow("2027-03-20T00:00:00Z");
    const june = await feedRow("2027-06-01T00:00:00Z");
    await inboxRow("2027-01-05T00:00:00Z", "held"); // a paused channel's event: its month stays
    await inboxRow("2027-02-05T00:00:00Z", "applied");
    await inboxRow("2027-03-05T00:00:00Z", "applied");

    const sum = await job.run(NOW);
    assert.equal(sum.errors, 0);
    assert.deepEqual(sum.partitionsDropped.sort(), ["changes_p202612", "changes_p202701", "changes_p202702", "events_inbox_p202612", "events_inbox_p202702"]);
    assert.deepEqual(sum.partitionsKept, [{ name: "events_inbox_p202701", reason: "holds events of a paused channel" }]);
    const kept = (await db().knex("changes").where("workspace_id", ws).whereIn("seq", [jan, feb, earlyMarch, lateMarch, june]).orderBy("seq").select("seq")).map((r) => String(r.seq));
    assert.deepEqual(kept, [earlyMarch, lateMarch, june]);
    assert.deepEqual((await names("changes")).slice(0, 2), ["changes_p202703", "changes_p202704"]);
    assert.ok((await names("changes")).includes("changes_p202709"), "three months ahead of June exist");
    assert.ok((await names("events_inbox")).includes("events_inbox_p202701"));
    assert.equal(Number((await db().knex("events_inbox").where({ workspace_id: ws, outcome: "applied" }).count({ n: "*" }).first())!.n), 1);

    // A second run finds nothing more to drop.
    assert.deepEqual((await job.run(NOW)).partitionsDropped, []);
  });

  it("answers a feed cursor older than the dropped months with 410 feed_reload (zh-CN and English), and serves cursors from the boundary on", async function () {
    const horizon = String((await db().knex("feed_horizons").where("workspace_id", ws).first("dropped_upto_seq"))!.dropped_upto_seq);
    const stale = String(BigInt(horizon) - 1n);
    const gone = await t.call("GET", `/api/changes?since=${stale}`);
    assert.equal(gone.status, 410);
    assert.equal(gone.body.error.code, "feed_reload");
    assert.match(gone.body.error.details.messages["zh-CN"], /重新加载/);
    assert.match(gone.body.error.details.messages.en, /load the view again/);
    assert.equal(gone.body.error.details.keptAfter, horizon);
    // A fresh client asking from the very start of this workspace's feed lost something too.
    assert.equal((await t.call("GET", "/api/changes?since=0")).status, 410);

    const fine = await t.call("GET", `/api/changes?since=${horizon}`);
    assert.equal(fine.status, 200);
    assert.ok(fine.body.changes.length >= 3);
    assert.equal((await t.call("GET", "/api/changes/head")).status, 200);
  });

  it("tells a fresh client of a workspace that lost nothing to read on (cursor 0 answers 200)", async function () {
    const token = await t.token("小李", "admin", "ws_untouched");
    const seq = await feedRow("2027-06-02T00:00:00Z", "ws_untouched");
    const r = await t.call("GET", "/api/changes?since=0", { token });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.changes.map((c: { seq: string }) => c.seq), [seq]);
  });

  it("reports the settings, what was dropped, the oldest month kept and rows in a default partition on /metrics", async function () {
    // February's partition was dropped: a row dated there now waits in the default partition.
    await feedRow("2027-02-25T00:00:00Z");
    // An old month the server's own job drops, counted in its metrics.
    await ensureMonthlyPartitions(db().knex, "changes", new Date("2026-11-01T00:00:00Z"), new Date("2026-11-01T00:00:00Z"));
    await feedRow("2026-11-11T00:00:00Z");
    assert.equal(await t.server.scheduler!.tick("retention"), "ran");
    assert.ok(!(await names("changes")).includes("changes_p202611"));
    const text = (await t.call("GET", "/metrics")).body as string;
    assert.match(text, /ordersheet_retention_days\{table="changes"\} 90/);
    assert.match(text, /ordersheet_retention_days\{table="events_inbox"\} 90/);
    assert.match(text, /ordersheet_retention_days\{table="rejected_inputs"\} 30/);
    assert.match(text, /ordersheet_retention_days\{table="timer_firings"\} 180/);
    assert.match(text, /ordersheet_partition_months_ahead 3/);
    assert.match(text, /ordersheet_retention_rows_deleted_total\{table="tasks"\} 0/);
    assert.match(text, /ordersheet_retention_partitions_dropped_total\{table="changes"\} 1/);
    assert.match(text, /ordersheet_partition_default_rows\{table="changes"\} 1/);
    assert.match(text, new RegExp(`ordersheet_partition_oldest_month_seconds\\{table="changes"\\} ${Date.UTC(2027, 2, 1) / 1000}`));
    assert.match(text, new RegExp(`ordersheet_partition_oldest_month_seconds\\{table="events_inbox"\\} ${Date.UTC(2027, 0, 1) / 1000}`));
  });
});
