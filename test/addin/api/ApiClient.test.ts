import assert from "node:assert/strict";
import { ApiClient } from "../../../addin/api/ApiClient.js";
import { ApiError } from "../../../addin/api/ApiError.js";
import { orderView } from "../fixtures.js";

async function failure(p: Promise<unknown>): Promise<ApiError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError, "expected an ApiError");
  return err;
}

function fakeFetch(status: number, body: unknown, seen: { url?: string; init?: RequestInit } = {}): typeof fetch {
  return async (url, init) => {
    seen.url = String(url);
    seen.init = init;
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  };
}

describe("ApiClient", function () {
  it("sends the bearer token and query, and returns the parsed response", async function () {
    const seen: { url?: string; init?: RequestInit } = {};
    const client = new ApiClient({ baseUrl: "https://x.test/", token: "tok", fetch: fakeFetch(200, { orders: [orderView(1)], nextCursor: null }, seen) });
    const page = await client.listOrders({ channel: "tmall", limit: 10 });
    assert.equal(page.orders[0].id, "TM20260115-00001");
    assert.equal(seen.url, "https://x.test/api/orders?channel=tmall&limit=10");
    assert.equal((seen.init?.headers as Record<string, string>).authorization, "Bearer tok");
  });

  it("fills path parameters and posts JSON bodies", async function () {
    const seen: { url?: string; init?: RequestInit } = {};
    const client = new ApiClient({ baseUrl: "https://x.test", token: "t", fetch: fakeFetch(200, { results: [] }, seen) });
    await client.postEdits([{ clientEditId: "e1", orderId: "A", column: "region", baseVersion: 1, value: "x" }]);
    assert.equal(seen.init?.method, "POST");
    assert.equal(JSON.parse(String(seen.init?.body)).edits[0].clientEditId, "e1");
    const client2 = new ApiClient({ baseUrl: "https://x.test", token: "t", fetch: fakeFetch(200, orderView(1), seen) });
    await client2.getOrder("TM 1");
    assert.equal(seen.url, "https://x.test/api/orders/TM%201");
  });

  it("says the token was refused on 401 and keeps the server's sentence", async function () {
    const client = new ApiClient({ baseUrl: "https://x.test", token: "bad", fetch: fakeFetch(401, { error: { code: "unauthorized", message: "this token is not valid" } }) });
    const err = await client.me().catch((e: unknown) => e);
    assert.ok(err instanceof ApiError);
    assert.equal(err.kind, "unauthorized");
    assert.equal(err.message, "this token is not valid");
    assert.equal(err.transient, false);
  });

  it("maps the feed's 410 feed_reload to a reload (not retried) explained in both languages", async function () {
    const body = { error: { code: "feed_reload", message: "changes after cursor 5 are no longer kept" } };
    const err = await failure(new ApiClient({ baseUrl: "https://x.test", token: "t", fetch: fakeFetch(410, body) }).changes("5", 0));
    assert.equal(err.kind, "reload");
    assert.equal(err.transient, false);
    assert.equal(err.explain().key, "error.feedReload");
  });

  it("maps 403 to forbidden, 5xx to a transient server error, and a network failure to unreachable", async function () {
    const kinds: [string, boolean][] = [];
    for (const [status, body] of [[403, { error: { code: "forbidden", message: "no" } }], [503, "down"]] as const) {
      const err = await failure(new ApiClient({ baseUrl: "https://x.test", token: "t", fetch: fakeFetch(status, body) }).me());
      kinds.push([err.kind, err.transient]);
    }
    const down = await failure(
      new ApiClient({
        baseUrl: "https://x.test",
        token: "t",
        fetch: async () => {
          throw new TypeError("fetch failed");
        },
      }).me(),
    );
    kinds.push([down.kind, down.transient]);
    assert.deepEqual(kinds, [
      ["forbidden", false],
      ["server", true],
      ["unreachable", true],
    ]);
  });

  it("refuses a response that does not match the contract", async function () {
    const err = await failure(new ApiClient({ baseUrl: "https://x.test", token: "t", fetch: fakeFetch(200, { user: 1 }) }).me());
    assert.equal(err.kind, "bad_response");
    assert.match(err.message, /GET \/api\/me/);
  });
});
