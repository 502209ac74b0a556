import { ROLE_LABELS } from "../../server/contracts/access.js";
import { isReadOnlyRole } from "../../server/contracts/roles.js";
import type { MeResponse } from "../../server/contracts/api.js";
import { ApiClient } from "../api/ApiClient.js";
import { COL, columnForEditable, COLUMNS } from "../core/columns.js";
import { editableColumnsFor } from "../core/editCapture.js";
import { alertLevelLabel, listSeparator, t, type Lang } from "../core/i18n.js";
import type { OrderFilter } from "../core/OrderFilter.js";
import { savedConnection, type PaneStore } from "../core/PaneStore.js";
import { alertText } from "../core/AlertBook.js";
import type { OverviewKind } from "../core/overview.js";
import { conflictReason, displayValue } from "../core/resultPlan.js";
import type { SheetGateway } from "../core/SheetGateway.js";
import { describeError, LoadCancelled, type SessionApi, type SessionState, type SyncSession } from "./SyncSession.js";

/** What the controller shows; `addin/ui/PaneView` implements it over the DOM. */
export interface PaneViewPort {
  setLang(lang: Lang): void;
  setConnection(url: string, token: string): void;
  showConnected(text: string, connected: boolean): void;
  setStatusOptions(options: { code: string; label: string }[]): void;
  setFilter(filter: OrderFilter): void;
  setAutoSync(on: boolean): void;
  /** A bar at `fraction`, an indeterminate bar ("busy"), or no bar (null: idle). */
  showProgress(fraction: number | "busy" | null, text: string): void;
  /** Shows the cancel button while a load runs. */
  setLoading(loading: boolean): void;
  showOnline(text: string, online: boolean): void;
  showError(text: string | null): void;
  showConflicts(items: { id: string; text: string }[]): void;
  /** The latest refused edits, newest first, each with its whole reason. */
  showRefusals?(items: { index: number; text: string }[]): void;
  showAlerts(items: { orderId: string; sourceId: string; level: string; text: string }[], mayClose: boolean): void;
  setBusy(busy: boolean): void;
  showOverview(counts: Record<OverviewKind, number>): void;
}

/**
 * Wires the view to the session: connect (remembered per workbook), load a view, sync,
 * auto-sync, language, conflicts and alerts (clicking one selects its cell). Every failure
 * becomes a plain-language message in the view.
 */
export class PaneController {
  private autoSync: boolean;

  constructor(
    private readonly view: PaneViewPort,
    private readonly session: SyncSession,
    private readonly gateway: SheetGateway,
    private readonly store: PaneStore,
    private readonly makeApi: (url: string, token: string) => SessionApi = (url, token) => new ApiClient({ baseUrl: url, token }),
    /** The server address a workbook never connected before starts with: the origin the pane was served from. */
    private readonly defaultUrl?: string,
  ) {
    this.autoSync = store.get("autoSync") !== "false";
    session.onState((s) => this.render(s));
  }

  /** Shows the remembered state and reconnects when this workbook was connected before. */
  async start(): Promise<void> {
    const lang = this.session.lang;
    this.view.setLang(lang);
    this.view.setFilter(this.session.filter);
    this.view.setAutoSync(this.autoSync);
    this.view.showProgress(null, t(lang, "progress.idle"));
    this.view.showConnected(t(lang, "connect.notConnected"), false);
    const saved = savedConnection(this.store);
    if (saved) {
      this.view.setConnection(saved.url, saved.token);
      await this.connect(saved.url, saved.token);
    } else if (this.defaultUrl) {
      // The server that served the pane is the one it talks to: same origin, no cross-origin request.
      this.view.setConnection(this.defaultUrl, "");
    }
  }

  private async guard(action: () => Promise<void>): Promise<void> {
    this.view.setBusy(true);
    this.view.showError(null);
    try {
      await action();
    } catch (err) {
      this.view.showError(describeError(err, this.session.lang));
    } finally {
      this.view.setBusy(false);
    }
  }

  /** Connects to `url` with `token` and remembers both for this workbook. */
  connect(url: string, token: string): Promise<void> {
    return this.guard(async () => {
      let origin: string;
      try {
        origin = new URL(url.trim()).origin;
      } catch {
        throw new Error(t(this.session.lang, "error.badUrl", { url }));
      }
      const me = await this.session.connect(this.makeApi(origin, token.trim()));
      this.store.set("connection", JSON.stringify({ url: origin, token: token.trim() }));
      this.view.showConnected(connectedText(me, this.session.lang), true);
      this.view.setStatusOptions(this.session.statuses.codes().map((code) => ({ code, label: this.session.statuses.label(code, this.session.lang) })));
      if (this.autoSync && this.store.get("cursor")) this.session.follow();
      this.renderLists();
    });
  }

  private loading?: AbortController;

  /** Loads the chosen view into the sheet; `cancelLoad` stops it before anything is written. */
  load(filter: OrderFilter): Promise<void> {
    this.loading = new AbortController();
    const signal = this.loading.signal;
    this.view.setLoading(true);
    return this.guard(async () => {
      try {
        await this.session.load(filter, this.autoSync, signal);
      } catch (err) {
        if (!(err instanceof LoadCancelled) && !signal.aborted) throw err;
        const e = err instanceof LoadCancelled ? err : new LoadCancelled(0, 0);
        this.view.showProgress(null, t(this.session.lang, "progress.cancelled", { read: e.read, total: e.total }));
        return;
      } finally {
        this.view.setLoading(false);
        this.loading = undefined;
      }
      if (this.session.me) this.view.showConnected(connectedText(this.session.me, this.session.lang), true);
    });
  }

  /** Stops a load under way (the sheet is left as it was). */
  cancelLoad(): void {
    this.loading?.abort();
  }

  /** Says how many orders the chosen view holds, without loading it. */
  count(filter: OrderFilter): Promise<void> {
    return this.guard(async () => {
      const total = await this.session.count(filter);
      if (total !== undefined) this.view.showProgress(null, t(this.session.lang, "view.count", { total }));
    });
  }

  /** Sends queued edits and applies what changed. */
  sync(): Promise<void> {
    return this.guard(() => this.session.syncOnce());
  }

  /** Turns following the change feed on or off. */
  setAutoSync(on: boolean): Promise<void> {
    this.autoSync = on;
    this.store.set("autoSync", String(on));
    return this.guard(async () => {
      if (on && this.store.get("cursor")) this.session.follow();
      if (!on) await this.session.unfollow();
    });
  }

  /** Switches the language of the pane and the sheet. */
  setLang(lang: Lang): Promise<void> {
    return this.guard(async () => {
      await this.session.setLang(lang);
      this.view.setLang(lang);
      if (this.session.me) this.view.showConnected(connectedText(this.session.me, lang), true);
      else this.view.showConnected(t(lang, "connect.notConnected"), false);
      this.view.setStatusOptions(this.session.statuses.codes().map((code) => ({ code, label: this.session.statuses.label(code, lang) })));
      this.renderLists();
    });
  }

  keepMine(id: string): Promise<void> {
    return this.guard(() => this.session.edits.keepMine(id));
  }

  /** Resolves the conflicts of the rows staff selected on the Conflicts sheet, all the same way. */
  resolveSelected(how: "keep" | "take"): Promise<void> {
    return this.guard(async () => {
      if (!this.gateway.selectedListRows) return;
      const lang = this.session.lang;
      const rows = await this.gateway.selectedListRows("Conflicts");
      const chosen = new Set(rows.map((r) => `${String(r[0])}\u0000${String(r[1])}`));
      for (const c of this.session.edits.conflicts.list()) {
        const header = columnForEditable(c.column)?.header[lang] ?? c.column;
        if (!chosen.has(`${c.orderId}\u0000${header}`)) continue;
        if (how === "keep") await this.session.edits.keepMine(c.clientEditId);
        else await this.session.edits.takeServer(c.clientEditId);
      }
    });
  }

  takeServer(id: string): Promise<void> {
    return this.guard(() => this.session.edits.takeServer(id));
  }

  /** Selects the cell a conflict is about. */
  selectConflict(id: string): Promise<void> {
    const c = this.session.edits.conflicts.list().find((x) => x.clientEditId === id);
    if (!c) return Promise.resolve();
    const col = columnForEditable(c.column);
    return this.guard(async () => {
      await this.gateway.select(c.orderId, col ? COL[col.id] : COL.orderId);
    });
  }

  /** Selects the cell that carries an alert's colour (its order's ID cell). */
  selectAlert(orderId: string): Promise<void> {
    return this.guard(async () => {
      await this.gateway.select(orderId, COL.orderId);
    });
  }

  /** Filters the Orders table to the rows behind an overview count, or shows every row again. */
  filterTo(kind: OverviewKind | "all"): Promise<void> {
    return this.guard(async () => {
      if (!this.gateway.filterRows) return;
      await this.gateway.filterRows(kind === "all" ? null : this.session.overview()[kind]);
    });
  }

  /** Closes an alert by hand (roles that may write); the pane says so. */
  closeAlert(orderId: string, sourceId: string): Promise<void> {
    return this.guard(async () => {
      const closed = await this.session.closeAlert(orderId, sourceId);
      this.view.showError(null);
      this.view.showProgress(null, t(this.session.lang, closed ? "alerts.closed" : "alerts.alreadyEnded", { orderId }));
    });
  }

  private render(state: SessionState): void {
    const lang = this.session.lang;
    const p = state.progress;
    if (p?.phase === "counting") this.view.showProgress("busy", t(lang, "progress.counting"));
    else if (p?.phase === "loading") this.view.showProgress(p.total ? Math.min(1, p.done / p.total) : "busy", t(lang, "progress.loading", { read: p.done, total: p.total || "?" }));
    else if (p?.phase === "writing") this.view.showProgress(p.total ? p.done / p.total : 0, t(lang, "progress.writing", { done: p.done, total: p.total }));
    // Done: the outcome stays as a message, the bar goes (nothing is running any more).
    else if (p?.phase === "cancelled") this.view.showProgress(null, t(lang, "progress.cancelled", { read: p.done, total: p.total }));
    else if (p?.phase === "done") this.view.showProgress(null, t(lang, "progress.done", { appended: p.appended ?? 0, updated: p.updated ?? 0, removed: p.removed ?? 0 }));
    this.view.showOnline(state.online ? t(lang, "status.online") : t(lang, "status.offline", { count: state.pending }), state.online);
    if (state.notice) this.view.showError(state.notice);
    this.renderLists();
  }

  /** Selects the cell of a refused edit listed in the pane. */
  selectRefusal(index: number): Promise<void> {
    const r = this.session.edits.refusals.list()[index];
    if (!r) return Promise.resolve();
    return this.guard(async () => {
      await this.gateway.select(r.orderId, r.col);
    });
  }

  /** Empties the list of refused edits. */
  clearRefusals(): void {
    this.session.edits.refusals.clear();
    this.renderLists();
  }

  private renderLists(): void {
    const lang = this.session.lang;
    const ctx = { lang, statuses: this.session.statuses };
    this.view.showRefusals?.(
      this.session.edits.refusals.list().map((r, index) => ({
        index,
        text: t(lang, "refusals.entry", { orderId: r.orderId, column: COLUMNS[r.col]?.header[lang] ?? "", mine: r.mine, reason: r.reason(lang) }),
      })),
    );
    this.view.showConflicts(
      this.session.edits.conflicts.list().map((c) => ({
        id: c.clientEditId,
        text: t(lang, "conflicts.entry", {
          orderId: c.orderId,
          column: COLUMNS[COL[columnForEditable(c.column)?.id ?? "orderId"]].header[lang],
          mine: String(displayValue(c.column, c.mine, ctx)),
          theirs: String(displayValue(c.column, c.theirs, ctx)),
          by: c.changedBy ? t(lang, "conflicts.by", { who: c.changedBy }) : "",
        }) + (conflictReason(c, lang) ? `${listSeparator(lang)}${conflictReason(c, lang)}` : ""),
      })),
    );
    const counts = this.session.overview();
    this.view.showOverview({ conflicts: counts.conflicts.length, late: counts.late.length, alerts: counts.alerts.length });
    const mayClose = !!this.session.me && !isReadOnlyRole(this.session.me.role);
    this.view.showAlerts(
      this.session.alerts.list().map((a) => ({ orderId: a.orderId, sourceId: a.sourceId, level: a.level, text: `${a.orderId} · ${alertLevelLabel(a.level, lang)}${lang === "en" ? ": " : "："}${alertText(a, lang)}` })),
      mayClose,
    );
  }
}

/** The connected line: who, in which workspace, and the columns the access policy lets them edit. */
export function connectedText(me: MeResponse, lang: Lang): string {
  const columns = editableColumnsFor(me).map((c) => columnForEditable(c)?.header[lang] ?? c);
  const who = t(lang, "connect.connected", { user: me.user, role: ROLE_LABELS[me.role]?.[lang] ?? me.role, workspace: me.workspaceId });
  return `${who}${lang === "en" ? ". " : "。"}${columns.length ? t(lang, "connect.editable", { columns: columns.join(listSeparator(lang)) }) : t(lang, "connect.editableNone")}`;
}
