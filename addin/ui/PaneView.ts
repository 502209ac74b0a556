import type { PaneViewPort } from "../app/PaneController.js";
import { CHANNELS } from "../../server/domain/channels.js";
import { channelLabel, isLang, t, type Lang, type MessageKey } from "../core/i18n.js";
import type { OrderFilter } from "../core/OrderFilter.js";
import { overviewLabel, type OverviewKind } from "../core/overview.js";

/** What the view asks the controller to do when staff use it. */
export interface PaneActions {
  connect(url: string, token: string): void;
  load(filter: OrderFilter): void;
  count(filter: OrderFilter): void;
  cancelLoad(): void;
  sync(): void;
  setAutoSync(on: boolean): void;
  setLang(lang: Lang): void;
  keepMine(id: string): void;
  takeServer(id: string): void;
  selectConflict(id: string): void;
  selectAlert(orderId: string): void;
  closeAlert(orderId: string, sourceId: string): void;
  /** Filters the Orders table to the rows of an overview count ("all": no filter). */
  filterTo(kind: OverviewKind | "all"): void;
  /** Keep mine / take the server's for the rows selected on the Conflicts sheet. */
  resolveSelected(how: "keep" | "take"): void;
  /** Selects the cell of the refused edit at `index` of the list. */
  selectRefusal?(index: number): void;
  /** Empties the list of refused edits. */
  clearRefusals?(): void;
}

function el<T extends HTMLElement>(doc: Document, id: string): T {
  const found = doc.getElementById(id);
  if (!found) throw new Error(`taskpane.html lacks #${id}`);
  return found as T;
}

/** The task pane's DOM: renders what the controller says and reports what staff do. */
export class PaneView implements PaneViewPort {
  private lang: Lang = "zh-CN";

  constructor(private readonly doc: Document) {}

  /** Connects buttons and inputs to `actions`. */
  bind(actions: PaneActions): void {
    const d = this.doc;
    el(d, "refusals").addEventListener("click", (e) => {
      const index = (e.target as HTMLElement).closest<HTMLElement>("[data-index]")?.dataset.index;
      if (index === undefined) return;
      e.preventDefault();
      actions.selectRefusal?.(Number(index));
    });
    el(d, "refusals-clear").addEventListener("click", () => actions.clearRefusals?.());
    el<HTMLFormElement>(d, "connect-form").addEventListener("submit", (e) => {
      e.preventDefault();
      actions.connect(el<HTMLInputElement>(d, "server-url").value, el<HTMLInputElement>(d, "token").value);
    });
    el(d, "load").addEventListener("click", () => actions.load(this.readFilter()));
    el(d, "count").addEventListener("click", () => actions.count(this.readFilter()));
    el(d, "cancel").addEventListener("click", () => actions.cancelLoad());
    el(d, "sync").addEventListener("click", () => actions.sync());
    el<HTMLInputElement>(d, "auto-sync").addEventListener("change", (e) => actions.setAutoSync((e.target as HTMLInputElement).checked));
    el<HTMLSelectElement>(d, "lang").addEventListener("change", (e) => {
      const v = (e.target as HTMLSelectElement).value;
      if (isLang(v)) actions.setLang(v);
    });
    el(d, "conflicts").addEventListener("click", (e) => {
      const target = (e.target as HTMLElement).closest<HTMLElement>("[data-action]");
      const id = target?.closest<HTMLElement>("[data-id]")?.dataset.id;
      if (!target || !id) return;
      if (target.dataset.action === "keep") actions.keepMine(id);
      else if (target.dataset.action === "take") actions.takeServer(id);
      else actions.selectConflict(id);
    });
    el(d, "conflicts-keep-selected").addEventListener("click", () => actions.resolveSelected("keep"));
    el(d, "conflicts-take-selected").addEventListener("click", () => actions.resolveSelected("take"));
    el(d, "overview").addEventListener("click", (e) => {
      const kind = (e.target as HTMLElement).closest<HTMLElement>("[data-kind]")?.dataset.kind;
      if (kind === "conflicts" || kind === "late" || kind === "alerts" || kind === "all") actions.filterTo(kind);
    });
    el(d, "alerts").addEventListener("click", (e) => {
      const item = (e.target as HTMLElement).closest<HTMLElement>("[data-order]");
      const id = item?.dataset.order;
      if (!item || !id) return;
      if ((e.target as HTMLElement).closest<HTMLElement>("[data-action]")?.dataset.action === "close") actions.closeAlert(id, item.dataset.source ?? "");
      else actions.selectAlert(id);
    });
  }

  private readFilter(): OrderFilter {
    const v = (id: string) => el<HTMLInputElement | HTMLSelectElement>(this.doc, id).value.trim() || undefined;
    const checked = (id: string) => el<HTMLInputElement>(this.doc, id).checked || undefined;
    const window = v("f-window") === "all" ? ("all" as const) : undefined;
    return { channel: v("f-channel"), status: v("f-status"), region: v("f-region"), placedFrom: v("f-from"), placedTo: v("f-to"), q: v("f-q"), overdue: checked("f-overdue"), mine: checked("f-mine"), window };
  }

  setLang(lang: Lang): void {
    this.lang = lang;
    this.doc.documentElement.lang = lang;
    el<HTMLSelectElement>(this.doc, "lang").value = lang;
    for (const node of Array.from(this.doc.querySelectorAll<HTMLElement>("[data-i18n]"))) node.textContent = t(lang, node.dataset.i18n as MessageKey);
    const channel = el<HTMLSelectElement>(this.doc, "f-channel");
    const chosen = channel.value;
    channel.replaceChildren(this.option("", t(lang, "view.all")), ...CHANNELS.map((c) => this.option(c, channelLabel(c, lang))));
    channel.value = chosen;
  }

  private option(value: string, label: string): HTMLOptionElement {
    const o = this.doc.createElement("option");
    o.value = value;
    o.textContent = label;
    return o;
  }

  setConnection(url: string, token: string): void {
    el<HTMLInputElement>(this.doc, "server-url").value = url;
    el<HTMLInputElement>(this.doc, "token").value = token;
  }

  showConnected(text: string, connected: boolean): void {
    const node = el(this.doc, "connection");
    node.textContent = text;
    node.className = connected ? "ok" : "muted";
    el(this.doc, "view-section").hidden = !connected;
  }

  setStatusOptions(options: { code: string; label: string }[]): void {
    const select = el<HTMLSelectElement>(this.doc, "f-status");
    const chosen = select.value;
    select.replaceChildren(this.option("", t(this.lang, "view.all")), ...options.map((o) => this.option(o.code, o.label)));
    select.value = chosen;
  }

  setFilter(filter: OrderFilter): void {
    const set = (id: string, v: string | undefined) => (el<HTMLInputElement>(this.doc, id).value = v ?? "");
    set("f-channel", filter.channel);
    set("f-status", filter.status);
    set("f-region", filter.region);
    set("f-from", filter.placedFrom);
    set("f-q", filter.q);
    el<HTMLInputElement>(this.doc, "f-overdue").checked = !!filter.overdue;
    el<HTMLInputElement>(this.doc, "f-mine").checked = !!filter.mine;
    el<HTMLSelectElement>(this.doc, "f-window").value = filter.window ?? "recent";
    set("f-to", filter.placedTo);
  }

  setAutoSync(on: boolean): void {
    el<HTMLInputElement>(this.doc, "auto-sync").checked = on;
  }

  showProgress(fraction: number | "busy" | null, text: string): void {
    const bar = el<HTMLProgressElement>(this.doc, "progress");
    // Idle: no bar at all (an indeterminate bar animates, which says "working").
    bar.hidden = fraction === null;
    if (fraction === "busy") bar.removeAttribute("value");
    else if (fraction !== null) bar.value = fraction;
    el(this.doc, "progress-text").textContent = text;
  }

  setLoading(loading: boolean): void {
    el(this.doc, "cancel").hidden = !loading;
  }

  showOnline(text: string, online: boolean): void {
    const node = el(this.doc, "online");
    node.textContent = text;
    node.className = online ? "ok" : "warn";
  }

  showError(text: string | null): void {
    const box = el(this.doc, "error");
    box.hidden = text === null;
    el(this.doc, "error-text").textContent = text ?? "";
  }

  showOverview(counts: Record<OverviewKind, number>): void {
    for (const kind of ["conflicts", "late", "alerts"] as const) {
      const button = this.doc.querySelector<HTMLButtonElement>(`#overview [data-kind="${kind}"]`);
      if (button) button.textContent = overviewLabel(kind, counts[kind], this.lang);
    }
  }

  /** The latest refused edits with their whole reason; clicking one selects its cell. */
  showRefusals(items: { index: number; text: string }[]): void {
    el(this.doc, "refusals").replaceChildren(
      ...items.map((item) => {
        const li = this.doc.createElement("li");
        const a = this.doc.createElement("a");
        a.href = "#";
        a.dataset.index = String(item.index);
        a.textContent = item.text;
        li.append(a);
        return li;
      }),
    );
    el(this.doc, "refusals-none").hidden = items.length > 0;
    el(this.doc, "refusals-clear").hidden = items.length === 0;
  }

  showConflicts(items: { id: string; text: string }[]): void {
    const list = el(this.doc, "conflicts");
    list.replaceChildren(
      ...items.map((item) => {
        const li = this.doc.createElement("li");
        li.dataset.id = item.id;
        const text = this.doc.createElement("a");
        text.href = "#";
        text.dataset.action = "select";
        text.textContent = item.text;
        const keep = this.button("keep", t(this.lang, "conflicts.keepMine"));
        const take = this.button("take", t(this.lang, "conflicts.takeServer"));
        li.append(text, keep, take);
        return li;
      }),
    );
    el(this.doc, "conflicts-none").hidden = items.length > 0;
  }

  private button(action: string, label: string): HTMLButtonElement {
    const b = this.doc.createElement("button");
    b.type = "button";
    b.dataset.action = action;
    b.textContent = label;
    return b;
  }

  /** The open alerts; with `mayClose`, each has a button that closes it. */
  showAlerts(items: { orderId: string; sourceId: string; level: string; text: string }[], mayClose = false): void {
    const list = el(this.doc, "alerts");
    list.replaceChildren(
      ...items.map((item) => {
        const li = this.doc.createElement("li");
        li.dataset.order = item.orderId;
        li.dataset.source = item.sourceId;
        li.className = `level-${item.level}`;
        const text = this.doc.createElement("span");
        text.textContent = item.text;
        li.append(text);
        if (mayClose) li.append(this.button("close", t(this.lang, "alerts.close")));
        return li;
      }),
    );
    el(this.doc, "alerts-none").hidden = items.length > 0;
  }

  setBusy(busy: boolean): void {
    for (const id of ["connect", "load", "sync"]) el<HTMLButtonElement>(this.doc, id).disabled = busy;
  }
}
