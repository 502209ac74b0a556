import assert from "node:assert/strict";
import type { ConnectorHealth } from "../../../server/contracts/connectors.js";
import { sourceLines } from "../../../addin/core/sourcesSummary.js";

function health(over: Partial<ConnectorHealth>): ConnectorHealth {
  return {
    id: "c",
    name: "c",
    kind: "shopify",
    paused: false,
    running: false,
    state: "ok",
    stateText: { "zh-CN": "运行正常", en: "Running normally" },
    lastRunAt: "2026-12-02T08:00:00.000Z",
    lastSuccessAt: "2026-12-02T08:00:00.000Z",
    lagSeconds: 30,
    nextRunAt: "2026-12-02T08:15:00.000Z",
    retryAt: null,
    consecutiveFailures: 0,
    counts: { pulled: 10, mapped: 10, filtered: 0, unmapped: 0, dead: 0 },
    lastError: null,
    unmappedStatuses: [],
    filteredValues: [],
    ...over,
  };
}

const hhmm = (iso: string) => iso.slice(11, 16);

describe("数据源 page lines", function () {
  it("puts failing sources and those holding unmapped or filtered records first, each with its state, counts and what it holds, in the pane's language", function () {
    const lines = sourceLines(
      [
        health({ id: "a", name: "A 店" }),
        health({
          id: "b",
          name: "B 聚水潭",
          kind: "jushuitan",
          consecutiveFailures: 3,
          state: "failing",
          stateText: { "zh-CN": "最近一次运行失败，正在退避重试", en: "The last run failed; retrying with backoff" },
          lagSeconds: 7200,
          lastError: { code: "rate_limited", message: { "zh-CN": "平台限流", en: "rate limited by the platform" }, detail: "", at: "2026-12-02T08:00:00.000Z" },
        }),
        health({ id: "c", name: "C 虾皮", unmappedStatuses: [{ field: "status", value: "IN_CANCEL", count: 4, firstSeenAt: "", lastSeenAt: "", sample: {} }] }),
        health({ id: "d", name: "D 停", paused: true, state: "paused", stateText: { "zh-CN": "已暂停", en: "Paused" }, filteredValues: [{ rule: "only-card", field: "payment_method", value: "shopeepay_wallet", count: 12, firstSeenAt: "", lastSeenAt: "", samples: [] }] }),
        health({ id: "e", name: "E 新", lastRunAt: null, nextRunAt: null, state: "never_run", stateText: { "zh-CN": "尚未运行", en: "Has not run yet" } }),
      ],
      "zh-CN",
      hhmm,
    );
    assert.deepEqual(lines.map((l) => [l.id, l.state, l.attention]), [
      ["b", "failing", true],
      ["c", "ok", true],
      ["d", "paused", true],
      ["a", "ok", false],
      ["e", "never_run", false],
    ]);
    assert.equal(lines[0].stateText, "最近一次运行失败，正在退避重试（连续 3 次）");
    assert.deepEqual(lines[0].details, ["上次运行 08:00 · 下次 08:15 · 落后 120 分钟", "拉取 10 · 映射 10 · 过滤 0 · 未映射 0 · 失败 0", "最近错误：平台限流"]);
    assert.ok(lines[1].details.includes("未映射状态：status = IN_CANCEL（4 次）"));
    assert.ok(lines[2].details.includes("规则 only-card 过滤了 payment_method = shopeepay_wallet（12 条）"));
    assert.equal(lines[4].stateText, "尚未运行");

    const en = sourceLines([health({ id: "b", consecutiveFailures: 2, state: "failing", stateText: { "zh-CN": "最近一次运行失败", en: "The last run failed" }, lastError: { code: "x", message: { "zh-CN": "平台限流", en: "rate limited by the platform" }, detail: "", at: "" } })], "en", hhmm);
    assert.equal(en[0].stateText, "The last run failed (2 in a row)");
    assert.ok(en[0].details.includes("Last error: rate limited by the platform"));
  });
});
