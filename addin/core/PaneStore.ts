import { z } from "zod";
import type { QueueStorage } from "./EditQueue.js";

/** A small key-value store for one workbook's pane state (connection, queue, cursor, choices). */
export interface PaneStore {
  get(key: string): string | null;
  set(key: string, value: string): void;
  remove(key: string): void;
}

/** A `PaneStore` in memory, for tests and for hosts without storage. */
export class MemoryPaneStore implements PaneStore {
  readonly data = new Map<string, string>();

  get(key: string): string | null {
    return this.data.get(key) ?? null;
  }

  set(key: string, value: string): void {
    this.data.set(key, value);
  }

  remove(key: string): void {
    this.data.delete(key);
  }
}

/** The queue's storage inside a pane store. */
export function queueStorage(store: PaneStore, key = "queue"): QueueStorage {
  return { load: () => store.get(key), save: (text) => store.set(key, text) };
}

/** Reads a JSON value from a store, or `fallback` when absent or unreadable. */
export function readJson<T>(store: PaneStore, key: string, parse: (value: unknown) => T | undefined, fallback: T): T {
  const text = store.get(key);
  if (text === null) return fallback;
  try {
    return parse(JSON.parse(text)) ?? fallback;
  } catch {
    return fallback;
  }
}

const Connection = z.object({ url: z.string(), token: z.string() });

/** The server address and token this workbook last connected with, if any. */
export function savedConnection(store: PaneStore): { url: string; token: string } | undefined {
  return readJson(store, "connection", (v) => Connection.safeParse(v).data, undefined);
}
