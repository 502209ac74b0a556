import assert from "node:assert/strict";
import { partitionsToDrop, retentionCutoff, terminalStatuses } from "../../../../server/domain/retention/retentionPolicy.js";
import { standardWorkflow } from "../../../../server/domain/workflow/templates.js";

const month = (y: number, m: number) => ({ name: `changes_p${y}${String(m).padStart(2, "0")}`, from: new Date(Date.UTC(y, m - 1, 1)), to: new Date(Date.UTC(y, m, 1)) });

describe("retention policy", function () {
  const months = [month(2027, 1), month(2027, 2), month(2027, 3), month(2027, 4)];

  it("drops a month only when all of it is older than the retention", function () {
    // 90 days before 2027-06-15 is 2027-03-17: March still holds kept days.
    assert.deepEqual(partitionsToDrop(months, new Date("2027-06-15T00:00:00Z"), 90).map((p) => p.name), ["changes_p202701", "changes_p202702"]);
    // A month ending exactly at the cutoff goes.
    assert.deepEqual(partitionsToDrop(months, new Date("2027-05-30T00:00:00Z"), 90).map((p) => p.name), ["changes_p202701", "changes_p202702"]);
    assert.deepEqual(partitionsToDrop(months, new Date("2027-05-29T23:59:59Z"), 90).map((p) => p.name), ["changes_p202701"]);
  });

  it("keeps everything when the retention is 0", function () {
    assert.deepEqual(partitionsToDrop(months, new Date("2030-01-01T00:00:00Z"), 0), []);
    assert.equal(retentionCutoff(new Date("2030-01-01T00:00:00Z"), 0), null);
  });

  it("names the statuses where an order's life has ended", function () {
    assert.deepEqual(terminalStatuses(standardWorkflow).sort(), ["cancelled", "completed", "refunded"]);
  });
});
