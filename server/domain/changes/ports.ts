import type { Change } from "../../contracts/changes.js";
import type { RowScope } from "../access/principal.js";

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
   * `abort` fires) and answers an empty page at the same cursor. With a row `scope`, only
   * changes about orders inside it (and those about no order) are answered, and the cursor
   * still moves past the ones left out, so a run of invisible changes never stalls a client.
   */
  poll(workspaceId: string, since: string, limit: number, waitMs: number, abort?: AbortSignal, scope?: RowScope): Promise<ChangePage>;
}
