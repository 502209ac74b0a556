import assert from "node:assert/strict";
import type { Notice, RenderContext } from "../../../server/notify/notice.js";
import { dingtalkRobot } from "../../../server/notify/dingtalk/dingtalkRobot.js";
import { feishuBot } from "../../../server/notify/feishu/feishuBot.js";
import { smsChannel } from "../../../server/notify/sms/smsChannel.js";
import { tencentSms } from "../../../server/notify/sms/tencent/tencentSms.js";
import { wecomRobot } from "../../../server/notify/wecom/wecomRobot.js";
import { startRobotServers, type RobotServers } from "../../helpers/robotServers.js";

const NOW = new Date("2026-01-15T04:00:00.000Z");

function notice(i: number, over: Partial<Notice> = {}): Notice {
  return {
    kind: "alert",
    level: "orange",
    message: "No tracking update within 2 h",
    audience: "regional_manager",
    orderId: `TM20260115-${String(i).padStart(5, "0")}`,
    externalOrderId: `X${i}`,
    channel: "tmall",
    region: "华东",
    warehouse: "杭州仓",
    status: "in_transit",
    since: "2026-01-15T02:00:00.000Z",
    raisedAt: "2026-01-15T04:00:00.000Z",
    ...over,
  };
}

const zh: RenderContext = { locale: "zh-CN", timeZone: "Asia/Shanghai", link: (id) => `https://os.example.cn/addin/taskpane.html?order=${id}` };
const en: RenderContext = { ...zh, locale: "en" };

describe("notification channels against their protocol servers", function () {
  let s: RobotServers;
  before(async function () {
    s = await startRobotServers(() => NOW);
  });
  after(async function () {
    await s.close();
  });

  it("WeCom: sends a zh-CN markdown message with the order, the problem, since when (Shanghai time) and the link; errcode 0 is sent", async function () {
    const r = await wecomRobot.send({ id: "1", kind: "wecom", webhookUrl: s.urls.wecom }, [notice(1)], zh, NOW);
    assert.equal(r.outcome, "sent", r.detail);
    const got = s.accepted.at(-1)!;
    assert.equal(got.platform, "wecom");
    const text: string = got.body.markdown.content;
    assert.match(text, /【橙色预警】订单 TM20260115-00001/);
    assert.match(text, /问题: No tracking update within 2 h/);
    assert.match(text, /开始于: 2026-01-15 10:00/);
    assert.match(text, /\[查看订单\]\(https:\/\/os\.example\.cn\/addin\/taskpane\.html\?order=TM20260115-00001\)/);
    assert.match(text, /<font color="warning">/);
  });

  it("WeCom: batches as many alerts as fit 4096 bytes into one message and says how many went", async function () {
    const many = Array.from({ length: 30 }, (_, i) => notice(100 + i));
    const r = await wecomRobot.send({ id: "1", kind: "wecom", webhookUrl: s.urls.wecom }, many, zh, NOW);
    assert.equal(r.outcome, "sent", r.detail);
    assert.ok(r.used > 1 && r.used < 30, `used ${r.used}`);
    const text: string = s.accepted.at(-1)!.body.markdown.content;
    assert.ok(Buffer.byteLength(text, "utf8") <= 4096);
    assert.match(text, new RegExp(`Ordersheet 通知 \\(${r.used} 条\\)`));
    for (let i = 0; i < r.used; i++) assert.ok(text.includes(many[i].orderId), many[i].orderId);
    assert.ok(!text.includes(many[r.used].orderId), "the next one waits for the next message");
  });

  it("WeCom: a wrong key is refused (errcode 93000) and the rate-limit errcode 45009 is recognised", async function () {
    const bad = await wecomRobot.send({ id: "1", kind: "wecom", webhookUrl: s.urls.wecom.replace(/key=.*/, "key=wrong") }, [notice(2)], zh, NOW);
    assert.equal(bad.outcome, "failed");
    assert.match(bad.detail, /errcode 93000/);
    assert.ok(!bad.detail.includes(s.creds.wecomKey), "the key never reaches the log");
    s.force("wecom", "rate");
    const limited = await wecomRobot.send({ id: "1", kind: "wecom", webhookUrl: s.urls.wecom }, [notice(2)], zh, NOW);
    assert.equal(limited.outcome, "rate_limited");
    assert.match(limited.detail, /45009/);
  });

  it("DingTalk: signs timestamp + secret with HMAC-SHA256 (Base64, URL-encoded) and sends markdown; a wrong secret gets 310000", async function () {
    const target = { id: "2", kind: "dingtalk" as const, webhookUrl: s.urls.dingtalk, secret: s.creds.dingSecret };
    const ok = await dingtalkRobot.send(target, [notice(3)], en, NOW);
    assert.equal(ok.outcome, "sent", ok.detail);
    const got = s.accepted.at(-1)!;
    assert.equal(got.platform, "dingtalk");
    assert.equal(new URL(got.url, s.url).searchParams.get("timestamp"), String(NOW.getTime()));
    assert.match(got.body.markdown.text, /【Orange alert】Order TM20260115-00003/);
    assert.match(got.body.markdown.text, /Since: 2026-01-15 10:00/);
    const wrong = await dingtalkRobot.send({ ...target, secret: "SECnot-the-secret" }, [notice(3)], en, NOW);
    assert.equal(wrong.outcome, "failed");
    assert.match(wrong.detail, /errcode 310000/);
    assert.ok(!wrong.detail.includes("http"), "no URL in the detail");
    s.force("dingtalk", "rate");
    const limited = await dingtalkRobot.send(target, [notice(3)], en, NOW);
    assert.equal(limited.outcome, "rate_limited");
    assert.equal(limited.outcome === "rate_limited" && limited.waitMs, 600_000, "DingTalk throttles for about ten minutes");
  });

  it("DingTalk: a signature made an hour and more ago is refused (the platform checks the timestamp)", async function () {
    const stale = await dingtalkRobot.send({ id: "2", kind: "dingtalk", webhookUrl: s.urls.dingtalk, secret: s.creds.dingSecret }, [notice(4)], en, new Date(NOW.getTime() - 3_700_000));
    assert.equal(stale.outcome, "failed");
    assert.match(stale.detail, /310000/);
  });

  it("Feishu: timestamp in seconds and sign = Base64(HMAC-SHA256(key = timestamp\\nsecret, empty message)) in the body; a wrong secret gets 19021", async function () {
    const target = { id: "3", kind: "feishu" as const, webhookUrl: s.urls.feishu, secret: s.creds.feishuSecret };
    const ok = await feishuBot.send(target, [notice(5, { level: "red" })], zh, NOW);
    assert.equal(ok.outcome, "sent", ok.detail);
    const got = s.accepted.at(-1)!;
    assert.equal(got.body.timestamp, String(NOW.getTime() / 1000));
    assert.match(got.body.content.text, /【红色预警】订单 TM20260115-00005/);
    const wrong = await feishuBot.send({ ...target, secret: "nope" }, [notice(5)], zh, NOW);
    assert.equal(wrong.outcome, "failed");
    assert.match(wrong.detail, /code 19021/);
    s.force("feishu", "rate");
    assert.equal((await feishuBot.send(target, [notice(5)], zh, NOW)).outcome, "rate_limited");
  });

  it("Tencent Cloud SMS: SendSms signed with TC3-HMAC-SHA256 reaches the number with the template's parameters; a wrong key gets AuthFailure.SignatureFailure", async function () {
    const account = { provider: "tencent" as const, secretId: s.creds.smsId, secretKey: s.creds.smsKey, sdkAppId: s.creds.smsAppId, signName: "奥德希特", templateId: "1234567", region: "ap-guangzhou", endpoint: s.urls.sms };
    const sms = smsChannel(tencentSms);
    const ok = await sms.send({ id: "4", kind: "sms", sms: account }, [notice(6, { phone: "+8613800000006" })], zh, NOW);
    assert.equal(ok.outcome, "sent", ok.detail);
    const got = s.accepted.at(-1)!;
    assert.deepEqual(got.body.PhoneNumberSet, ["+8613800000006"]);
    assert.deepEqual(got.body.TemplateParamSet, ["TM20260115-00006", "2026-01-15 10:00"]);
    assert.equal(got.body.SignName, "奥德希特");
    const wrong = await sms.send({ id: "4", kind: "sms", sms: { ...account, secretKey: "not-the-key" } }, [notice(6, { phone: "+8613800000006" })], zh, NOW);
    assert.equal(wrong.outcome, "failed");
    assert.match(wrong.detail, /AuthFailure\.SignatureFailure/);
    s.force("sms", "rate");
    const limited = await sms.send({ id: "4", kind: "sms", sms: account }, [notice(6, { phone: "+8613800000006" })], zh, NOW);
    assert.equal(limited.outcome, "rate_limited");
    assert.match(limited.detail, /LimitExceeded\.PhoneNumberThirtySecondLimit/);
  });

  it("a robot that answers 500 or is unreachable is a failed send, not a thrown error", async function () {
    s.force("wecom", "500");
    const down = await wecomRobot.send({ id: "1", kind: "wecom", webhookUrl: s.urls.wecom }, [notice(7)], zh, NOW);
    assert.equal(down.outcome, "failed");
    assert.match(down.detail, /HTTP 500/);
    const gone = await wecomRobot.send({ id: "1", kind: "wecom", webhookUrl: "http://127.0.0.1:1/cgi-bin/webhook/send?key=x" }, [notice(7)], zh, NOW);
    assert.equal(gone.outcome, "failed");
    assert.match(gone.detail, /no answer/);
  });
});
