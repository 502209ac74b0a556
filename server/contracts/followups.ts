import { z } from "zod";

/** How a conflict ended: a person kept their value or took the server's, a later saved edit of the cell, the order left the status, or a person closed it. */
export const ConflictResolution = z.enum(["kept_mine", "took_server", "superseded", "status_left", "closed"]);
export type ConflictResolution = z.infer<typeof ConflictResolution>;

/** How a task ended: a person finished it, or the order left the status it was opened in. */
export const TaskDoneReason = z.enum(["done", "status_left"]);
export type TaskDoneReason = z.infer<typeof TaskDoneReason>;

const id = (what: string) => z.object({ id: z.string().regex(/^\d{1,18}$/, `must be a ${what} ID (digits)`) }).strict();

/** `:id` of a conflict. */
export const ConflictParams = id("conflict");
/** `:id` of a task. */
export const TaskParams = id("task");

/** `GET /api/conflicts` and `GET /api/tasks` query. */
export const FollowupsQuery = z
  .object({
    open: z.enum(["true", "false"]).default("true"),
    orderId: z.string().max(40).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(200),
  })
  .strict();
export type FollowupsQuery = z.infer<typeof FollowupsQuery>;

/** One conflict: an edit based on an older version of its cell, or another system disagreeing about the order. */
export const ConflictView = z
  .object({
    id: z.string(),
    orderId: z.string(),
    channel: z.string(),
    kind: z.string().describe("`stale_edit` (someone changed the cell first) or the kind of disagreement another system reported"),
    field: z.string().nullable(),
    details: z.record(z.string(), z.unknown()),
    at: z.string(),
    resolvedAt: z.string().nullable(),
    resolvedBy: z.string().nullable().describe("`system` when it ended by itself, else who resolved it"),
    resolution: ConflictResolution.nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: "Conflict" });
export type ConflictView = z.infer<typeof ConflictView>;

/** One task for a person, opened by a workflow rule or timer. */
export const TaskView = z
  .object({
    id: z.string(),
    orderId: z.string(),
    key: z.string(),
    sourceId: z.string(),
    assignee: z.string().describe("The role (or person) the task is for"),
    message: z.string(),
    createdAt: z.string(),
    doneAt: z.string().nullable(),
    doneBy: z.string().nullable().describe("`system` when it ended by itself, else who finished it"),
    doneReason: TaskDoneReason.nullable(),
    note: z.string().nullable(),
  })
  .meta({ id: "Task" });
export type TaskView = z.infer<typeof TaskView>;

const note = z.string().trim().min(1).max(500).optional().describe("Why, for the record");

/** `POST /api/conflicts/:id/resolve` body. */
export const ResolveConflictRequest = z
  .object({ resolution: z.enum(["kept_mine", "took_server", "closed"]).default("closed"), note })
  .strict()
  .meta({ id: "ResolveConflictRequest" });

/** `POST /api/tasks/:id/done` body. */
export const TaskDoneRequest = z.object({ note }).strict().meta({ id: "TaskDoneRequest" });

export const ConflictsResponse = z.object({ conflicts: z.array(ConflictView) }).meta({ id: "ConflictPage" });
export const ConflictResponse = z.object({ conflict: ConflictView }).meta({ id: "ResolvedConflict" });
export const TasksResponse = z.object({ tasks: z.array(TaskView) }).meta({ id: "TaskPage" });
export const TaskResponse = z.object({ task: TaskView }).meta({ id: "DoneTask" });
