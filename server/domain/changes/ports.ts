import type { Change } from "../../contracts/changes.js";
import type { RowScope } from "../access/principal.js";
import { GoneError } from "../errors.js";

/**
 * The feed positions a client asked to read after were partly removed by retention: it
 * cannot catch up change by change and must load its view again, then follow the feed from
 * its head. Answered as HTTP 410 with code `feed_reload`; the details carry the message in
 * zh-CN and English and the oldest cursor still served.
 */
export class FeedReloadError extends GoneError {
  readonly code = "feed_reload";
  constructor(since: string, keptAfter: string) {
    super(
      `changes after cursor ${since} are no longer kept (retention removed them up to ${keptAfter}); load the view again, then follow the feed from GET /api/changes/head`,
      {
        keptAfter,
        messages: {
          "zh-CN": `游标 ${since} 之后的部分变更已按保留期限删除，无法逐条补齐；请重新加载视图，再从 GET /api/changes/head 继续跟随。`,
          en: `Some changes after cursor ${since} were removed by retention and cannot be caught up one by one; load the view again, then follow the feed from GET /api/changes/head.`,
        },
      },
    );
  }
}

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
   * Throws `FeedReloadError` when changes of this workspace after `since` were dropped by
   * retention (a fresh cursor "0" included: it asks for everything from the start).
   */
  poll(workspaceId: string, since: string, limit: number, waitMs: number, abort?: AbortSignal, scope?: RowScope): Promise<ChangePage>;
}
