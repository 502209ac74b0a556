import type { ConflictView, FollowupsQuery, TaskView } from "../../contracts/followups.js";
import type { RowScope } from "../access/principal.js";

/** Who ends a conflict or task, and how they may see orders. */
export interface FollowupActor {
  actor: string;
  note: string | null;
  scope?: RowScope;
}

/** The answer to ending one item: ended now, had already ended (with the record), or no such item (in scope). */
export type EndOutcome<T> = { outcome: "ended" | "already_ended"; item: T } | { outcome: "not_found" };

/**
 * Conflicts and tasks about orders, which stay open until a person ends them or their
 * cause goes away (implemented by `KnexFollowupStore`).
 */
export interface FollowupStore {
  /** Conflicts newest first (open ones unless `open` is "false"), only about orders inside `scope` when given. */
  listConflicts(workspaceId: string, q: FollowupsQuery, scope?: RowScope): Promise<ConflictView[]>;
  /** Resolves an open conflict on a person's behalf. */
  resolveConflict(workspaceId: string, id: string, resolution: "kept_mine" | "took_server" | "closed", by: FollowupActor, now: Date): Promise<EndOutcome<ConflictView>>;
  /** Tasks newest first (open ones unless `open` is "false"), only about orders inside `scope` when given. */
  listTasks(workspaceId: string, q: FollowupsQuery, scope?: RowScope): Promise<TaskView[]>;
  /** Marks an open task done on a person's behalf. */
  finishTask(workspaceId: string, id: string, by: FollowupActor, now: Date): Promise<EndOutcome<TaskView>>;
}
