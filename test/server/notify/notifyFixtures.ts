import crypto from "node:crypto";
import type { EventInput } from "../../../server/contracts/events.js";
import type { CreateRouteRequest, CreateTargetRequest } from "../../../server/contracts/notify.js";
import { RouteMatch } from "../../../server/contracts/notify.js";
import { SecretBox } from "../../../server/crypto/secretBox.js";
import type { Database } from "../../../server/db/createKnex.js";
import { KnexNotifyStore } from "../../../server/db/notify/KnexNotifyStore.js";
import type { NewOrder } from "../../../server/db/KnexOrderStore.js";
import type { NotifyChannel } from "../../../server/notify/channel.js";
import { dingtalkRobot } from "../../../server/notify/dingtalk/dingtalkRobot.js";
import { feishuBot } from "../../../server/notify/feishu/feishuBot.js";
import { NotifyJob } from "../../../server/notify/notifyJob.js";
import { smsChannel } from "../../../server/notify/sms/smsChannel.js";
import { tencentSms } from "../../../server/notify/sms/tencent/tencentSms.js";
import { wecomRobot } from "../../../server/notify/wecom/wecomRobot.js";
import type { RobotServers } from "../../helpers/robotServers.js";
import { quietLogger, stores } from "../jobs/fixtures.js";

/** One key for every store of a test run (as every server instance shares ORDERSHEET_SECRET_KEY). */
export const TEST_BOX = new SecretBox(crypto.randomBytes(32));

/** The link tests expect. */
export const link = (id: string) => `https://os.example.cn/addin/taskpane.html?order=${id}`;

/** A notifier "server instance" over `db`: its store and job (channels overridable, e.g. a smaller batch). */
export function notifier(db: Database, instance = "test-a", channels: NotifyChannel[] = [wecomRobot, dingtalkRobot, feishuBot, smsChannel(tencentSms)]) {
  const store = new KnexNotifyStore(db.knex, TEST_BOX);
  return { store, job: new NotifyJob({ outbox: store, channels, logger: quietLogger, instance, link }) };
}

/** WeCom with a smaller batch, to make many messages from few alerts. */
export const smallBatchWecom: NotifyChannel = { ...wecomRobot, maxBatch: 2 };

/** A target of each kind, pointed at the local protocol servers. */
export function targetOf(s: RobotServers, kind: "wecom" | "wecom2" | "dingtalk" | "feishu" | "sms", over: Partial<CreateTargetRequest> = {}): CreateTargetRequest {
  const base = { name: kind, locale: "zh-CN" as const, enabled: true };
  switch (kind) {
    case "wecom":
      return { ...base, kind: "wecom", webhookUrl: s.urls.wecom, ...over } as CreateTargetRequest;
    case "wecom2":
      return { ...base, kind: "wecom", webhookUrl: s.urls.wecom.replace(s.creds.wecomKey, s.creds.wecomKey2), ...over } as CreateTargetRequest;
    case "dingtalk":
      return { ...base, kind: "dingtalk", webhookUrl: s.urls.dingtalk, secret: s.creds.dingSecret, ...over } as CreateTargetRequest;
    case "feishu":
      return { ...base, kind: "feishu", webhookUrl: s.urls.feishu, secret: s.creds.feishuSecret, ...over } as CreateTargetRequest;
    case "sms":
      return {
        ...base,
        kind: "sms",
        phone: "customer",
        sms: { provider: "tencent", secretId: s.creds.smsId, secretKey: s.creds.smsKey, sdkAppId: s.creds.smsAppId, signName: "奥德希特", templateId: "1234567", region: "ap-guangzhou", endpoint: s.urls.sms },
        ...over,
      } as CreateTargetRequest;
  }
}

/** A routing rule to `targetId` with `match`. */
export function routeTo(targetId: string, match: Partial<RouteMatch> = {}): CreateRouteRequest {
  return { name: `to ${targetId}`, match: RouteMatch.parse(match), targetId, enabled: true };
}

let n = 0;

/**
 * `count` orders with one open red alert each (paid, then the finance receivable differs:
 * the standard workflow's `receivable_difference_report`, audience finance), raised at `when`.
 */
export async function redAlerts(db: Database, ws: string, count: number, when: Date, over: Partial<NewOrder> = {}): Promise<string[]> {
  const drafts: NewOrder[] = Array.from({ length: count }, () => {
    n += 1;
    return {
      channel: "tmall",
      externalOrderId: `N${n}-${crypto.randomBytes(3).toString("hex")}`,
      customer: { id: `c${n}`, name: `客户${n}`, phone: null },
      totalAmount: 19_990,
      currency: "CNY",
      region: "east",
      warehouse: "hz",
      carrier: null,
      waybillNo: null,
      tags: [],
      extra: {},
      placedAt: when.toISOString(),
      promisedAt: null,
      lines: [{ lineNo: 1, sku: "SKU1", name: "保温杯", quantity: 1, unitPrice: 19_990, amount: 19_990, flags: {} }],
      ...over,
    };
  });
  const st = stores(db);
  const made = await st.orders.importOrders({ workspaceId: ws, timeZone: "Asia/Shanghai", actor: "importer", source: "api:import" }, drafts, when);
  const ids = made.map((m) => m.id);
  const events: EventInput[] = ids.flatMap((id) => [
    { source: "connector:test", sourceEventId: `pay-${id}`, orderId: id, type: "payment.confirmed", data: { paidAt: when.toISOString() } } as EventInput,
    { source: "finance:erp", sourceEventId: `ar-${id}`, orderId: id, type: "finance.receivable", data: { amount: 1 } } as EventInput,
  ]);
  await st.events.process({ workspaceId: ws, timeZone: "Asia/Shanghai", actor: { role: "admin", name: "connector-test" } }, events, when);
  return ids;
}

/** Order IDs carried by the messages a platform accepted, once per time they were carried (each notice links its order once). */
export function deliveredOrders(s: RobotServers, platform: "wecom" | "dingtalk" | "feishu"): string[] {
  const out: string[] = [];
  for (const r of s.accepted.filter((a) => a.platform === platform)) {
    const text: string = r.body.markdown?.content ?? r.body.markdown?.text ?? r.body.content?.text ?? "";
    for (const m of text.matchAll(/taskpane\.html\?order=([A-Z0-9-]+)/g)) out.push(m[1]);
  }
  return out;
}
