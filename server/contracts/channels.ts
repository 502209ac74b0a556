import { z } from "zod";

/** A channel whose intake a circuit breaker (or a supervisor) paused. */
export const ChannelPause = z.object({
  channel: z.string(),
  reason: z.string(),
  sourceId: z.string().describe("The rule that paused it"),
  pausedAt: z.string(),
  heldEvents: z.number().int().describe("Events received since and held, waiting for the resume"),
});

/** `GET /api/channels/pauses` response. */
export const ChannelPausesResponse = z.object({ pauses: z.array(ChannelPause) }).meta({ id: "ChannelPauses" });

/** `:channel` path parameter. */
export const ChannelParams = z.object({ channel: z.string().min(1).max(40) }).strict();

/** `POST /api/channels/:channel/resume` body. */
export const ResumeChannelRequest = z
  .object({ note: z.string().max(2000).optional().describe("Why it is safe to resume, for the record") })
  .strict()
  .meta({ id: "ResumeChannelRequest" });

/** `POST /api/channels/:channel/resume` response: the held events were replayed in arrival order. */
export const ResumeChannelResponse = z
  .object({
    channel: z.string(),
    wasPaused: z.boolean(),
    replayed: z.number().int(),
    counts: z.record(z.string(), z.number().int()).describe("Outcomes of the replayed events"),
  })
  .meta({ id: "ResumeChannelResult" });
