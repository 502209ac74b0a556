import assert from "node:assert/strict";
import type { Knex } from "knex";
import type { ChangeSignal } from "../../../server/db/ChangeSignal.js";
import { appendChanges, KnexChangeFeed } from "../../../server/db/KnexChangeFeed.js";
import { KnexWorkspaceStore } from "../../../server/db/KnexWorkspaceStore.js";
import { WORKFLOW_TEMPLATES } from "../../../server/domain/workflow/templates.js";
import { describeEachDatabase } from "../../helpers/databases.js";

/** A signal the test fires by hand, so it decides when waiters hear of a commit. */
class ManualSignal implements ChangeSignal {
  private listeners: ((ws: string) => void)[] = [];
  async inTransaction(): Promise<void> {}
  afterCommit(): void {}
  subscribe(listener: (ws: string) => void): () => void {
    this.listeners.push(listener);
    return () => (this.listeners = this.listeners.filter((l) => l !== listener));
  }
  fire(ws: string): void {
    for (const l of this.listeners) l(ws);
  }
  async close(): Promise<void> {}
}

describeEachDatabase("change feed long-polling", function ({ db }) {
  let ws: string;
  let feedReads = 0;
  const countReads = (q: { sql: string }) => {
    if (/from "changes"/.test(q.sql) && /^select/i.test(q.sql)) feedReads += 1;
  };
  before(async function () {
    ws = await new KnexWorkspaceStore(db().knex).createWorkspace({ id: "feedws", name: "feed", workflow: WORKFLOW_TEMPLATES.standard });
    db().knex.on("query", countReads);
  });
  after(function () {
    db().knex.removeListener("query", countReads);
  });

  const write = (knex: Knex, orderId: string) =>
    knex.transaction((trx) => appendChanges(trx, ws, [{ kind: "order.updated", orderId, orderVersion: 2, data: {} }], new Date()));
  const head = async (feed: KnexChangeFeed) => (await feed.read(ws, "0", 5000)).changes.at(-1)?.seq ?? "0";

  it("answers every waiter woken by one commit with one shared read", async function () {
    const signal = new ManualSignal();
    const feed = new KnexChangeFeed(db().knex, signal);
    try {
      const since = await head(feed);
      const polls = Array.from({ length: 50 }, () => feed.poll(ws, since, 1000, 5000));
      await new Promise((r) => setTimeout(r, 100)); // every waiter has read nothing and waits
      await write(db().knex, "O-1");
      feedReads = 0;
      signal.fire(ws);
      const pages = await Promise.all(polls);
      assert.ok(pages.every((p) => p.changes.length === 1 && p.changes[0].orderId === "O-1"), "every waiter got the change");
      assert.equal(feedReads, 1, "one query answered all 50 waiters");
    } finally {
      feed.close();
    }
  });

  it("answers polls of the same cursor between two commits from one read, and reads again after a commit", async function () {
    const signal = new ManualSignal();
    const feed = new KnexChangeFeed(db().knex, signal);
    try {
      const since = await head(feed);
      feedReads = 0;
      for (let i = 0; i < 10; i++) assert.deepEqual((await feed.poll(ws, since, 1000, 0)).changes, []);
      assert.equal(feedReads, 1, "clients coming back one after another with nothing new cost one query");
      await write(db().knex, "O-3");
      signal.fire(ws);
      const after = await feed.poll(ws, since, 1000, 0);
      assert.deepEqual(after.changes.map((c) => c.orderId), ["O-3"]);
      assert.equal(feedReads, 2);
    } finally {
      feed.close();
    }
  });

  it("does not hand a waiter a read that started before a commit it was not woken for", async function () {
    const signal = new ManualSignal();
    const feed = new KnexChangeFeed(db().knex, signal);
    try {
      const since = await head(feed);
      // A starts reading; the commit lands and is signalled while that read is still out.
      const a = feed.poll(ws, since, 1000, 1500);
      const committed = write(db().knex, "O-2");
      await committed;
      signal.fire(ws);
      // B registers after the signal: it must read again rather than join A's read, or it
      // would sit out its whole wait although the change is there.
      const started = Date.now();
      const b = await feed.poll(ws, since, 1000, 1500);
      assert.deepEqual(b.changes.map((c) => c.orderId), ["O-2"]);
      assert.ok(Date.now() - started < 1000, "B answered without waiting");
      const pageA = await a;
      assert.ok(pageA.changes.length <= 1);
    } finally {
      feed.close();
    }
  });
});
