import type { NotifyChannel } from "../channel.js";
import { localTime } from "../templates.js";
import type { SmsProvider } from "./smsProvider.js";

/**
 * SMS through a provider: one text per notice (each goes to its own number), with the
 * approved template's parameters: the order and since when (workspace time). The template
 * itself (wording in zh-CN or English) is approved at the provider.
 */
export function smsChannel(provider: SmsProvider): NotifyChannel {
  return {
    kind: "sms",
    perMinute: null,
    maxBatch: 1,
    async send(target, notices, ctx, now) {
      const n = notices[0];
      const result = await provider.send(target.sms!, { phone: n.phone!, params: [n.orderId, localTime(n.since, ctx.timeZone)] }, now);
      return { ...result, used: 1 };
    },
  };
}
