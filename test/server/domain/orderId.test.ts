import assert from "node:assert/strict";
import { channelCode } from "../../../server/domain/channels.js";
import { dayInZone, formatOrderId, isOrderId } from "../../../server/domain/orderId.js";

describe("order IDs", function () {
  it("formats {CHANNEL}{YYYYMMDD}-{NNNNN}", function () {
    assert.equal(formatOrderId(channelCode("tmall"), "20260115", 892), "TM20260115-00892");
    assert.equal(formatOrderId("PDD", "20261111", 1), "PDD20261111-00001");
  });

  it("widens the sequence past 99999 instead of wrapping", function () {
    assert.equal(formatOrderId("DY", "20261111", 123456), "DY20261111-123456");
    assert.ok(isOrderId("DY20261111-123456"));
  });

  it("takes the calendar day in the workspace time zone", function () {
    const lateUtc = new Date("2026-01-14T17:30:00Z"); // 01:30 on the 15th in Shanghai
    assert.equal(dayInZone(lateUtc, "Asia/Shanghai"), "20260115");
    assert.equal(dayInZone(lateUtc, "UTC"), "20260114");
  });

  it("recognises well-formed IDs only", function () {
    assert.ok(isOrderId("TM20260115-00892"));
    assert.ok(!isOrderId("tm20260115-00892"));
    assert.ok(!isOrderId("TM2026011-00892"));
    assert.ok(!isOrderId("TM20260115-892"));
  });

  it("refuses bad parts", function () {
    assert.throws(() => formatOrderId("T", "20260115", 1), /2–4 capital letters/);
    assert.throws(() => formatOrderId("TM", "2026-01-15", 1), /YYYYMMDD/);
    assert.throws(() => formatOrderId("TM", "20260115", 0), /positive/);
  });
});
