import type { Change } from "../../contracts/changes.js";

/** A page of the change feed; `cursor` is what to pass as `since` next time. */
export interface ChangePage {
  changes: Change[];
  cursor: string;
}

/** The change feed as the feed routes read it (implemented by `KnexChangeFeed`). */
export interface ChangeFeed {
  /** The cursor of the newest change. */
  head(workspaceId: string): Promise<string>;
  /**
   * Changes after `since`; when there are none, waits up to `waitMs` for one (or until
   * `abort` fires) and answers an empty page at the same cursor.
   */
  poll(workspaceId: string, since: string, limit: number, waitMs: number, abort?: AbortSignal): Promise<ChangePage>;
}
