import assert from "node:assert/strict";
import { DEFAULT_RETENTION, loadConfig } from "../../server/config.js";

describe("configuration: retention", function () {
  it("defaults to 90 days of feed and inbox, 30 of refused input, 180 of firings, conflicts and tasks, 3 months ahead", function () {
    assert.deepEqual(DEFAULT_RETENTION, { feedDays: 90, inboxDays: 90, rejectedInputDays: 30, timerFiringDays: 180, conflictDays: 180, taskDays: 180, monthsAhead: 3, batchRows: 5000 });
  });

  it("reads every setting from the environment, 0 keeping for ever", function () {
    const c = loadConfig({ RETENTION_FEED_DAYS: "0", RETENTION_INBOX_DAYS: "30", RETENTION_REJECTED_INPUT_DAYS: "7", RETENTION_TIMER_FIRINGS_DAYS: "365", RETENTION_CONFLICTS_DAYS: "60", RETENTION_TASKS_DAYS: "61", PARTITION_MONTHS_AHEAD: "6", RETENTION_BATCH_ROWS: "1000" });
    assert.deepEqual(c.retention, { feedDays: 0, inboxDays: 30, rejectedInputDays: 7, timerFiringDays: 365, conflictDays: 60, taskDays: 61, monthsAhead: 6, batchRows: 1000 });
  });

  it("refuses an inbox retention shorter than platforms retry, and bad numbers, naming the variable", function () {
    assert.throws(() => loadConfig({ RETENTION_INBOX_DAYS: "1" }), /RETENTION_INBOX_DAYS: .*at least 7 days/);
    assert.throws(() => loadConfig({ RETENTION_FEED_DAYS: "-3" }), /RETENTION_FEED_DAYS: .*0 \(keep for ever\) or more/);
    assert.throws(() => loadConfig({ RETENTION_TASKS_DAYS: "soon" }), /RETENTION_TASKS_DAYS: .*whole number of days/);
    assert.throws(() => loadConfig({ PARTITION_MONTHS_AHEAD: "0" }), /PARTITION_MONTHS_AHEAD/);
  });
});
