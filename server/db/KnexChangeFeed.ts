import type { Knex } from "knex";
import type { Change, ChangeKind } from "../contracts/changes.js";
import { clearAlertsLeftBehind } from "./alertLifecycle.js";
import { bulkInsert, type ColumnSpec } from "./bulkInsert.js";
import type { ChangeSignal } from "./ChangeSignal.js";
import type { ChangeFeed } from "../domain/changes/ports.js";

const CHANGE_COLUMNS: readonly ColumnSpec[] = [
  ["workspace_id", "text"], ["kind", "text"], ["order_id", "text"], ["order_version", "int"], ["data", "jsonb"], ["at", "timestamptz"],
];

/** A feed row about to be written. */
export interface NewChange {
  kind: ChangeKind;
  orderId: string | null;
  orderVersion: number | null;
  data: Record<string, unknown>;
}

/**
 * Appends feed rows inside a writer's transaction. A transaction-level advisory lock per
 * workspace makes sequence order equal commit order, so a reader that has seen seq N
 * never later finds a row below N appear. Every write of an order passes here, so this is
 * also where the open alerts of a status the order has left are cleared (their
 * `alert.cleared` rows follow the writer's own).
 */
export async function appendChanges(trx: Knex.Transaction, workspaceId: string, rows: NewChange[], at: Date): Promise<void> {
  if (rows.length === 0) return;
  await trx.raw("select pg_advisory_xact_lock(hashtext(?))", [`ordersheet.changes:${workspaceId}`]);
  const atIso = at.toISOString();
  const updated = [...new Set(rows.filter((r) => r.kind === "order.updated" && r.orderId !== null).map((r) => r.orderId as string))];
  rows = [...rows, ...(await clearAlertsLeftBehind(trx, workspaceId, updated, atIso))];
  for (let i = 0; i < rows.length; i += 5000) {
    await bulkInsert(
      trx,
      "changes",
      CHANGE_COLUMNS,
      rows.slice(i, i + 5000).map((r) => ({ workspace_id: workspaceId, kind: r.kind, order_id: r.orderId, order_version: r.orderVersion, data: r.data, at: atIso })),
    );
  }
}

/** Observes how many clients are waiting (for metrics). */
export interface FeedObserver {
  waiting(delta: number): void;
}

/** Distinct cursors whose pages are kept per workspace between two commits. */
const MAX_SHARED_PAGES = 100;
/** How long a page answers polls of the same cursor when no commit signal arrives. */
const PAGE_REUSE_MS = 1000;

/** Reads the change feed and long-polls it. */
export class KnexChangeFeed implements ChangeFeed {
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Per workspace, how many commit signals have arrived (a read is shared only within one). */
  private readonly generations = new Map<string, number>();
  /**
   * Pages read since the workspace's last commit signal, by cursor and limit (in flight or
   * done). Until the next signal nothing new can be there, so the page still answers.
   */
  private readonly pages = new Map<string, Map<string, { generation: number; at: number; page: Promise<{ changes: Change[]; cursor: string }> }>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly knex: Knex,
    signal: ChangeSignal,
    private readonly observer: FeedObserver = { waiting() {} },
  ) {
    this.unsubscribe = signal.subscribe((workspaceId) => this.wake(workspaceId));
  }

  private wake(workspaceId: string): void {
    this.generations.set(workspaceId, (this.generations.get(workspaceId) ?? 0) + 1);
    this.pages.delete(workspaceId);
    const set = this.waiters.get(workspaceId);
    if (!set) return;
    this.waiters.delete(workspaceId);
    for (const fn of set) fn();
  }

  /** The cursor of the workspace's newest change ("0" when there is none). */
  async head(workspaceId: string): Promise<string> {
    const row = await this.knex("changes").where("workspace_id", workspaceId).max({ m: "seq" }).first();
    return String(row?.m ?? 0);
  }

  /** Changes after `since` in order, at most `limit`. */
  async read(workspaceId: string, since: string, limit: number): Promise<{ changes: Change[]; cursor: string }> {
    const rows = await this.knex("changes")
      .where("workspace_id", workspaceId)
      .andWhere("seq", ">", since)
      .orderBy("seq", "asc")
      .limit(limit)
      .select("seq", "kind", "order_id", "order_version", "data", "at");
    const changes: Change[] = rows.map((r) => ({
      seq: String(r.seq),
      kind: r.kind,
      orderId: r.order_id,
      orderVersion: r.order_version,
      at: new Date(r.at).toISOString(),
      data: r.data ?? {},
    }));
    return { changes, cursor: changes.length ? changes[changes.length - 1].seq : since };
  }

  /**
   * `read`, shared: every poll of the same cursor between two commit signals of a workspace
   * gets the same page from one query — the waiters woken by one commit, and the clients that
   * come back with the new cursor and find nothing yet. A page is reused only within the
   * generation (count of commit signals) it was read in; a poller registers as a waiter before
   * asking, so a commit the page might miss still wakes it, since its signal comes later.
   */
  private sharedRead(workspaceId: string, since: string, limit: number): Promise<{ changes: Change[]; cursor: string }> {
    const key = `${since}\u0000${limit}`;
    const generation = this.generations.get(workspaceId) ?? 0;
    let byKey = this.pages.get(workspaceId);
    const known = byKey?.get(key);
    // Reused for a second at most, so a commit whose signal was lost (a dropped LISTEN
    // connection) is still found by the next poll after that.
    if (known && known.generation === generation && Date.now() - known.at < PAGE_REUSE_MS) return known.page;
    const page = this.read(workspaceId, since, limit);
    const entry = { generation, at: Date.now(), page };
    if (!byKey) this.pages.set(workspaceId, (byKey = new Map()));
    if (byKey.size >= MAX_SHARED_PAGES) byKey.delete(byKey.keys().next().value as string);
    byKey.set(key, entry);
    page.catch(() => {
      if (this.pages.get(workspaceId)?.get(key) === entry) this.pages.get(workspaceId)!.delete(key);
    });
    return page;
  }

  /**
   * Like `read`, but when nothing is there yet waits up to `waitMs` for a commit in this
   * workspace and answers as soon as one lands. `signal` aborts the wait (client gone).
   */
  async poll(workspaceId: string, since: string, limit: number, waitMs: number, abort?: AbortSignal): Promise<{ changes: Change[]; cursor: string }> {
    const deadline = Date.now() + waitMs;
    for (;;) {
      // Register before reading so a commit between the read and the wait is not missed.
      let woken = false;
      let wakeUp: () => void = () => {};
      const wokenPromise = new Promise<void>((resolve) => {
        wakeUp = () => {
          woken = true;
          resolve();
        };
      });
      this.addWaiter(workspaceId, wakeUp);
      try {
        const page = await this.sharedRead(workspaceId, since, limit);
        const remaining = deadline - Date.now();
        if (page.changes.length > 0 || remaining <= 0 || abort?.aborted) return page;
        if (!woken) {
          this.observer.waiting(1);
          try {
            await waitFor(wokenPromise, remaining, abort);
          } finally {
            this.observer.waiting(-1);
          }
        }
        if (!woken) return page;
      } finally {
        this.removeWaiter(workspaceId, wakeUp);
      }
    }
  }

  private addWaiter(workspaceId: string, fn: () => void): void {
    let set = this.waiters.get(workspaceId);
    if (!set) {
      set = new Set();
      this.waiters.set(workspaceId, set);
    }
    set.add(fn);
  }

  private removeWaiter(workspaceId: string, fn: () => void): void {
    const set = this.waiters.get(workspaceId);
    if (!set) return;
    set.delete(fn);
    if (set.size === 0) this.waiters.delete(workspaceId);
  }

  /** Stops listening for commits. */
  close(): void {
    this.unsubscribe();
    for (const set of this.waiters.values()) for (const fn of set) fn();
    this.waiters.clear();
  }
}

function waitFor(promise: Promise<void>, ms: number, abort?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    const onAbort = () => done();
    abort?.addEventListener("abort", onAbort, { once: true });
    promise.then(done);
    function done() {
      clearTimeout(timer);
      abort?.removeEventListener("abort", onAbort);
      resolve();
    }
  });
}
