import type { Knex } from "knex";
import type { GainedWaybills, TrackedWaybill, WaybillSource } from "../domain/connectors/waybills.js";

/** Feed positions one `gained` call looks through at most (it moves the cursor past them however few match). */
const SCAN_WINDOW = 20_000n;

const toWaybill = (r: Record<string, any>): TrackedWaybill => ({
  orderId: r.id,
  channel: r.channel,
  externalOrderId: r.external_order_id,
  carrier: r.carrier ?? "",
  waybillNo: r.waybill_no,
});

/**
 * Waybills from the orders and the change feed. The feed is written in commit order (the
 * workspace's commit-order lock), so reading it by position skips no waybill that commits
 * later; an order created with a waybill, or whose `waybillNo` changed, counts as gained.
 */
export class KnexWaybillSource implements WaybillSource {
  constructor(private readonly knex: Knex) {}

  async gained(workspaceId: string, afterSeq: string, limit: number): Promise<GainedWaybills> {
    const after = BigInt(afterSeq);
    const top = await this.knex("changes").where("workspace_id", workspaceId).max<{ max: string | null }[]>("seq as max");
    const maxSeq = top[0]?.max === null || top[0]?.max === undefined ? 0n : BigInt(top[0].max);
    if (maxSeq <= after) return { waybills: [], nextSeq: afterSeq, more: false };
    const upper = after + SCAN_WINDOW < maxSeq ? after + SCAN_WINDOW : maxSeq;
    // Each order once, at its latest waybill-setting position in the window (an order created
    // and given its waybill later, or re-waybilled, is subscribed with the number it has).
    const rows = await this.knex.raw(
      `with hit as (
         select distinct on (c.order_id) c.seq, c.order_id
           from changes c
          where c.workspace_id = ? and c.seq > ? and c.seq <= ?
            and (c.kind = 'order.created' or (c.kind = 'order.updated' and c.data->'fields' @> '["waybillNo"]'::jsonb))
          order by c.order_id, c.seq desc
       )
       select h.seq, o.id, o.channel, o.external_order_id, o.carrier, o.waybill_no
         from hit h
         join orders o on o.workspace_id = ? and o.id = h.order_id
        where o.waybill_no is not null
        order by h.seq
        limit ?`,
      [workspaceId, after.toString(), upper.toString(), workspaceId, limit],
    );
    const found = rows.rows as Record<string, any>[];
    if (found.length === limit) return { waybills: found.map(toWaybill), nextSeq: String(found[found.length - 1].seq), more: true };
    return { waybills: found.map(toWaybill), nextSeq: upper.toString(), more: upper < maxSeq };
  }

  async silent(workspaceId: string, silentSince: Date, afterOrderId: string | null, limit: number): Promise<TrackedWaybill[]> {
    const rows = await this.knex.raw(
      `select o.id, o.channel, o.external_order_id, o.carrier, o.waybill_no
         from orders o
        where o.workspace_id = ? and o.id > ? and o.waybill_no is not null
          and (o.extra->>'signedAt') is null
          and o.status not in ('cancelled', 'refunded', 'completed', 'signed')
          and coalesce((o.extra->>'lastTrackAt')::timestamptz, o.outbound_at, o.updated_at) < ?
        order by o.id
        limit ?`,
      [workspaceId, afterOrderId ?? "", silentSince.toISOString(), limit],
    );
    return (rows.rows as Record<string, any>[]).map(toWaybill);
  }
}
