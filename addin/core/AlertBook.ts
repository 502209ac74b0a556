import { z } from "zod";
import type { Change } from "../../server/contracts/changes.js";
import { COL } from "./columns.js";
import type { CellPatch } from "./resultPlan.js";

/** An open alert as the pane lists it. */
export interface AlertEntry {
  orderId: string;
  /** What raised it (timer or rule ID); with the order it identifies the alert. */
  sourceId: string;
  level: string;
  message: string;
  /** The text in both languages, when the server sent it (alerts raised before it did have only `message`). */
  messages?: { "zh-CN": string; en: string };
  at: string;
}

/** An alert's text in `lang`: its bilingual text when known, else the one text it has. */
export function alertText(entry: Pick<AlertEntry, "message" | "messages">, lang: "zh-CN" | "en"): string {
  return entry.messages?.[lang] || entry.message;
}

const Localized = z.object({ "zh-CN": z.string(), en: z.string() });

const AlertData = z.object({
  level: z.string().optional(),
  message: z.string().optional(),
  messages: Localized.optional(),
  sourceId: z.string().optional(),
});

/** An alert as `GET /api/alerts` gives it. */
export interface ServerAlert {
  orderId: string;
  sourceId: string;
  level: string;
  message: string;
  messages?: { "zh-CN": string; en: string };
  raisedAt: string;
  clearedAt?: string | null;
}

const LEVEL_ORDER = ["red", "orange", "yellow", "green"];

/** The open alerts, kept current from `GET /api/alerts` and the change feed. */
export class AlertBook {
  private readonly entries = new Map<string, AlertEntry>();

  /** Replaces the list with the server's open alerts. */
  reset(alerts: readonly ServerAlert[]): void {
    this.entries.clear();
    this.merge(alerts);
  }

  /** Takes the server's open alerts of some orders (their texts in both languages), keeping the rest. */
  merge(alerts: readonly ServerAlert[]): void {
    for (const a of alerts) {
      if (a.clearedAt) continue;
      this.entries.set(keyOf(a.orderId, a.sourceId), { orderId: a.orderId, sourceId: a.sourceId, level: a.level, message: a.message, ...(a.messages ? { messages: a.messages } : {}), at: a.raisedAt });
    }
  }

  /** Orders with listed alerts whose text is known in one language only. */
  untranslated(): string[] {
    return [...new Set([...this.entries.values()].filter((e) => !e.messages).map((e) => e.orderId))];
  }

  /** Applies an `alert.raised` / `alert.cleared` change; returns whether the list changed. */
  apply(change: Change): boolean {
    if (!change.orderId || (change.kind !== "alert.raised" && change.kind !== "alert.cleared")) return false;
    const data = AlertData.safeParse(change.data);
    const d = data.success ? data.data : {};
    const sourceId = d.sourceId ?? "";
    if (change.kind === "alert.cleared") {
      if (sourceId) return this.entries.delete(keyOf(change.orderId, sourceId));
      let removed = false;
      for (const [k, e] of this.entries) if (e.orderId === change.orderId) removed = this.entries.delete(k) || removed;
      return removed;
    }
    this.entries.set(keyOf(change.orderId, sourceId), {
      orderId: change.orderId,
      sourceId,
      level: d.level ?? "red",
      message: d.message ?? "",
      ...(d.messages ? { messages: d.messages } : {}),
      at: change.at,
    });
    return true;
  }

  /** Drops one alert (closed by hand); returns whether it was listed. */
  remove(orderId: string, sourceId: string): boolean {
    return this.entries.delete(keyOf(orderId, sourceId));
  }

  /** Open alerts, most urgent first, then newest first. */
  list(): AlertEntry[] {
    const rank = (l: string) => {
      const i = LEVEL_ORDER.indexOf(l);
      return i < 0 ? LEVEL_ORDER.length : i;
    };
    return [...this.entries.values()].sort((a, b) => rank(a.level) - rank(b.level) || b.at.localeCompare(a.at));
  }
}

function keyOf(orderId: string, sourceId: string): string {
  return `${orderId}\u0000${sourceId}`;
}

/** Fill of an order's ID cell per alert level (the row's colour cue; the Alerts sheet has the text). */
export const ALERT_FILLS: Record<string, string> = { red: "#FFC7CE", orange: "#FFD8A8", yellow: "#FFEB9C", green: "#C6EFCE" };

/**
 * Order-ID cells to recolour after the alerts changed: each order with an open alert takes the
 * colour of its most urgent one; an order whose alerts all cleared loses its colour. `coloured`
 * is what the sheet shows now (order → fill); returns the patches and what it will show after.
 */
export function alertPatches(alerts: readonly AlertEntry[], coloured: ReadonlyMap<string, string>): { patches: CellPatch[]; coloured: Map<string, string> } {
  const next = new Map<string, string>();
  for (const a of alerts) if (!next.has(a.orderId)) next.set(a.orderId, ALERT_FILLS[a.level] ?? ALERT_FILLS.red);
  const patches: CellPatch[] = [];
  for (const [orderId, fill] of next) if (coloured.get(orderId) !== fill) patches.push({ orderId, col: COL.orderId, value: orderId, fill });
  for (const orderId of coloured.keys()) if (!next.has(orderId)) patches.push({ orderId, col: COL.orderId, value: orderId, fill: "" });
  return { patches, coloured: next };
}
