import type { MeResponse } from "../../server/contracts/api.js";
import type { Change } from "../../server/contracts/changes.js";
import type { OrderView } from "../../server/contracts/orders.js";
import type { WorkflowDefinition } from "../../server/contracts/workflow.js";
import { ApiError } from "../api/ApiError.js";
import type { ApiClient } from "../api/ApiClient.js";
import { ChangeFeedLoop } from "../api/ChangeFeedLoop.js";
import { AlertBook, alertPatches, alertText } from "../core/AlertBook.js";
import { COL, COLUMNS, columnForEditable, headerRow } from "../core/columns.js";
import { editableColumnsFor } from "../core/editCapture.js";
import { diffRows, protectKey } from "../core/diffRows.js";
import { EditQueue } from "../core/EditQueue.js";
import { formatTime } from "../core/formatTime.js";
import { alertLevelLabel, LANGS, t, type Lang, type MessageKey } from "../core/i18n.js";
import { listQuery, matchesFilter, OrderFilter } from "../core/OrderFilter.js";

/** A loaded page's orders all belong to the view the server chose them for, except by the placing day, which is compared in the workspace zone. */
function matchesFilterLoaded(order: OrderView, filter: OrderFilter, zone: string): boolean {
  return matchesFilter(order, { ...filter, q: undefined, overdue: undefined, mine: undefined }, zone);
}
import { queueStorage, readJson, type PaneStore } from "../core/PaneStore.js";
import { applySaved, conflictReason, displayValue, type CellPatch } from "../core/resultPlan.js";
import { rewordSync } from "../core/reword.js";
import { EDITABLE_INDEXES, missedEdits } from "../core/reconcile.js";
import { overview, type Overview } from "../core/overview.js";
import { rowFromOrder, slaPatches, slaText, type CellValue, type RowContext } from "../core/rowsFromOrders.js";
import { TableShapeError, type SheetGateway, type SyncOutcome } from "../core/SheetGateway.js";
import { StatusBook } from "../core/StatusBook.js";
import { statusMoveTable } from "../core/statusMoves.js";
import { EditPipeline } from "./EditPipeline.js";

/** The API calls the session makes (ApiClient, or a stand-in in tests). */
export type SessionApi = Pick<ApiClient, "me" | "listOrders" | "changes" | "changesHead" | "postEdits" | "workflow" | "alerts" | "closeAlert" | "baseUrl"> & Partial<Pick<ApiClient, "countOrders" | "workflowMoves" | "resolveTakenConflicts">>;

/** Thrown when staff cancel a load: nothing was written. */
export class LoadCancelled extends Error {
  constructor(readonly read: number, readonly total: number) {
    super("load cancelled");
    this.name = "LoadCancelled";
  }
}

/** What the session is built from. */
export interface SessionDeps {
  gateway: SheetGateway;
  /** Per-workbook storage for the queue, the feed cursor and the pane's choices. */
  store: PaneStore;
  newId: () => string;
  now?: () => Date;
  /** Seconds each change-feed poll waits on the server. */
  feedWaitSeconds?: number;
  /** Retry delays of the feed loop after a failure. */
  feedBackoffMs?: number[];
  /** How often SLA colours are brought up to date while following the feed (default 60 s). */
  slaRefreshMs?: number;
  /** How long 已保存 stays in the Sync column before it is cleared (default 10 minutes). */
  savedClearMs?: number;
  /** How often the editable columns are read back to catch edits no change event reported (default 60 s). */
  reconcileMs?: number;
}

/** What the pane shows; sent to the listener after every change. */
export interface SessionState {
  me?: MeResponse;
  online: boolean;
  pending: number;
  progress?: { phase: "counting" | "loading" | "writing" | "done" | "cancelled"; done: number; total: number; appended?: number; updated?: number; removed?: number };
  notice?: string;
}

const PAGE = 1000;
/** Orders fetched per request when the change feed names them. */
const IDS_PER_REQUEST = 200;

/**
 * The pane's application service: connects, loads a view into the sheet, follows the
 * change feed, and routes staff edits through the edit pipeline. No Office, DOM or fetch
 * here: it works through the gateway and the API client it is given.
 */
export class SyncSession {
  lang: Lang = "zh-CN";
  me?: MeResponse;
  flow?: WorkflowDefinition;
  statuses = new StatusBook({ states: [] });
  filter: OrderFilter = {};
  /** Per status, the moves the server says this user's role may choose (GET /api/workflow/moves). */
  private allowedNext?: Record<string, string[]>;
  readonly alerts = new AlertBook();
  readonly edits: EditPipeline;
  private api?: SessionApi;
  private feed?: ChangeFeedLoop;
  private readonly known = new Map<string, OrderView>();
  /** The SLA text each known order's row shows. */
  private readonly slaShown = new Map<string, string>();
  private slaTimer?: ReturnType<typeof setInterval>;
  private reconcileTimer?: ReturnType<typeof setInterval>;
  private online = true;
  private unsubscribe?: () => Promise<void>;
  private listener: (state: SessionState) => void = () => {};
  private last: SessionState = { online: true, pending: 0 };

  constructor(private readonly deps: SessionDeps) {
    const stored = deps.store.get("lang");
    if (stored && (LANGS as readonly string[]).includes(stored)) this.lang = stored as Lang;
    this.filter = readJson(deps.store, "filter", (v) => OrderFilter.safeParse(v).data, {});
    this.edits = new EditPipeline({
      gateway: deps.gateway,
      queue: new EditQueue(queueStorage(deps.store)),
      conflictStorage: queueStorage(deps.store, "conflicts"),
      send: (edits) => this.requireApi().postEdits(edits),
      newId: deps.newId,
      context: () => ({ lang: this.lang, statuses: this.statuses, role: this.me?.role, editableColumns: this.me?.editableColumns }),
      knownRow: (id) => {
        const o = this.known.get(id);
        return o ? rowFromOrder(o, this.rowContext()) : undefined;
      },
      onReachable: (reachable, error) => this.setOnline(reachable, error),
      onNotice: (notice) => this.emit({ notice }),
      onProblem: (error) => this.emit({ notice: describeError(error, this.lang) }),
      onChange: () => this.emit({}),
      resolveTaken: async (orderId, column) => {
        const api = this.requireApi();
        if (api.resolveTakenConflicts && this.me) await api.resolveTakenConflicts(orderId, column, this.me.user);
      },
      onSaved: (saved) => {
        this.clearSavedLater();
        for (const r of saved) {
          const o = this.known.get(r.orderId);
          if (o) this.known.set(r.orderId, applySaved(o, r));
        }
      },
    });
  }

  /** Subscribes the pane to state changes. */
  onState(listener: (state: SessionState) => void): void {
    this.listener = listener;
  }

  private emit(patch: Partial<SessionState>): void {
    this.last = { ...this.last, ...patch, me: this.me, online: this.online, pending: this.edits.pendingCount() };
    this.listener(this.last);
    if (this.api) void this.writeListSheets().catch((err: unknown) => this.listener({ ...this.last, notice: describeError(err, this.lang) }));
  }

  private listSignature = "";
  /** What the sheet shows of the alerts: order → fill of its ID cell. */
  private alertFills = new Map<string, string>();

  /** Colours the ID cells of orders with open alerts; the `rewritten` rows are coloured afresh. */
  private async colourAlertRows(rewritten: Iterable<string> | "all" = []): Promise<void> {
    const shown = new Map(this.alertFills);
    for (const id of rewritten === "all" ? [...shown.keys()] : rewritten) shown.set(id, "");
    const { patches, coloured } = alertPatches(this.alerts.list(), shown);
    this.alertFills = coloured;
    await this.deps.gateway.patchCells(patches);
  }

  /** Rewrites the Alerts and Conflicts sheets when their content changed. */
  private async writeListSheets(): Promise<void> {
    const lang = this.lang;
    const zone = this.me?.timeZone ?? "Asia/Shanghai";
    const ctx = { lang, statuses: this.statuses };
    const alerts = this.alerts.list().map((a) => [a.orderId, alertLevelLabel(a.level, lang), alertText(a, lang), formatTime(a.at, zone)]);
    const conflicts = this.edits.conflicts.list().map((c) => {
      const col = columnForEditable(c.column);
      return [
        c.orderId,
        col ? col.header[lang] : c.column,
        displayValue(c.column, c.mine, ctx),
        displayValue(c.column, c.theirs, ctx),
        c.changedBy ?? "",
        formatTime(c.changedAt, zone),
        conflictReason(c, lang),
      ];
    });
    const signature = JSON.stringify([lang, alerts, conflicts]);
    if (signature === this.listSignature) return;
    this.listSignature = signature;
    const h = (keys: MessageKey[]) => keys.map((k) => t(lang, k));
    await this.deps.gateway.writeList("Alerts", h(["sheet.alerts.order", "sheet.alerts.level", "sheet.alerts.message", "sheet.alerts.at"]), alerts);
    await this.deps.gateway.writeList(
      "Conflicts",
      h(["sheet.conflicts.order", "sheet.conflicts.column", "sheet.conflicts.mine", "sheet.conflicts.theirs", "sheet.conflicts.by", "sheet.conflicts.at", "sheet.conflicts.reason"]),
      conflicts,
    );
  }

  private setOnline(online: boolean, error?: unknown): void {
    const was = this.online;
    this.online = online;
    this.emit(error instanceof ApiError && !online ? { notice: describeError(error, this.lang) } : {});
    if (online && !was) void this.edits.flush();
  }

  private requireApi(): SessionApi {
    if (!this.api) throw new Error(t(this.lang, "error.notConnected"));
    return this.api;
  }

  /** The context rows are rendered with. */
  rowContext(): RowContext {
    return { lang: this.lang, timeZone: this.me?.timeZone ?? "Asia/Shanghai", statuses: this.statuses, flow: this.flow, now: (this.deps.now ?? (() => new Date()))() };
  }

  /** Connects with `api`: who we are, the workflow, the workbook set up, edits watched, alerts read. */
  async connect(api: SessionApi): Promise<MeResponse> {
    await this.disconnect();
    this.api = api;
    this.me = await api.me();
    await this.refreshWorkflow();
    this.unsubscribe = await this.deps.gateway.onEdit(
      (block) => void this.edits.capture(block).catch((err: unknown) => this.emit({ notice: describeError(err, this.lang) })),
      (err) => this.emit({ notice: describeError(err, this.lang) }),
    );
    try {
      this.alerts.reset((await api.alerts()).alerts);
    } catch (err) {
      if (!(err instanceof ApiError && err.kind === "not_found")) throw err;
    }
    this.online = true;
    this.emit({});
    void this.edits.flush();
    return this.me;
  }

  /** Stops following the feed and watching edits. */
  async disconnect(): Promise<void> {
    clearTimeout(this.savedTimer);
    this.savedTimer = undefined;
    await this.unfollow();
    this.feed = undefined;
    await this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /**
   * Reads the workflow for status labels and SLA colours. A server without `GET /api/workflow`
   * still works: statuses show as codes and SLA colours stay off.
   */
  private async refreshWorkflow(): Promise<void> {
    try {
      const wf = await this.requireApi().workflow();
      this.flow = wf.definition;
      this.statuses = new StatusBook(wf.definition);
      // The server's own answer per status for this role, when it gives one.
      this.allowedNext = await this.requireApi().workflowMoves?.().then((m) => m.moves, () => undefined);
    } catch (err) {
      if (!(err instanceof ApiError && err.kind === "not_found")) throw err;
      this.flow = undefined;
      this.statuses = new StatusBook({ states: [] });
    }
    await this.prepareSheet();
  }

  /** Table indexes of the editable columns the signed-in user may not edit (none before /api/me answered). */
  private lockedColumns(): number[] {
    if (!this.me) return [];
    const mine = new Set<string>(editableColumnsFor(this.me));
    return COLUMNS.flatMap((c, i) => (c.editable && !mine.has(c.editable) ? [i] : []));
  }

  private prepareSheet(renameSheets = false): Promise<void> {
    const both = (level: "red" | "orange" | "green") => LANGS.map((l) => t(l, `sla.${level}`));
    return this.deps.gateway.prepare({
      lang: this.lang,
      statusLabels: this.statuses.labels(this.lang),
      statusMoves: statusMoveTable(this.flow, this.statuses, this.lang, this.me?.role, this.allowedNext),
      headers: headerRow(this.lang),
      slaLabels: { red: both("red"), orange: both("orange"), green: both("green") },
      validation: { title: t(this.lang, "validation.title"), message: t(this.lang, "validation.message") },
      lockedColumns: this.lockedColumns(),
      renameSheets,
    });
  }

  /** Switches the language of the pane and the sheet (headers, status list, labels in rows). */
  async setLang(lang: Lang): Promise<void> {
    const from = this.lang;
    this.lang = lang;
    this.deps.store.set("lang", lang);
    if (this.api) {
      await this.prepareSheet(true);
      if (this.known.size) await this.writeOrders([...this.known.values()], false);
      await this.rewordSyncColumn(from, lang);
    }
    this.emit({});
  }

  private savedTimer?: ReturnType<typeof setTimeout>;

  /** Clears 已保存 marks a while after the last save (one timer for a burst of saves). */
  private clearSavedLater(): void {
    if (this.savedTimer) clearTimeout(this.savedTimer);
    this.savedTimer = setTimeout(() => {
      this.savedTimer = undefined;
      void this.clearSaved().catch(() => undefined); // the next load clears them anyway
    }, this.deps.savedClearMs ?? 600_000);
    (this.savedTimer as { unref?: () => void }).unref?.();
  }

  /** Clears "saved" from the Sync column (it said so at the time; a new load starts clean). */
  async clearSaved(): Promise<void> {
    if (!this.deps.gateway.readColumn) return;
    const saved = new Set(LANGS.map((l) => t(l, "sync.saved")));
    const cells = await this.deps.gateway.readColumn(COL.sync);
    const patches: CellPatch[] = [];
    for (const [orderId, value] of cells) if (typeof value === "string" && saved.has(value)) patches.push({ orderId, col: COL.sync, value: "", fill: "" });
    await this.deps.gateway.patchCells(patches);
  }

  /** Writes the Sync cells already on the sheet again in `to` (saved, pending, conflicts, refusals). */
  private async rewordSyncColumn(from: Lang, to: Lang): Promise<void> {
    if (from === to || !this.deps.gateway.readColumn) return;
    const cells = await this.deps.gateway.readColumn(COL.sync);
    const patches: CellPatch[] = [];
    for (const [orderId, value] of cells) {
      const text = typeof value === "string" ? value : "";
      const next = rewordSync(text, from, to, this.statuses);
      if (next !== text) patches.push({ orderId, col: COL.sync, value: next });
    }
    await this.deps.gateway.patchCells(patches);
  }

  private protectedCells(): Set<string> {
    const out = new Set<string>();
    for (const p of this.edits.pendingCells()) {
      const col = columnForEditable(p.column);
      if (col) out.add(protectKey(p.orderId, COL[col.id]));
    }
    return out;
  }

  private async writeOrders(orders: OrderView[], append: boolean | ((o: OrderView) => boolean), replace = false): Promise<SyncOutcome> {
    for (const o of orders) {
      const seen = this.known.get(o.id);
      if (!seen || seen.version <= o.version) this.known.set(o.id, o);
    }
    const ctx = this.rowContext();
    const protect = this.protectedCells();
    const appendTest = typeof append === "function" ? append : () => append;
    const editing = new Set(this.edits.pendingCells().map((p) => p.orderId));
    const outcome = await this.deps.gateway.syncRows(
      replace ? "all" : orders.map((o) => o.id),
      (snapshot) => diffRows(snapshot, orders, ctx, { protect, append: appendTest, ...(replace ? { replace: { keep: (id: string) => editing.has(id) } } : {}) }),
      (done, total) => this.emit({ progress: { phase: "writing", done, total } }),
    );
    for (const r of outcome.plan.removes) {
      this.known.delete(r.orderId);
      this.slaShown.delete(r.orderId);
    }
    for (const o of orders) {
      const shown = this.known.get(o.id);
      if (shown) this.slaShown.set(o.id, slaText(shown, ctx));
    }
    return outcome;
  }

  /**
   * Rewrites the SLA cells whose level changed with the passing time (an order held too long
   * turns orange, then red, with no change on the server to bring it).
   */
  async refreshSla(): Promise<number> {
    const patches = slaPatches(this.known.values(), this.slaShown, this.rowContext());
    if (patches.length) await this.deps.gateway.patchCells(patches);
    return patches.length;
  }

  /** How many orders the view of `filter` holds (what a load would bring); undefined when the server cannot say. */
  async count(filter: OrderFilter, signal?: AbortSignal): Promise<number | undefined> {
    const api = this.requireApi();
    if (!api.countOrders) return undefined;
    try {
      return (await api.countOrders(listQuery(filter), signal)).total;
    } catch (err) {
      if (err instanceof ApiError && err.kind === "not_found") return undefined;
      throw err;
    }
  }

  /**
   * Loads the orders of `filter` into the sheet and starts following the feed when `follow` is
   * set. Says how many orders the view holds first and counts pages against it; `signal`
   * cancels the load before anything is written (`LoadCancelled`).
   */
  async load(filter: OrderFilter, follow: boolean, signal?: AbortSignal): Promise<SyncOutcome> {
    const api = this.requireApi();
    this.filter = filter;
    this.deps.store.set("filter", JSON.stringify(filter));
    // What this user may edit may have changed since connecting (an admin changed the policy).
    this.me = await api.me();
    await this.unfollow();
    await this.prepareSheet(); // the sheets may have been deleted or renamed since connecting
    const cursor = await this.feedHead(api);
    this.alerts.reset((await api.alerts()).alerts); // alerts before the cursor; later ones come by the feed
    this.emit({ progress: { phase: "counting", done: 0, total: 0 } });
    let total = (await this.count(filter, signal)) ?? 0;
    const orders: OrderView[] = [];
    let next: string | undefined;
    let read = 0;
    this.emit({ progress: { phase: "loading", done: 0, total } });
    do {
      if (signal?.aborted) throw this.cancelled(read, total);
      let page;
      try {
        page = await api.listOrders({ ...listQuery(filter), limit: PAGE, ...(next ? { cursor: next } : {}) }, signal);
      } catch (err) {
        if (signal?.aborted) throw this.cancelled(read, total);
        throw err;
      }
      read += page.orders.length;
      orders.push(...page.orders.filter((o) => matchesFilterLoaded(o, filter, this.me?.timeZone ?? "Asia/Shanghai")));
      next = page.nextCursor ?? undefined;
      total = Math.max(total, read); // orders placed while loading
      this.emit({ progress: { phase: "loading", done: read, total } });
    } while (next);
    if (signal?.aborted) throw this.cancelled(read, total);
    // The table now shows this view: rows of orders outside it go, unless they hold an edit
    // the server has not answered yet.
    const outcome = await this.writeOrders(orders, true, true);
    await this.colourAlertRows("all");
    await this.clearSaved();
    this.deps.store.set("cursor", cursor);
    this.emit({ progress: { phase: "done", done: orders.length, total: orders.length, appended: outcome.plan.appends.length, updated: outcome.plan.updatedRows, removed: outcome.plan.removes.length } });
    if (follow) this.follow();
    return outcome;
  }

  private cancelled(read: number, total: number): LoadCancelled {
    this.emit({ progress: { phase: "cancelled", done: read, total } });
    return new LoadCancelled(read, total);
  }

  /** The feed position now: everything before it is covered by a load that starts afterwards. */
  private async feedHead(api: SessionApi): Promise<string> {
    return (await api.changesHead()).cursor;
  }

  /** Starts following the change feed from the stored cursor. */
  follow(): void {
    const api = this.requireApi();
    if (this.feed?.active) return;
    this.feed = new ChangeFeedLoop({
      poll: (since, signal) => api.changes(since, this.deps.feedWaitSeconds ?? 25, signal),
      onChanges: async (changes, cursor) => {
        await this.applyChanges(changes);
        this.deps.store.set("cursor", cursor);
      },
      onStatus: ({ online, error }) => this.setOnline(online, error),
      onReload: () => void this.reloadView(),
      backoffMs: this.deps.feedBackoffMs,
    });
    this.feed.start(this.deps.store.get("cursor") ?? "0");
    if (!this.reconcileTimer) {
      this.reconcileTimer = setInterval(() => {
        void this.reconcile().catch((err: unknown) => this.emit({ notice: describeError(err, this.lang) }));
      }, this.deps.reconcileMs ?? 60_000);
    }
    if (!this.slaTimer) {
      this.slaTimer = setInterval(() => {
        void this.refreshSla().catch((err: unknown) => this.emit({ notice: describeError(err, this.lang) }));
      }, this.deps.slaRefreshMs ?? 60_000);
    }
  }

  /**
   * Loads the current view again and follows the feed from its head: the server no longer
   * holds the changes after the stored cursor (retention removed them), so catching up one
   * change at a time would silently miss some.
   */
  async reloadView(follow = true): Promise<void> {
    this.emit({ notice: t(this.lang, "error.feedReload") });
    try {
      await this.load(this.filter, follow);
    } catch (err) {
      this.emit({ notice: describeError(err, this.lang) });
    }
  }

  /** Stops following the feed (auto-sync off). */
  async unfollow(): Promise<void> {
    clearInterval(this.slaTimer);
    this.slaTimer = undefined;
    clearInterval(this.reconcileTimer);
    this.reconcileTimer = undefined;
    await this.feed?.stop();
  }

  private reconciling = false;

  /**
   * Reads the editable columns back and compares them with what the pane wrote: an edit no
   * change event reported (research §1.3: drag-fill over filtered rows and others) is captured
   * like a typed one. Returns how many such cells it found.
   */
  async reconcile(): Promise<number> {
    const read = this.deps.gateway.readColumn?.bind(this.deps.gateway);
    if (!read || !this.known.size || this.reconciling) return 0;
    this.reconciling = true;
    try {
      const versions = await read(COL.version);
      const columns = new Map<number, Map<string, CellValue>>();
      for (const col of EDITABLE_INDEXES) columns.set(col, await read(col));
      // Rows with an open conflict show the server's value until staff resolve it: not an edit.
      const conflicted = new Set(this.edits.conflicts.list().map((c) => c.orderId));
      const blocks = missedEdits(columns, versions, (id) => (conflicted.has(id) ? undefined : this.knownRow(id)), this.protectedCells());
      for (const block of blocks) await this.edits.capture(block);
      return blocks.length;
    } finally {
      this.reconciling = false;
    }
  }

  /** One manual sync: catch edits no event reported, send queued edits, then apply what changed since the stored cursor. */
  async syncOnce(): Promise<void> {
    const api = this.requireApi();
    await this.reconcile();
    await this.edits.flush();
    let since = this.deps.store.get("cursor") ?? "0";
    for (;;) {
      let page;
      try {
        page = await api.changes(since, 0);
      } catch (err) {
        if (!(err instanceof ApiError && err.kind === "reload")) throw err;
        await this.reloadView(false);
        return;
      }
      if (page.changes.length) await this.applyChanges(page.changes);
      since = page.cursor;
      this.deps.store.set("cursor", since);
      if (!page.changes.length) break;
    }
    await this.refreshSla();
    this.setOnline(true);
  }

  /** Applies a page of the change feed: order updates into their rows (by key), alerts, workflow changes. */
  async applyChanges(changes: readonly Change[]): Promise<void> {
    const api = this.requireApi();
    let alertsChanged = false;
    const ids = new Set<string>();
    for (const c of changes) {
      if ((c.kind === "order.created" || c.kind === "order.updated") && c.orderId) ids.add(c.orderId);
      else if (c.kind === "workflow.published") await this.refreshWorkflow();
      else alertsChanged = this.alerts.apply(c) || alertsChanged;
    }
    let appended: readonly string[] = [];
    if (ids.size) {
      const orders = await fetchOrders(api, [...ids]);
      const zone = this.me?.timeZone ?? "Asia/Shanghai";
      appended = (await this.writeOrders(orders, (o) => matchesFilter(o, this.filter, zone))).plan.appendedIds;
    }
    if (alertsChanged) await this.translateAlerts(api);
    if (alertsChanged || appended.length) await this.colourAlertRows(appended);
    if (alertsChanged || ids.size) this.emit({});
  }

  /** Fetches the bilingual texts of alerts the feed brought in one language only (a few orders at a time). */
  private async translateAlerts(api: SessionApi): Promise<void> {
    for (const orderId of this.alerts.untranslated().slice(0, 20)) {
      try {
        this.alerts.merge((await api.alerts(orderId)).alerts.filter((a) => a.messages));
      } catch {
        return; // the text it has stays; the next load brings both
      }
    }
  }

  /**
   * Closes an open alert by hand: finds it among its order's open alerts by what raised it,
   * closes it on the server (the feed then clears it in every pane) and drops it here at
   * once. An alert that ended meanwhile is simply dropped. Answers whether it was still open.
   */
  async closeAlert(orderId: string, sourceId: string): Promise<boolean> {
    const api = this.requireApi();
    const open = (await api.alerts(orderId)).alerts.find((a) => a.sourceId === sourceId);
    let closed = false;
    if (open) {
      try {
        await api.closeAlert(open.id);
        closed = true;
      } catch (err) {
        if (!(err instanceof ApiError && (err.kind === "conflict" || err.kind === "not_found"))) throw err;
      }
    }
    if (this.alerts.remove(orderId, sourceId)) {
      await this.colourAlertRows();
      this.emit({});
    }
    return closed;
  }

  /** The orders behind the overview's counts: open conflicts, red/orange SLA, open alerts. */
  overview(): Overview {
    return overview(this.edits.conflicts.list(), this.slaShown, this.alerts.list());
  }

  /** The known row values of an order, as last written. */
  knownRow(orderId: string): CellValue[] | undefined {
    const o = this.known.get(orderId);
    return o ? rowFromOrder(o, this.rowContext()) : undefined;
  }
}

/** The orders of `ids` that still exist, 200 per request (a few requests at a time). */
async function fetchOrders(api: SessionApi, ids: string[]): Promise<OrderView[]> {
  const out: OrderView[] = [];
  const chunks: string[][] = [];
  for (let i = 0; i < ids.length; i += IDS_PER_REQUEST) chunks.push(ids.slice(i, i + IDS_PER_REQUEST));
  const worker = async () => {
    for (let chunk = chunks.shift(); chunk !== undefined; chunk = chunks.shift()) {
      out.push(...(await api.listOrders({ ids: chunk.join(","), limit: IDS_PER_REQUEST })).orders);
    }
  };
  await Promise.all(Array.from({ length: Math.min(4, chunks.length) }, worker));
  return out;
}

/** A plain-language sentence for any error the pane meets. */
export function describeError(err: unknown, lang: Lang): string {
  if (err instanceof ApiError) {
    const { key, params } = err.explain();
    return t(lang, key, params);
  }
  if (err instanceof LoadCancelled) return t(lang, "progress.cancelled", { read: err.read, total: err.total });
  if (err instanceof TableShapeError) return t(lang, "error.tableChanged", { column: err.column + 1, expected: err.expected });
  const message = err instanceof Error ? err.message : String(err);
  return t(lang, "error.excel", { message });
}
