/** An order's waybill as a carrier tracker needs it. */
export interface TrackedWaybill {
  orderId: string;
  channel: string;
  externalOrderId: string;
  carrier: string;
  waybillNo: string;
}

/** Waybills that gained a number since a change-feed position, and the position after them. */
export interface GainedWaybills {
  waybills: TrackedWaybill[];
  /** The feed position read up to (the next call starts after it). */
  nextSeq: string;
  /** More feed lies beyond `nextSeq`. */
  more: boolean;
}

/**
 * Where a carrier tracker finds the waybills to follow (implemented by `KnexWaybillSource`):
 * orders whose waybill number was set, read from the change feed (so the position is a
 * cursor that never skips a commit), and waybills that have gone silent.
 */
export interface WaybillSource {
  /** Orders of the workspace whose waybill was set after feed position `afterSeq`, in feed order, at most `limit`. */
  gained(workspaceId: string, afterSeq: string, limit: number): Promise<GainedWaybills>;
  /**
   * Orders with a waybill, not signed nor cancelled, whose last tracking (or, before any,
   * their outbound or last change) is older than `silentSince`, by order id after `afterOrderId`.
   */
  silent(workspaceId: string, silentSince: Date, afterOrderId: string | null, limit: number): Promise<TrackedWaybill[]>;
}
