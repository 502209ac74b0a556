import assert from "node:assert/strict";
import { describeEachDatabase } from "../../helpers/databases.js";
import { startTestServer, type TestServer } from "../../helpers/testServer.js";

const WECOM = { kind: "wecom", name: "华东区域经理群", webhookUrl: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=0f9e8d7c-made-up-key" };
const DING = { kind: "dingtalk", name: "仓库群", locale: "en", webhookUrl: "https://oapi.dingtalk.com/robot/send?access_token=made-up-token", secret: "SECmade-up-secret" };

describeEachDatabase("notifications admin API", function ({ db, backend }) {
  let t: TestServer;
  before(async function () {
    t = await startTestServer(db());
  });
  after(async function () {
    await t?.close();
  });

  it("creates, lists, changes and deletes targets; never answers a webhook key or signing secret", async function () {
    const created = await t.call("POST", "/api/notifications/targets", { body: DING });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    assert.deepEqual(
      { kind: created.body.kind, locale: created.body.locale, enabled: created.body.enabled, webhookHost: created.body.webhookHost, signed: created.body.signed, phone: created.body.phone },
      { kind: "dingtalk", locale: "en", enabled: true, webhookHost: "oapi.dingtalk.com", signed: true, phone: null },
    );
    const list = await t.call("GET", "/api/notifications/targets");
    assert.equal(list.status, 200);
    const text = JSON.stringify([created.body, list.body]);
    assert.ok(!text.includes("made-up-token") && !text.includes("SECmade-up-secret"), text);

    const patched = await t.call("PATCH", `/api/notifications/targets/${created.body.id}`, { body: { name: "仓库值班群", secret: null } });
    assert.equal(patched.status, 200, JSON.stringify(patched.body));
    assert.equal(patched.body.name, "仓库值班群");
    assert.equal(patched.body.signed, false, "the secret was removed");

    const sms = await t.call("POST", "/api/notifications/targets", {
      body: { kind: "sms", name: "值班经理", phone: "+8613812345678", sms: { provider: "tencent", secretId: "AKIDmadeup", secretKey: "madeupkey", sdkAppId: "1400006666", signName: "奥德希特", templateId: "1234567" } },
    });
    assert.equal(sms.status, 200, JSON.stringify(sms.body));
    assert.equal(sms.body.phone, "+86138****5678", "the number is masked");
    assert.ok(!JSON.stringify(sms.body).includes("madeupkey"));

    const gone = await t.call("DELETE", `/api/notifications/targets/${created.body.id}`);
    assert.deepEqual(gone.body, { id: created.body.id, deleted: true });
    assert.equal((await t.call("DELETE", `/api/notifications/targets/${created.body.id}`)).status, 404);
    assert.equal((await t.call("PATCH", `/api/notifications/targets/${created.body.id}`, { body: { name: "x" } })).status, 404);
  });

  it("refuses a target whose fields do not fit its kind, naming the field", async function () {
    const noUrl = await t.call("POST", "/api/notifications/targets", { body: { kind: "wecom", name: "x" } });
    assert.equal(noUrl.status, 400);
    assert.match(noUrl.body.error.message, /webhookUrl: webhookUrl is required for kind wecom/);
    const wecomSecret = await t.call("POST", "/api/notifications/targets", { body: { ...WECOM, secret: "s" } });
    assert.equal(wecomSecret.status, 400);
    assert.match(wecomSecret.body.error.message, /secret: a WeCom group robot has no signing secret/);
    const badPhone = await t.call("POST", "/api/notifications/targets", { body: { kind: "sms", name: "x", phone: "13800000000", sms: { provider: "tencent", secretId: "a", secretKey: "b", sdkAppId: "1", signName: "s", templateId: "2" } } });
    assert.equal(badPhone.status, 400);
    assert.match(badPhone.body.error.message, /phone: phone must be \+<country><number> \(E\.164\) or customer/);
    const robot = await t.call("POST", "/api/notifications/targets", { body: WECOM });
    const wrongField = await t.call("PATCH", `/api/notifications/targets/${robot.body.id}`, { body: { phone: "+8613800000000" } });
    assert.equal(wrongField.status, 400);
    assert.match(wrongField.body.error.message, /phone: phone is only for kind sms, not wecom/);
  });

  it("keeps routing rules per workspace: create, list, change, delete; an unknown target is 404 and a bad level names the field", async function () {
    const target = (await t.call("POST", "/api/notifications/targets", { body: WECOM })).body;
    const rule = await t.call("POST", "/api/notifications/routes", { body: { name: "华东红橙预警", targetId: target.id, match: { levels: ["red", "orange"], regions: ["east"] } } });
    assert.equal(rule.status, 200, JSON.stringify(rule.body));
    assert.deepEqual(rule.body.match, { kinds: [], levels: ["red", "orange"], regions: ["east"], warehouses: [], channels: [], roles: [] });
    const badLevel = await t.call("POST", "/api/notifications/routes", { body: { name: "x", targetId: target.id, match: { levels: ["purple"] } } });
    assert.equal(badLevel.status, 400);
    assert.match(badLevel.body.error.message, /match\.levels\.0: level must be one of: red, orange, yellow, green/);
    assert.equal((await t.call("POST", "/api/notifications/routes", { body: { name: "x", targetId: "999999" } })).status, 404);

    const changed = await t.call("PATCH", `/api/notifications/routes/${rule.body.id}`, { body: { enabled: false, match: { roles: ["regional_manager"] } } });
    assert.equal(changed.status, 200, JSON.stringify(changed.body));
    assert.equal(changed.body.enabled, false);
    assert.deepEqual(changed.body.match.roles, ["regional_manager"]);
    assert.ok((await t.call("GET", "/api/notifications/routes")).body.routes.some((r: { id: string }) => r.id === rule.body.id));

    const otherWs = await t.token("ws2-admin", "admin", "ws2");
    assert.equal((await t.call("GET", "/api/notifications/routes", { token: otherWs })).body.routes.length, 0, "another workspace sees none");
    assert.equal((await t.call("DELETE", `/api/notifications/routes/${rule.body.id}`, { token: otherWs })).status, 404);

    assert.equal((await t.call("DELETE", `/api/notifications/routes/${rule.body.id}`)).status, 200);
    assert.equal((await t.call("DELETE", `/api/notifications/routes/${rule.body.id}`)).status, 404);
  });

  it("lets supervisors and auditors read, and only admins write", async function () {
    const auditor = await t.token("notify-auditor", "auditor");
    const supervisor = await t.token("notify-supervisor", "supervisor");
    for (const token of [auditor, supervisor]) {
      assert.equal((await t.call("GET", "/api/notifications/targets", { token })).status, 200);
      assert.equal((await t.call("GET", "/api/notifications/routes", { token })).status, 200);
      assert.equal((await t.call("GET", "/api/notifications/deliveries", { token })).status, 200);
      assert.equal((await t.call("POST", "/api/notifications/targets", { token, body: WECOM })).status, 403);
    }
    const cs = await t.token("notify-cs", "customer_service");
    assert.equal((await t.call("GET", "/api/notifications/targets", { token: cs })).status, 403);
    const log = await t.call("GET", "/api/notifications/deliveries?limit=5");
    assert.deepEqual(log.body, { deliveries: [], pending: 0, undeliverable: 0 });
  });

  it("without a secret key on PostgreSQL, storing a target is refused (409) and names ORDERSHEET_SECRET_KEY", async function () {
    const bare = await startTestServer(db(), { secretKey: undefined });
    try {
      const res = await bare.call("POST", "/api/notifications/targets", { body: WECOM });
      if (backend === "postgres") {
        assert.equal(res.status, 409, JSON.stringify(res.body));
        assert.match(res.body.error.message, /ORDERSHEET_SECRET_KEY/);
      } else {
        assert.equal(res.status, 200, "the embedded database has a key of its own");
      }
    } finally {
      await bare.close();
    }
  });
});
