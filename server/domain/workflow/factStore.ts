import type { EventInput } from "../../contracts/events.js";
import type { FactDisputeView, FactPrecedencePolicy } from "../../contracts/facts.js";

/** A held event of a frozen order, for the replay after a person resolves the dispute. */
export interface HeldFact {
  inboxId: number;
  actor: string;
  event: EventInput;
}

/** Source precedence per workspace and the disputes it settled (implemented by `KnexFactStore`). */
export interface FactStore {
  precedence(workspaceId: string): Promise<{ policy: FactPrecedencePolicy; custom: boolean }>;
  putPrecedence(workspaceId: string, policy: FactPrecedencePolicy, by: string, now: Date): Promise<void>;
  /** An order's disputes, newest first. */
  disputes(workspaceId: string, orderId: string): Promise<FactDisputeView[]>;
  /** Marks the order's open frozen disputes resolved; how many were. */
  resolve(workspaceId: string, orderId: string, by: string, note: string | undefined, now: Date): Promise<number>;
  /** The order's held events after inbox id `after`, oldest first. */
  held(workspaceId: string, orderId: string, after: number, limit: number): Promise<HeldFact[]>;
}
