import type { EventInput } from "../contracts/events.js";
import type { Principal } from "../domain/access/principal.js";

/** One held event and who sent it. */
export interface HeldEvent {
  inboxId: number;
  actor: string;
  event: EventInput;
}

/** What a replay did: how many events went through the engine, and their outcomes. */
export interface ReplayOutcome {
  replayed: number;
  counts: Record<string, number>;
}

/**
 * Replays held events through the engine, oldest first, a page at a time: each is decided
 * under its original sender's name (held events are facts, never manual commands). Stops
 * early when the replay itself holds an event again (the channel paused or the order frozen
 * anew), so what is still held waits for the next release.
 */
export async function replayHeld(
  principal: Principal,
  page: (after: number, limit: number) => Promise<HeldEvent[]>,
  process: (ctx: { workspaceId: string; timeZone: string; actor: { role: Principal["role"]; name: string } }, events: EventInput[]) => Promise<{ outcome: string }[]>,
): Promise<ReplayOutcome> {
  const counts: Record<string, number> = {};
  let replayed = 0;
  let after = 0;
  for (;;) {
    const held = await page(after, 1000);
    if (held.length === 0) break;
    after = held[held.length - 1].inboxId;
    const byActor = new Map<string, EventInput[]>();
    for (const h of held) byActor.set(h.actor, [...(byActor.get(h.actor) ?? []), h.event]);
    for (const [actor, events] of byActor) {
      const results = await process({ workspaceId: principal.workspaceId, timeZone: principal.timeZone, actor: { role: principal.role, name: actor } }, events);
      for (const r of results) counts[r.outcome] = (counts[r.outcome] ?? 0) + 1;
      replayed += results.length;
    }
    if (counts.held) break;
  }
  return { replayed, counts };
}
