import assert from "node:assert/strict";
import { EVENT_TYPES, EventInput, TRIGGER_EVENT_TYPES } from "../../../../server/contracts/events.js";

const base = { source: "connector:kdniao", sourceEventId: "k-1", orderId: "TM20260115-00001" };

describe("EventInput", function () {
  it("accepts a fact with its typed payload", function () {
    const e = EventInput.parse({ ...base, type: "wms.outbound", occurredAt: "2026-01-15T08:00:00+08:00", data: { outboundAt: "2026-01-15T08:00:00Z", warehouse: "HZ-1" } });
    assert.equal(e.type, "wms.outbound");
  });

  it("locates the order by channel + externalOrderId instead of orderId", function () {
    assert.ok(EventInput.safeParse({ source: "sheet:li.li", sourceEventId: "1", channel: "tmall", externalOrderId: "T9", type: "wms.printed", data: {} }).success);
  });

  it("refuses an event that does not say which order it is about", function () {
    const r = EventInput.safeParse({ source: "sheet:li.li", sourceEventId: "1", channel: "tmall", type: "wms.printed", data: {} });
    assert.ok(!r.success);
    assert.match(r.error.issues[0].message, /orderId, or with both channel and externalOrderId/);
  });

  it("refuses unknown payload fields and fractional money", function () {
    assert.ok(!EventInput.safeParse({ ...base, type: "carrier.signed", data: { signedAt: "2026-01-15T08:00:00Z", by: "neighbour" } }).success);
    const r = EventInput.safeParse({ ...base, type: "finance.receivable", data: { amount: 100.5 } });
    assert.ok(!r.success);
    assert.match(r.error.issues[0].message, /minor units/);
  });

  it("refuses an unknown type, listing the known ones", function () {
    const r = EventInput.safeParse({ ...base, type: "parcel.lost", data: {} });
    assert.ok(!r.success);
    assert.match(r.error.issues[0].message, /payment\.confirmed/);
  });

  it("refuses a source that is not kind:name and a time without a zone", function () {
    assert.ok(!EventInput.safeParse({ ...base, source: "kdniao", type: "wms.printed", data: {} }).success);
    assert.ok(!EventInput.safeParse({ ...base, type: "wms.printed", occurredAt: "2026-01-15 08:00", data: {} }).success);
  });

  it("requires the base version on a manual command", function () {
    assert.ok(!EventInput.safeParse({ ...base, type: "manual.command", data: { to: "reviewed" } }).success);
    assert.ok(EventInput.safeParse({ ...base, type: "manual.command", data: { to: "reviewed", baseVersion: 4, note: "ok" } }).success);
  });

  it("keeps manual commands and timer firings out of transition triggers", function () {
    assert.ok(EVENT_TYPES.includes("manual.command"));
    assert.ok(!TRIGGER_EVENT_TYPES.includes("manual.command" as never));
    assert.ok(!TRIGGER_EVENT_TYPES.includes("timer.fired" as never));
  });
});
