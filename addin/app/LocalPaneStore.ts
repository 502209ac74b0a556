import type { PaneStore } from "../core/PaneStore.js";

/** The part of the Web Storage API the store uses (window.localStorage in the pane). */
export type WebStorage = Pick<Storage, "getItem" | "setItem" | "removeItem">;

/**
 * Pane state of one workbook in Web Storage, under keys prefixed with the workbook's ID, so
 * two workbooks never share a queue or a connection. The token stays on this machine: it is
 * not written into the workbook file, which may be passed around.
 */
export class LocalPaneStore implements PaneStore {
  constructor(
    private readonly storage: WebStorage,
    private readonly workbookId: string,
  ) {}

  private key(name: string): string {
    return `ordersheet:${this.workbookId}:${name}`;
  }

  get(name: string): string | null {
    return this.storage.getItem(this.key(name));
  }

  set(name: string, value: string): void {
    this.storage.setItem(this.key(name), value);
  }

  remove(name: string): void {
    this.storage.removeItem(this.key(name));
  }
}
