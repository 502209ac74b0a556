import type { Lang } from "./i18n.js";

/** One edit the server (or the pane itself) refused, for the pane's details view. */
export interface RefusalEntry {
  orderId: string;
  /** The sheet column of the refused cell. */
  col: number;
  /** What the user typed, as shown. */
  mine: string;
  /** Why, worded in the language asked for (so a language switch re-words it). */
  reason: (lang: Lang) => string;
  at: Date;
}

/**
 * The latest refused edits of this pane, newest first: the Sync column holds only a short
 * mark per row, so the pane keeps the whole reason of each refusal to show on request.
 */
export class RefusalLog {
  private entries: RefusalEntry[] = [];

  constructor(private readonly max = 50) {}

  /** Adds refusals (in the order they happened); the oldest beyond `max` are dropped. */
  add(list: readonly RefusalEntry[]): void {
    if (!list.length) return;
    this.entries = [...[...list].reverse(), ...this.entries].slice(0, this.max);
  }

  list(): readonly RefusalEntry[] {
    return this.entries;
  }

  clear(): void {
    this.entries = [];
  }
}
