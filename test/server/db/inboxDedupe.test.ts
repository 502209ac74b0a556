import assert from "node:assert/strict";
import pino from "pino";
import type { EventInput } from "../../../server/contracts/events.js";
import { DEFAULT_RETENTION } from "../../../server/config.js";
import { KnexRetentionStore } from "../../../server/db/KnexRetentionStore.js";
import { ensureMonthlyPartitions } from "../../../server/db/partitions.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates.js";
import { RetentionJob } from "../../../server/jobs/retentionJob.js";
import { describeEachDatabase } from "../../helpers/databases.js";
import { importOrder, newWorkspace, orderRow, secondInstance, stores } from "../jobs/fixtures.js";

const CONNECTOR = { role: "admin" as const, name: "shopify-webhook" };
const MAY_END = new Date("2027-05-31T23:30:00.000Z");
const JUNE = new Date("2027-06-15T00:00:00.000Z");
const SEPTEMBER = new Date("2027-09-20T00:00:00.000Z");

/**
 * The inbox keeps each (source, sourceEventId) once across its month partitions (no unique
 * index can, since it would have to include received_at): a redelivery inside the dedupe
 * window — the inbox retention — is a duplicate wherever its first delivery's month is.
 */
describeEachDatabase("inbox dedupe across month partitions", ({ db }) => {
  before(async function () {
    this.timeout(60_000);
    await ensureMonthlyPartitions(db().knex, "events_inbox", new Date("2027-04-01T00:00:00Z"), SEPTEMBER);
  });

  const payment = (id: string, sourceEventId: string): EventInput => ({ source: "connector:shopify", sourceEventId, orderId: id, type: "payment.confirmed", data: { paidAt: MAY_END.toISOString() } }) as EventInput;
  const ctx = (ws: string) => ({ workspaceId: ws, timeZone: "Asia/Shanghai", actor: CONNECTOR });
  const partitionsOf = async (ws: string, sourceEventId: string) =>
    (await db().knex.raw("select tableoid::regclass::text as p from events_inbox where workspace_id = ? and source_event_id = ?", [ws, sourceEventId])).rows.map((r: { p: string }) => r.p.replace(/^.*\./, ""));

  it("answers a redelivery in the next month as the duplicate it is, its first delivery sitting in the older partition", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const id = await importOrder(db(), ws, new Date("2027-05-31T23:00:00Z"));
    const [first] = await stores(db()).events.process(ctx(ws), [payment(id, "pay-may")], MAY_END);
    assert.equal(first.outcome, "applied");
    const version = (await orderRow(db(), ws, id)).version;

    const [again] = await stores(db()).events.process(ctx(ws), [payment(id, "pay-may")], JUNE);
    assert.equal(again.outcome, "duplicate");
    assert.equal(again.firstOutcome, "applied");
    assert.equal((await orderRow(db(), ws, id)).version, version);
    assert.deepEqual(await partitionsOf(ws, "pay-may"), ["events_inbox_p202705"]);

    // Retention at the same clock keeps May (inside 90 days): still a duplicate, batched with a new event.
    const job = new RetentionJob({ store: new KnexRetentionStore(db().knex), settings: { ...DEFAULT_RETENTION, inboxDays: 90 }, logger: pino({ level: "silent" }) });
    assert.ok(!(await job.run(JUNE)).partitionsDropped.includes("events_inbox_p202705"));
    const outcomes = await stores(db()).events.process(ctx(ws), [payment(id, "pay-june"), payment(id, "pay-may"), payment(id, "pay-june")], JUNE);
    assert.deepEqual(outcomes.map((o) => o.outcome), ["noop", "duplicate", "duplicate"]);
    assert.equal(outcomes[1].firstOutcome, "applied");
  });

  it("processes a redelivery after the window as new: the state machine answers it without a second effect", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const id = await importOrder(db(), ws, new Date("2027-05-31T23:00:00Z"));
    assert.equal((await stores(db()).events.process(ctx(ws), [payment(id, "pay-late")], MAY_END))[0].outcome, "applied");
    const before = await orderRow(db(), ws, id);

    const job = new RetentionJob({ store: new KnexRetentionStore(db().knex), settings: { ...DEFAULT_RETENTION, inboxDays: 90 }, logger: pino({ level: "silent" }) });
    assert.ok((await job.run(SEPTEMBER)).partitionsDropped.includes("events_inbox_p202705"));
    assert.deepEqual(await partitionsOf(ws, "pay-late"), []);

    const [late] = await stores(db()).events.process(ctx(ws), [payment(id, "pay-late")], SEPTEMBER);
    assert.equal(late.outcome, "noop", "the order is already paid: nothing new");
    assert.deepEqual(await orderRow(db(), ws, id), before);
    assert.deepEqual(await partitionsOf(ws, "pay-late"), ["events_inbox_p202709"]);
  });

  it("lets one of two concurrent deliveries of a new event apply it; the other is answered duplicate and the inbox holds one row", async function () {
    const ws = await newWorkspace(db(), standardWorkflow);
    const id = await importOrder(db(), ws, JUNE);
    const other = await secondInstance(db());
    try {
      const outs = await Promise.all([
        stores(db()).events.process(ctx(ws), [payment(id, "pay-race")], JUNE),
        stores(other.db).events.process(ctx(ws), [payment(id, "pay-race")], JUNE),
      ]);
      assert.deepEqual(outs.map(([o]) => o.outcome).sort(), ["applied", "duplicate"]);
      assert.equal((await partitionsOf(ws, "pay-race")).length, 1);
    } finally {
      await other.close();
    }
  });
});
