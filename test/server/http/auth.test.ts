import assert from "node:assert/strict";
import type { Principal } from "../../../server/domain/access/principal.js";
import { CachingAuthenticator, type Authenticator } from "../../../server/http/auth.js";

/** An authenticator over a token table the test edits, counting lookups. */
class TableAuthenticator implements Authenticator {
  lookups = 0;
  constructor(readonly tokens: Map<string, Principal>) {}
  async authenticate(token: string): Promise<Principal | undefined> {
    this.lookups += 1;
    return this.tokens.get(token);
  }
}

const li: Principal = { workspaceId: "ws", timeZone: "Asia/Shanghai", userId: "u1", userName: "li.li", role: "customer_service", tokenId: "t1", scope: {} };

describe("CachingAuthenticator", function () {
  it("answers a known token from memory within the TTL and asks again after it", async function () {
    let now = 1_000;
    const inner = new TableAuthenticator(new Map([["tok-li", li]]));
    const auth = new CachingAuthenticator(inner, 10_000, 100, () => now);
    assert.deepEqual(await auth.authenticate("tok-li"), li);
    now += 9_999;
    assert.deepEqual(await auth.authenticate("tok-li"), li);
    assert.equal(inner.lookups, 1);
    now += 2;
    assert.deepEqual(await auth.authenticate("tok-li"), li);
    assert.equal(inner.lookups, 2);
  });

  it("stops accepting a revoked token once the TTL has passed", async function () {
    let now = 0;
    const inner = new TableAuthenticator(new Map([["tok-li", li]]));
    const auth = new CachingAuthenticator(inner, 5_000, 100, () => now);
    await auth.authenticate("tok-li");
    inner.tokens.delete("tok-li");
    now = 5_001;
    assert.equal(await auth.authenticate("tok-li"), undefined);
  });

  it("never remembers an unknown token, so a token issued later works at once", async function () {
    const inner = new TableAuthenticator(new Map());
    const auth = new CachingAuthenticator(inner, 10_000, 100, () => 0);
    assert.equal(await auth.authenticate("tok-new"), undefined);
    inner.tokens.set("tok-new", li);
    assert.deepEqual(await auth.authenticate("tok-new"), li);
  });

  it("keeps at most maxEntries tokens, dropping the oldest", async function () {
    const inner = new TableAuthenticator(new Map([["a", li], ["b", li], ["c", li]]));
    const auth = new CachingAuthenticator(inner, 10_000, 2, () => 0);
    await auth.authenticate("a");
    await auth.authenticate("b");
    await auth.authenticate("c"); // evicts "a"
    assert.equal(inner.lookups, 3);
    await auth.authenticate("c");
    await auth.authenticate("b");
    assert.equal(inner.lookups, 3);
    await auth.authenticate("a");
    assert.equal(inner.lookups, 4);
  });
});
