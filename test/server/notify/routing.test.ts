import assert from "node:assert/strict";
import { RouteMatch } from "../../../server/contracts/notify.js";
import type { Notice, NoticeSource, RouteRule } from "../../../server/notify/notice.js";
import { planNotices, routeMatches } from "../../../server/notify/routing.js";
import { cutToBytes, localTime, noticeMarkdown, packWithin } from "../../../server/notify/templates.js";

const notice: Notice = {
  kind: "alert", level: "yellow", message: "Logistics stalled for 2 h: send the customer an SMS", audience: "customer", orderId: "TM20260115-00001",
  externalOrderId: "X1", channel: "tmall", region: "east", warehouse: "hz", status: "in_transit", since: "2026-01-15T02:00:00.000Z", raisedAt: "2026-01-15T04:00:00.000Z",
};
const source = (over: Partial<NoticeSource> = {}): NoticeSource => ({ sourceKind: "alert", sourceRef: "1@1", notice, customerPhone: "+8613900001111", ...over });
const rule = (id: string, targetId: string, match: Partial<RouteMatch>, targetKind = "wecom", targetPhone: string | null = null): RouteRule => ({ id, targetId, match: RouteMatch.parse(match), targetKind, targetPhone });

describe("notification routing and templates", function () {
  it("matches on every dimension given and treats an empty list as any", function () {
    assert.ok(routeMatches(RouteMatch.parse({}), notice));
    assert.ok(routeMatches(RouteMatch.parse({ levels: ["yellow"], regions: ["east"], warehouses: ["hz"], channels: ["tmall"], roles: ["customer"], kinds: ["alert"] }), notice));
    assert.ok(!routeMatches(RouteMatch.parse({ levels: ["red"] }), notice));
    assert.ok(!routeMatches(RouteMatch.parse({ kinds: ["task"] }), notice));
    assert.ok(!routeMatches(RouteMatch.parse({ regions: ["west"] }), notice));
    assert.ok(!routeMatches(RouteMatch.parse({ warehouses: ["sh"] }), { ...notice, warehouse: null }), "a rule naming warehouses skips orders with none");
  });

  it("queues a source once per target however many rules lead there, and gives SMS-to-customer the order's phone", function () {
    const planned = planNotices([source()], [rule("1", "10", {}), rule("2", "10", { levels: ["yellow"] }), rule("3", "20", { roles: ["customer"] }, "sms", "customer"), rule("4", "30", { roles: ["finance"] })]);
    assert.deepEqual(planned.map((p) => [p.targetId, p.notice.phone ?? null, p.undeliverable ?? null]), [["10", null, null], ["20", "+8613900001111", null]]);
    const noPhone = planNotices([source({ customerPhone: null })], [rule("3", "20", {}, "sms", "customer")]);
    assert.equal(noPhone[0].undeliverable, "no phone number for the customer");
    const fixed = planNotices([source({ customerPhone: null })], [rule("3", "20", {}, "sms", "+8613800000000")]);
    assert.equal(fixed[0].notice.phone, "+8613800000000");
  });

  it("writes times in the workspace zone, keeps user text out of markdown links and tags, and cuts at a character boundary", function () {
    assert.equal(localTime("2026-01-15T16:30:00.000Z", "Asia/Shanghai"), "2026-01-16 00:30");
    const md = noticeMarkdown({ ...notice, message: "坏[链接](http://x)<font>\n第二行" }, { locale: "en", timeZone: "Asia/Shanghai", link: () => "L" }, true);
    assert.match(md, /Problem: 坏\\\[链接\\\]\(http:\/\/x\)\\<font\\> 第二行/);
    assert.match(md, /^### 【Yellow alert】Order TM20260115-00001$/m);
    const cut = cutToBytes("预警".repeat(10), 10);
    assert.ok(Buffer.byteLength(cut, "utf8") <= 10);
    assert.equal(cut, "预警…");
    const long = packWithin([{ ...notice, message: "长".repeat(3000) }], (ns) => ns.map((n) => n.message).join(""), 4096);
    assert.equal(long.used, 1, "a notice too long alone is cut, not stuck");
    assert.ok(Buffer.byteLength(long.text, "utf8") <= 4096);
  });
});
