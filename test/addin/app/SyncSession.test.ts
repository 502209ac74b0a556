import assert from "node:assert/strict";
import type { ChangesResponse } from "../../../server/contracts/changes.js";
import type { OrderView } from "../../../server/contracts/orders.js";
import { ApiError } from "../../../addin/api/ApiError.js";
import { SyncSession, type SessionApi } from "../../../addin/app/SyncSession.js";
import { t } from "../../../addin/core/i18n.js";
import { MemoryPaneStore } from "../../../addin/core/PaneStore.js";
import { ExcelSheetGateway } from "../../../addin/excel/ExcelSheetGateway.js";
import { installExcelEnums, MockWorkbook } from "../excel/mockWorkbook.js";
import { orderView, testFlow } from "../fixtures.js";

/**
 * A server whose change feed lost what followed the pane's cursor (retention dropped it):
 * the feed answers 410 feed_reload for that cursor; meanwhile an order the pane never heard
 * about was created. Only a reload of the view brings it.
 */
function serverWithGap() {
  const state = { head: "10", orders: [orderView(1)] as OrderView[], sinces: [] as string[] };
  const api = {
    baseUrl: "https://x.test",
    me: async () => ({ workspaceId: "default", user: "小王", role: "admin" as const, timeZone: "Asia/Shanghai", editableColumns: [], piiUnmasked: true, mayExport: true }),
    workflow: async () => ({ version: 1, definition: testFlow, publishedBy: "admin", publishedAt: "2026-01-01T00:00:00.000Z" }),
    alerts: async () => ({ alerts: [] }),
    changesHead: async () => ({ cursor: state.head }),
    listOrders: async () => ({ orders: state.orders, nextCursor: null }),
    postEdits: async () => ({ results: [] }),
    closeAlert: async () => {
      throw new Error("not used");
    },
    changes: async (since: string, _wait: number, signal?: AbortSignal): Promise<ChangesResponse> => {
      state.sinces.push(since);
      if (since === "10") {
        // Retention dropped the months after cursor 10; order 2 was created in them.
        state.head = "50";
        state.orders = [orderView(1), orderView(2)];
        throw new ApiError("reload", 410, "changes after cursor 10 are no longer kept", "https://x.test");
      }
      return new Promise((resolve) => {
        if (signal?.aborted) resolve({ changes: [], cursor: since });
        signal?.addEventListener("abort", () => resolve({ changes: [], cursor: since }));
      });
    },
  };
  return { api: api as unknown as SessionApi, state };
}

describe("SyncSession: a feed cursor older than the server keeps", function () {
  before(() => installExcelEnums());

  it("reloads the view by itself and follows the feed from the new head", async function () {
    const wb = new MockWorkbook();
    const store = new MemoryPaneStore();
    const session = new SyncSession({ gateway: new ExcelSheetGateway(wb.host()), store, newId: () => "id", feedBackoffMs: [1], slaRefreshMs: 3_600_000 });
    const notices: string[] = [];
    session.onState((s) => s.notice && notices.push(s.notice));
    const { api, state } = serverWithGap();
    await session.connect(api);
    await session.load({}, true);
    assert.equal(wb.tableRows().length, 1);

    for (let i = 0; i < 500 && !(state.sinces.includes("50") && store.get("cursor") === "50"); i++) await new Promise((r) => setTimeout(r, 5));
    assert.deepEqual(state.sinces, ["10", "50"]);
    assert.equal(store.get("cursor"), "50");
    assert.deepEqual(wb.tableRows().map((r) => r[0]).sort(), [orderView(1).id, orderView(2).id]);
    assert.ok(notices.includes(t("zh-CN", "error.feedReload")), "the pane says why it reloaded");
    await session.disconnect();
  });

  it("reloads on a manual sync too", async function () {
    const wb = new MockWorkbook();
    const store = new MemoryPaneStore();
    const session = new SyncSession({ gateway: new ExcelSheetGateway(wb.host()), store, newId: () => "id" });
    const { api, state } = serverWithGap();
    await session.connect(api);
    await session.load({}, false);
    await session.syncOnce();
    assert.equal(store.get("cursor"), "50");
    assert.equal(wb.tableRows().length, 2);
    assert.deepEqual(state.sinces, ["10"]);
    await session.disconnect();
  });
});
