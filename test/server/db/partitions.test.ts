import assert from "node:assert/strict";
import {
  addMonths,
  convertToMonthlyPartitions,
  ensureMonthlyPartitions,
  isPartitioned,
  listMonthlyPartitions,
  monthOf,
  partitionName,
  rowsInDefault,
} from "../../../server/db/partitions.js";
import { describeEachDatabase } from "../../helpers/databases.js";

describe("monthly partition names and months", () => {
  it("works in UTC calendar months", () => {
    assert.equal(monthOf(new Date("2026-12-31T23:59:59.999Z")).toISOString(), "2026-12-01T00:00:00.000Z");
    assert.equal(addMonths(new Date("2026-12-01T00:00:00Z"), 1).toISOString(), "2027-01-01T00:00:00.000Z");
    assert.equal(addMonths(new Date("2026-01-01T00:00:00Z"), -1).toISOString(), "2025-12-01T00:00:00.000Z");
    assert.equal(partitionName("changes", new Date("2027-03-15T08:00:00Z")), "changes_p202703");
  });
});

describeEachDatabase("monthly partitions", ({ db }) => {
  const now = new Date("2026-12-02T10:00:00Z");

  beforeEach(async () => {
    const k = db().knex;
    await k.raw("drop table if exists scratch_log");
    await k.raw("create table scratch_log (id bigserial primary key, workspace_id text not null, at timestamptz not null, body text check (body <> 'x'))");
    await k.raw("insert into scratch_log (workspace_id, at, body) values ('w', '2026-09-14T00:00:00Z', 'a'), ('w', '2026-11-30T23:59:59Z', 'b'), ('w', '2026-12-01T00:00:00Z', 'c')");
  });

  it("converts a table keeping its rows, its sequence and its checks, with partitions from the oldest row to three months ahead", async () => {
    const k = db().knex;
    await k.transaction(async (trx) => {
      await convertToMonthlyPartitions(trx, { table: "scratch_log", column: "at", primaryKey: ["workspace_id", "id", "at"], now });
    });
    assert.equal(await isPartitioned(k, "scratch_log"), true);
    assert.deepEqual(
      (await listMonthlyPartitions(k, "scratch_log")).map((p) => p.name),
      ["scratch_log_p202609", "scratch_log_p202610", "scratch_log_p202611", "scratch_log_p202612", "scratch_log_p202701", "scratch_log_p202702", "scratch_log_p202703"],
    );
    const rows = (await k.raw("select tableoid::regclass::text as part, id, body from scratch_log order by id")).rows;
    assert.deepEqual(rows.map((r: { part: string; body: string }) => [r.part.replace(/^.*\./, ""), r.body]), [
      ["scratch_log_p202609", "a"],
      ["scratch_log_p202611", "b"],
      ["scratch_log_p202612", "c"],
    ]);
    // The sequence survived the old table and goes on numbering.
    const next = await k.raw("insert into scratch_log (workspace_id, at, body) values ('w', now(), 'd') returning id");
    assert.equal(Number(next.rows[0].id), 4);
    await assert.rejects(k.raw("insert into scratch_log (workspace_id, at, body) values ('w', now(), 'x')"), /check/i);
    assert.equal(await isPartitioned(k, "orders"), false);
  });

  it("creates missing months idempotently and catches a row beyond them in the default partition, skipping that month later", async () => {
    const k = db().knex;
    await convertToMonthlyPartitions(k, { table: "scratch_log", column: "at", primaryKey: ["workspace_id", "id", "at"], now, monthsAhead: 1 });
    await k.raw("insert into scratch_log (workspace_id, at, body) values ('w', '2027-05-10T00:00:00Z', 'far')");
    assert.equal(await rowsInDefault(k, "scratch_log"), 1);
    const made = await ensureMonthlyPartitions(k, "scratch_log", now, new Date("2027-06-01T00:00:00Z"));
    assert.deepEqual(made.created, ["scratch_log_p202702", "scratch_log_p202703", "scratch_log_p202704", "scratch_log_p202706"]);
    assert.deepEqual(made.skipped, ["scratch_log_p202705"]);
    const again = await ensureMonthlyPartitions(k, "scratch_log", now, new Date("2027-04-01T00:00:00Z"));
    assert.deepEqual(again, { created: [], skipped: [] });
    // A skipped month inside a caller's transaction leaves the transaction usable.
    await k.transaction(async (trx) => {
      const r = await ensureMonthlyPartitions(trx, "scratch_log", new Date("2027-05-01T00:00:00Z"), new Date("2027-05-01T00:00:00Z"));
      assert.deepEqual(r.skipped, ["scratch_log_p202705"]);
      await trx.raw("select 1");
    });
  });
});
