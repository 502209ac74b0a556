import { z } from "zod";

/** The longest a client may ask the change feed to wait, in seconds. */
export const MAX_FEED_WAIT_SECONDS = 60;

/** `GET /api/changes` query string. */
export const ChangesQuery = z
  .object({
    since: z
      .string()
      .regex(/^\d{1,18}$/, "must be a cursor returned by an earlier call, or 0")
      .default("0"),
    wait: z.coerce.number().min(0).max(MAX_FEED_WAIT_SECONDS).default(0),
    limit: z.coerce.number().int().min(1).max(5000).default(1000),
  })
  .strict();
export type ChangesQuery = z.infer<typeof ChangesQuery>;

/** What kind of thing changed. */
export const ChangeKind = z.enum(["order.created", "order.updated", "alert.raised", "alert.cleared", "workflow.published", "channel.paused", "channel.resumed"]);
export type ChangeKind = z.infer<typeof ChangeKind>;

/** One entry of the change feed. */
export const Change = z.object({
  seq: z.string().describe("Position in the feed; pass the last one back as `since`"),
  kind: ChangeKind,
  orderId: z.string().nullable(),
  orderVersion: z.number().int().nullable(),
  at: z.string(),
  data: z.record(z.string(), z.unknown()),
});
export type Change = z.infer<typeof Change>;

/** `GET /api/changes` response. `cursor` is the seq to pass as `since` next time. */
export const ChangesResponse = z
  .object({ changes: z.array(Change), cursor: z.string() })
  .meta({ id: "ChangePage" });
export type ChangesResponse = z.infer<typeof ChangesResponse>;

/** `GET /api/changes/head`: the cursor of the newest change, where a client that has just loaded everything starts following. */
export const ChangesHeadResponse = z.object({ cursor: z.string() }).meta({ id: "ChangeHead" });
export type ChangesHeadResponse = z.infer<typeof ChangesHeadResponse>;
