import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import type { Server } from "node:http";
import express, { Router } from "express";
import pino from "pino";
import type { Principal } from "../../../server/domain/access/principal.js";
import type { RejectionRecord } from "../../../server/domain/rejections/ports.js";
import { requireToken } from "../../../server/http/auth.js";
import { errorHandler } from "../../../server/http/errorHandler.js";
import { jsonBody } from "../../../server/http/jsonBody.js";
import { Metrics } from "../../../server/http/metrics.js";
import { ordersRouter } from "../../../server/http/ordersRouter.js";
import { InMemoryOrderStore } from "../../helpers/InMemoryOrderStore.js";
import { standardWorkflow } from "../../../server/domain/workflow/templates/standardWorkflow.js";

// The orders routes against an in-memory `OrderStore`: no database, so these pin what the
// router itself does (validation, roles, the cursor, filters, the error envelope). The same
// routes over the real stores are covered by orders.test.ts.

const person = (userName: string, role: Principal["role"], workspaceId = "w1"): Principal => ({
  workspaceId,
  timeZone: "Asia/Shanghai",
  userId: `usr_${userName}`,
  userName,
  role,
  tokenId: `tok_${userName}`,
  scope: {},
});

const TOKENS = new Map<string, Principal>([
  ["token-li", person("li.li", "customer_service")],
  ["token-audit", person("wang.audit", "auditor")],
  ["token-other", person("zhao.admin", "admin", "w2")],
]);

const order = (externalOrderId: string, totalAmount: string | number = "19.99") => ({
  channel: "tmall",
  externalOrderId,
  totalAmount,
  placedAt: "2026-01-15T10:00:00+08:00",
  lines: [{ sku: "CUP-01", name: "保温杯", quantity: 1, unitPrice: totalAmount }],
});

describe("ordersRouter over an in-memory OrderStore", function () {
  let store: InMemoryOrderStore;
  let metrics: Metrics;
  let rejections: RejectionRecord[];
  let clock: Date;
  let server: Server;
  let url: string;

  beforeEach(async function () {
    store = new InMemoryOrderStore();
    metrics = new Metrics();
    rejections = [];
    clock = new Date("2026-01-15T02:00:00.000Z");
    const app = express();
    app.set("query parser", "simple");
    const api = Router();
    api.use(requireToken({ authenticate: async (token) => TOKENS.get(token) }));
    api.use(jsonBody(1024 * 1024));
    api.use(ordersRouter({ orders: store, metrics, now: () => clock, workflows: { current: async () => ({ version: 1, definition: standardWorkflow }) as never } }));
    app.use("/api", api);
    app.use(errorHandler(pino({ level: "silent" }), async (r) => void rejections.push(r)));
    server = app.listen(0, "127.0.0.1");
    await new Promise((resolve) => server.once("listening", resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterEach(async function () {
    await new Promise((resolve) => server.close(resolve));
  });

  async function call(method: string, path: string, token: string, body?: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: await res.json() };
  }

  async function importOne(externalOrderId: string): Promise<string> {
    const res = await call("POST", "/api/orders", "token-li", { orders: [order(externalOrderId)] });
    assert.equal(res.status, 200);
    return res.body.results[0].id;
  }

  it("imports in the caller's workspace and name, money as minor units, answered per row and idempotent", async function () {
    const first = await call("POST", "/api/orders", "token-li", { orders: [order("A-1", "19.99"), order("A-2", 5)] });
    assert.equal(first.status, 200);
    assert.equal(first.body.created, 2);
    assert.equal(first.body.unchanged, 0);
    assert.deepEqual(first.body.results.map((r: any) => r.message), ["created as TM20260115-00001", "created as TM20260115-00002"]);

    const [ctx, drafts, now] = store.calls[0].args as [unknown, any[], Date];
    assert.deepEqual(ctx, { workspaceId: "w1", timeZone: "Asia/Shanghai", actor: "li.li", source: "api:import" });
    assert.deepEqual(drafts.map((d) => [d.totalAmount, d.lines[0].unitPrice, d.lines[0].amount, d.placedAt]), [
      [1999, 1999, 1999, "2026-01-15T02:00:00.000Z"],
      [500, 500, 500, "2026-01-15T02:00:00.000Z"],
    ]);
    assert.equal(now, clock);

    const again = await call("POST", "/api/orders", "token-li", { orders: [order("A-2", 5)] });
    assert.deepEqual([again.body.created, again.body.unchanged], [0, 1]);
    assert.equal(again.body.results[0].message, "already imported as TM20260115-00002; nothing changed");
    assert.equal((await metrics.importedOrders.get()).values[0].value, 2);
  });

  it("refuses a bad row with a 400 envelope naming the field, before the store is touched, and keeps the refused input", async function () {
    const res = await call("POST", "/api/orders", "token-li", { orders: [order("B-1"), order("B-2", "19.999")] });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.code, "invalid_input");
    assert.match(res.body.error.message, /orders\.1\.totalAmount/);
    assert.deepEqual(store.calls, []);
    assert.equal(rejections.length, 1);
    assert.deepEqual([rejections[0].workspaceId, rejections[0].actor, rejections[0].status], ["w1", "li.li", 400]);
    assert.match(rejections[0].body, /B-2/);
  });

  it("lets an auditor read but not import (403, store untouched)", async function () {
    const res = await call("POST", "/api/orders", "token-audit", { orders: [order("C-1")] });
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, "forbidden");
    assert.deepEqual(store.calls, []);
    const list = await call("GET", "/api/orders", "token-audit");
    assert.equal(list.status, 200);
  });

  it("filters by status given as its code or its zh-CN or English name, and refuses a status the workflow does not have, naming the field", async function () {
    await call("POST", "/api/orders", "token-li", { orders: [order("S-1"), order("S-2")] });
    const byCode = await call("GET", "/api/orders?status=pending_payment", "token-li");
    assert.equal(byCode.status, 200);
    assert.equal(byCode.body.orders.length, 2);
    for (const name of ["待支付", "awaiting%20payment", "%20Awaiting%20payment%20"]) {
      const res = await call("GET", `/api/orders?status=${name}`, "token-li");
      assert.equal(res.status, 200, name);
      assert.deepEqual(res.body.orders.map((o: { id: string }) => o.id), byCode.body.orders.map((o: { id: string }) => o.id), name);
    }
    const none = await call("GET", "/api/orders?status=%E5%B7%B2%E5%8F%96%E6%B6%88", "token-li"); // 已取消: a real state, no order in it
    assert.equal(none.status, 200);
    assert.deepEqual(none.body.orders, []);
    const unknown = await call("GET", "/api/orders?status=%E5%B7%B2%E5%8F%91%E8%B4%A7x", "token-li"); // 已发货x
    assert.equal(unknown.status, 400);
    assert.equal(unknown.body.error.code, "invalid_input");
    assert.match(unknown.body.error.message, /^status: "已发货x" is neither a state code nor a state name/);
    assert.match(unknown.body.error.message, /pending_payment 待支付/);
  });

  it("pages with an opaque cursor until nextCursor is null, each order once, in change order", async function () {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      clock = new Date(clock.getTime() + 60_000);
      ids.push(await importOne(`D-${i}`));
    }
    const seen: string[] = [];
    const cursors: (string | null)[] = [];
    let cursor: string | null = null;
    do {
      const page: { status: number; body: any } = await call("GET", `/api/orders?limit=2${cursor ? `&cursor=${cursor}` : ""}`, "token-li");
      assert.equal(page.status, 200);
      seen.push(...page.body.orders.map((o: any) => o.id));
      cursor = page.body.nextCursor;
      cursors.push(cursor);
    } while (cursor && cursors.length < 10);
    assert.deepEqual(seen, ids);
    assert.equal(cursors.length, 3);
    assert.ok(cursors.slice(0, 2).every((c, i) => typeof c === "string" && !c.includes(ids[2 * i + 1])), "the cursor is opaque");
    const asked = store.calls.filter((c) => c.method === "listOrders").map((c) => (c.args[1] as { cursor?: unknown }).cursor);
    assert.deepEqual(asked[1], { updatedAt: "2026-01-15T02:02:00.000Z", id: ids[1] });
  });

  it("refuses a cursor it did not issue with a 400, without querying the store", async function () {
    const forged = Buffer.from(JSON.stringify(["yesterday", "TM20260115-00001"]), "utf8").toString("base64url");
    for (const cursor of ["not-a-cursor", forged]) {
      const res = await call("GET", `/api/orders?cursor=${cursor}`, "token-li");
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, "invalid_input");
      assert.match(res.body.error.message, /cursor is not one this server issued/);
    }
    assert.deepEqual(store.calls, []);
  });

  it("passes filters on in the store's terms: ids once each, updatedSince in UTC, placed days in the caller's time zone", async function () {
    const res = await call("GET", "/api/orders?channel=tmall&ids=TM1,TM2,TM1&updatedSince=2026-01-15T08:00:00%2B08:00&placedFrom=2026-01-14&placedTo=2026-01-15&limit=10", "token-li");
    assert.equal(res.status, 200);
    assert.deepEqual(store.calls[0].args, [
      "w1",
      {
        status: undefined,
        channel: "tmall",
        region: undefined,
        updatedSince: "2026-01-15T00:00:00.000Z",
        ids: ["TM1", "TM2"],
        placed: { from: "2026-01-14", to: "2026-01-15", timeZone: "Asia/Shanghai" },
        limit: 10,
        cursor: undefined,
      },
    ]);
    const tooMany = await call("GET", "/api/orders?limit=5000", "token-li");
    assert.equal(tooMany.status, 400);
    assert.match(tooMany.body.error.message, /limit/);
    assert.equal(store.calls.length, 1);
  });

  it("answers 404 in the error envelope for an order outside the caller's workspace, and the order with its lines inside it", async function () {
    const id = await importOne("E-1");
    const elsewhere = await call("GET", `/api/orders/${id}`, "token-other");
    assert.equal(elsewhere.status, 404);
    assert.deepEqual(Object.keys(elsewhere.body), ["error"]);
    assert.equal(elsewhere.body.error.code, "not_found");
    assert.match(elsewhere.body.error.message, new RegExp(`order ${id} does not exist`));
    const mine = await call("GET", `/api/orders/${id}`, "token-li");
    assert.equal(mine.status, 200);
    assert.deepEqual([mine.body.id, mine.body.totalAmount, mine.body.totalAmountMinor, mine.body.lines[0].unitPrice], [id, "19.99", 1999, "19.99"]);
  });
});
