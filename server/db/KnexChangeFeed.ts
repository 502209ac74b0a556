import type { Knex } from "knex";
import type { Change, ChangeKind } from "../contracts/changes.js";
import { clearAlertsLeftBehind } from "./alertLifecycle.js";
import { endFollowupsLeftBehind } from "./followupLifecycle.js";
import { bulkInsert, type ColumnSpec } from "./bulkInsert.js";
import { lockCommitOrder } from "./commitOrder.js";
import type { ChangeSignal } from "./ChangeSignal.js";
import { FeedReloadError, type ChangeFeed } from "../domain/changes/ports.js";
import type { RowScope } from "../domain/access/principal.js";
import { enterScope, isScoped, scopeCondition } from "./access/rowScope.js";

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
  await lockCommitOrder(trx, workspaceId);
  const atIso = at.toISOString();
  const updated = [...new Set(rows.filter((r) => r.kind === "order.updated" && r.orderId !== null).map((r) => r.orderId as string))];
  rows = [...rows, ...(await clearAlertsLeftBehind(trx, workspaceId, updated, atIso))];
  await endFollowupsLeftBehind(trx, workspaceId, updated, atIso);
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
/**
 * How many feed positions one scoped read looks through at most. A scoped caller may see
 * few of the changes; the read stops after this many positions and moves the cursor past
 * them, so its cost is bounded however long a run of changes it cannot see.
 */
export const SCOPED_SCAN_WINDOW = 10_000n;

/** A page as read, and whether positions after its cursor were left unread (a scoped read stopped at its window). */
interface ReadPage {
  page: { changes: Change[]; cursor: string };
  more: boolean;
}

function toChange(r: Record<string, any>): Change {
  return {
    seq: String(r.seq),
    kind: r.kind,
    orderId: r.order_id,
    orderVersion: r.order_version,
    at: new Date(r.at).toISOString(),
    data: r.data ?? {},
  };
}

/** A stable text key for a scope, so pages are shared only between callers with the same scope. */
function scopeKey(scope: RowScope | undefined): string {
  if (!isScoped(scope)) return "*";
  return JSON.stringify([scope.regions ?? null, scope.warehouses ?? null, scope.channels ?? null]);
}

/** Reads the change feed and long-polls it. */
export class KnexChangeFeed implements ChangeFeed {
  private readonly waiters = new Map<string, Set<() => void>>();
  /** Per workspace, how many commit signals have arrived (a read is shared only within one). */
  private readonly generations = new Map<string, number>();
  /**
   * Pages read since the workspace's last commit signal, by cursor and limit (in flight or
   * done). Until the next signal nothing new can be there, so the page still answers.
   */
  private readonly pages = new Map<string, Map<string, { generation: number; at: number; page: Promise<ReadPage> }>>();
  private readonly unsubscribe: () => void;

  constructor(
    private readonly knex: Knex,
    signal: ChangeSignal,
    private readonly observer: FeedObserver = { waiting() {} },
    /** Feed positions one scoped read looks through at most (tests make it small). */
    private readonly scopedScanWindow: bigint = SCOPED_SCAN_WINDOW,
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

  /**
   * Changes after `since` in order, at most `limit`. With a row `scope`, only changes about
   * orders inside it and those about no order (see `scopedRead`).
   */
  async read(workspaceId: string, since: string, limit: number, scope?: RowScope): Promise<{ changes: Change[]; cursor: string }> {
    return (await this.readPage(workspaceId, since, limit, scope)).page;
  }

  private async readPage(workspaceId: string, since: string, limit: number, scope?: RowScope): Promise<ReadPage> {
    const page = await this.readRows(workspaceId, since, limit, scope);
    // Checked after the read: a partition dropped before the read finished has its horizon
    // committed with the drop, so it is seen here; one dropped later was still read whole.
    const horizon = await this.knex("feed_horizons").where("workspace_id", workspaceId).first("dropped_upto_seq");
    if (horizon && BigInt(since) < BigInt(horizon.dropped_upto_seq)) throw new FeedReloadError(since, String(horizon.dropped_upto_seq));
    return page;
  }

  private async readRows(workspaceId: string, since: string, limit: number, scope?: RowScope): Promise<ReadPage> {
    if (isScoped(scope)) return this.scopedRead(workspaceId, since, limit, scope);
    const rows = await this.knex("changes")
      .where("workspace_id", workspaceId)
      .andWhere("seq", ">", since)
      .orderBy("seq", "asc")
      .limit(limit)
      .select("seq", "kind", "order_id", "order_version", "data", "at");
    const changes = rows.map(toChange);
    return { page: { changes, cursor: changes.length ? changes[changes.length - 1].seq : since }, more: false };
  }

  /**
   * The changes a scoped caller may see after `since`, looking through at most
   * `SCOPED_SCAN_WINDOW` positions. The cursor moves to the last change answered when the
   * page is full, else to the end of what was looked through — past the changes left out —
   * so a client behind a long run of invisible changes is never answered the same empty page.
   *
   * Safe because feed rows commit in sequence order (`appendChanges`): the newest position
   * is read first, in its own statement, before the transaction switches to the app role
   * (row-level security would hide the rows to skip); the page is read after it, so every
   * row up to that position is committed and in the page's snapshot.
   */
  private async scopedRead(workspaceId: string, since: string, limit: number, scope: RowScope): Promise<ReadPage> {
    return this.knex.transaction(async (trx) => {
      const top = await trx("changes").where("workspace_id", workspaceId).max({ m: "seq" }).first();
      const head = BigInt(top?.m ?? 0);
      const from = BigInt(since);
      if (head <= from) return { page: { changes: [], cursor: since }, more: false };
      const upto = head - from > this.scopedScanWindow ? from + this.scopedScanWindow : head;
      await enterScope(trx, scope);
      const inScope = scopeCondition(scope, "o");
      const rows = await trx.raw(
        `select c.seq, c.kind, c.order_id, c.order_version, c.data, c.at from changes c
         where c.workspace_id = ? and c.seq > ? and c.seq <= ?
           and (c.order_id is null or exists (
             select 1 from orders o where o.workspace_id = c.workspace_id and o.id = c.order_id and ${inScope.sql}))
         order by c.seq limit ?`,
        [workspaceId, since, String(upto), ...inScope.bindings, limit] as unknown as readonly Knex.RawBinding[],
      );
      const changes = (rows.rows as Record<string, any>[]).map(toChange);
      if (changes.length >= limit) return { page: { changes, cursor: changes[changes.length - 1].seq }, more: true };
      return { page: { changes, cursor: String(upto) }, more: upto < head };
    });
  }

  /**
   * `read`, shared: every poll of the same cursor between two commit signals of a workspace
   * gets the same page from one query — the waiters woken by one commit, and the clients that
   * come back with the new cursor and find nothing yet. A page is reused only within the
   * generation (count of commit signals) it was read in; a poller registers as a waiter before
   * asking, so a commit the page might miss still wakes it, since its signal comes later.
   * Pages are shared only between callers of the same row scope.
   */
  private sharedRead(workspaceId: string, since: string, limit: number, scope?: RowScope): Promise<ReadPage> {
    const key = `${since}\u0000${limit}\u0000${scopeKey(scope)}`;
    const generation = this.generations.get(workspaceId) ?? 0;
    let byKey = this.pages.get(workspaceId);
    const known = byKey?.get(key);
    // Reused for a second at most, so a commit whose signal was lost (a dropped LISTEN
    // connection) is still found by the next poll after that.
    if (known && known.generation === generation && Date.now() - known.at < PAGE_REUSE_MS) return known.page;
    const page = this.readPage(workspaceId, since, limit, scope);
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
   * A scoped read that found nothing in its window reads on from the window's end at once.
   */
  async poll(workspaceId: string, since: string, limit: number, waitMs: number, abort?: AbortSignal, scope?: RowScope): Promise<{ changes: Change[]; cursor: string }> {
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
        const { page, more } = await this.sharedRead(workspaceId, since, limit, scope);
        if (more && page.changes.length === 0 && !abort?.aborted) {
          since = page.cursor;
          continue;
        }
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
        since = page.cursor;
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
