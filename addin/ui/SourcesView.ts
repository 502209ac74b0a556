import { t, type Lang } from "../core/i18n.js";
import type { SourceLine } from "../core/sourcesSummary.js";

function el<T extends HTMLElement>(doc: Document, id: string): T {
  const found = doc.getElementById(id);
  if (!found) throw new Error(`taskpane.html lacks #${id}`);
  return found as T;
}

/** The 数据源 section of the pane: a summary line and one entry per data source. */
export class SourcesView {
  constructor(private readonly doc: Document) {}

  /** Calls `open` when the section is opened and `refresh` when its button is pressed. */
  bind(actions: { open(): void; refresh(): void }): void {
    const section = el<HTMLDetailsElement>(this.doc, "sources-section");
    section.addEventListener("toggle", () => {
      if (section.open) actions.open();
    });
    el(this.doc, "sources-refresh").addEventListener("click", () => actions.refresh());
  }

  /** A note in place of the list (loading, not allowed, a failure). */
  showNote(text: string): void {
    el(this.doc, "sources-note").textContent = text;
    el(this.doc, "sources").replaceChildren();
  }

  /** The sources, those needing attention first. */
  showSources(lines: SourceLine[], lang: Lang): void {
    const d = this.doc;
    const attention = lines.filter((l) => l.attention).length;
    el(d, "sources-note").textContent = lines.length === 0 ? t(lang, "sources.none") : attention ? t(lang, "sources.attention", { count: attention }) : t(lang, "sources.allWell");
    el(d, "sources").replaceChildren(
      ...lines.map((l) => {
        const li = d.createElement("li");
        li.dataset.id = l.id;
        li.dataset.state = l.state;
        if (l.attention) li.classList.add("attention");
        const head = d.createElement("strong");
        head.textContent = `${l.name}（${l.kind}）· ${l.stateText}`;
        li.append(head);
        for (const text of l.details) {
          const p = d.createElement("div");
          p.className = "muted";
          p.textContent = text;
          li.append(p);
        }
        return li;
      }),
    );
  }
}
