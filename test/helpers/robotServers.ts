import crypto from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";

/**
 * Local stand-ins for the platforms notifications go to, written from their documentation
 * (not from the client under test): a WeCom group robot, a DingTalk robot in signed mode, a
 * Feishu bot in signed mode and Tencent Cloud SMS `SendSms` with TC3-HMAC-SHA256. Each
 * checks credentials and signatures the way the platform documents them, against the
 * test's clock, and answers the platform's documented success and error bodies. A test can
 * queue forced answers (`500`, the platform's rate-limit error) ahead of normal handling.
 */

export type Platform = "wecom" | "dingtalk" | "feishu" | "sms";
export type Forced = "500" | "rate";

/** One request a platform accepted. */
export interface Received {
  platform: Platform;
  body: any;
  headers: http.IncomingHttpHeaders;
  url: string;
}

export interface RobotServers {
  url: string;
  /** Credentials the servers expect. */
  creds: { wecomKey: string; wecomKey2: string; dingToken: string; dingSecret: string; feishuToken: string; feishuSecret: string; smsId: string; smsKey: string; smsAppId: string };
  /** Webhook URLs as the platforms show them. */
  urls: { wecom: string; dingtalk: string; feishu: string; sms: string };
  accepted: Received[];
  /** Every answer given, in order: platform and errcode/code/Code. */
  answers: { platform: Platform; code: string }[];
  force(platform: Platform, ...answers: Forced[]): void;
  /** The platforms' clock (the test's fake time). */
  clock: () => Date;
  close(): Promise<void>;
}

const hmac = (key: string | Buffer, msg: string) => crypto.createHmac("sha256", key).update(msg, "utf8").digest();
const sha256hex = (s: string | Buffer) => crypto.createHash("sha256").update(s).digest("hex");

/** Starts the four platform servers on one ephemeral port. */
export async function startRobotServers(clock: () => Date = () => new Date()): Promise<RobotServers> {
  const creds = {
    wecomKey: "693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa",
    wecomKey2: "0b7e5c1d-second-robot-key-0000000000",
    dingToken: "d1b2c3token",
    dingSecret: "SECa1b2c3d4e5f6made-up-secret",
    feishuToken: "f00d-hook-token",
    feishuSecret: "feishu-made-up-secret",
    smsId: "AKIDmadeUpSecretId0001",
    smsKey: "madeUpSecretKey0000000001",
    smsAppId: "1400006666",
  };
  const queues = new Map<Platform, Forced[]>();
  const accepted: Received[] = [];
  const answers: { platform: Platform; code: string }[] = [];

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks);
      const u = new URL(req.url ?? "/", "http://local");
      const reply = (platform: Platform, status: number, body: unknown, code: string) => {
        answers.push({ platform, code });
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      let body: any;
      try {
        body = JSON.parse(raw.toString("utf8"));
      } catch {
        body = undefined;
      }
      const platform: Platform | undefined =
        u.pathname === "/cgi-bin/webhook/send" ? "wecom" : u.pathname === "/robot/send" ? "dingtalk" : u.pathname.startsWith("/open-apis/bot/v2/hook/") ? "feishu" : u.pathname === "/" && req.headers["x-tc-action"] ? "sms" : undefined;
      if (!platform) return reply("wecom", 404, { error: "no such endpoint" }, "404");
      const forced = queues.get(platform)?.shift();
      if (forced === "500") return reply(platform, 500, { message: "internal error" }, "500");
      const nowMs = clock().getTime();

      if (platform === "wecom") {
        if (u.searchParams.get("key") !== creds.wecomKey && u.searchParams.get("key") !== creds.wecomKey2) return reply(platform, 200, { errcode: 93000, errmsg: "invalid webhook url" }, "93000");
        if (forced === "rate") return reply(platform, 200, { errcode: 45009, errmsg: "api freq out of limit" }, "45009");
        if (body?.msgtype !== "markdown" || typeof body.markdown?.content !== "string") return reply(platform, 200, { errcode: 40008, errmsg: "invalid message type" }, "40008");
        if (Buffer.byteLength(body.markdown.content, "utf8") > 4096) return reply(platform, 200, { errcode: 40058, errmsg: "markdown.content exceed max length 4096" }, "40058");
        accepted.push({ platform, body, headers: req.headers, url: req.url ?? "" });
        return reply(platform, 200, { errcode: 0, errmsg: "ok" }, "0");
      }

      if (platform === "dingtalk") {
        if (u.searchParams.get("access_token") !== creds.dingToken) return reply(platform, 200, { errcode: 300001, errmsg: "token is not exist" }, "300001");
        // URLSearchParams decodes the URL-encoded sign once, as the platform does.
        const ts = u.searchParams.get("timestamp") ?? "";
        const sign = u.searchParams.get("sign") ?? "";
        const expected = hmac(creds.dingSecret, `${ts}\n${creds.dingSecret}`).toString("base64");
        if (!/^\d{13}$/.test(ts) || Math.abs(nowMs - Number(ts)) > 3_600_000 || sign !== expected) {
          return reply(platform, 200, { errcode: 310000, errmsg: "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]" }, "310000");
        }
        if (forced === "rate") return reply(platform, 200, { errcode: 130101, errmsg: "send too fast, exceed 20 times per minute" }, "130101");
        if (body?.msgtype !== "markdown" || !body.markdown?.title || !body.markdown?.text) return reply(platform, 200, { errcode: 40035, errmsg: "缺少参数 json" }, "40035");
        accepted.push({ platform, body, headers: req.headers, url: req.url ?? "" });
        return reply(platform, 200, { errcode: 0, errmsg: "ok" }, "0");
      }

      if (platform === "feishu") {
        if (u.pathname !== `/open-apis/bot/v2/hook/${creds.feishuToken}`) return reply(platform, 200, { code: 19001, msg: "param invalid: incoming webhook access token invalid", data: {} }, "19001");
        const ts = String(body?.timestamp ?? "");
        const expected = hmac(`${ts}\n${creds.feishuSecret}`, "").toString("base64");
        if (!/^\d{10}$/.test(ts) || Math.abs(nowMs / 1000 - Number(ts)) > 3600 || body?.sign !== expected) {
          return reply(platform, 200, { code: 19021, msg: "sign match fail or timestamp is not within one hour from current time", data: {} }, "19021");
        }
        if (forced === "rate") return reply(platform, 200, { code: 11232, msg: "frequency limited psm[lark.oapi.app_platform_runtime]appID[1]", data: {} }, "11232");
        if (body?.msg_type !== "text" || typeof body.content?.text !== "string") return reply(platform, 200, { code: 9499, msg: "Bad Request", data: {} }, "9499");
        accepted.push({ platform, body, headers: req.headers, url: req.url ?? "" });
        return reply(platform, 200, { code: 0, msg: "success", data: {} }, "0");
      }

      // Tencent Cloud API 3.0: recompute the TC3-HMAC-SHA256 signature from what arrived.
      const requestId = crypto.randomUUID();
      const fail = (code: string, message: string) => reply("sms", 200, { Response: { Error: { Code: code, Message: message }, RequestId: requestId } }, code);
      const auth = String(req.headers.authorization ?? "");
      const m = /^TC3-HMAC-SHA256 Credential=([^/]+)\/(\d{4}-\d{2}-\d{2})\/([a-z]+)\/tc3_request, SignedHeaders=([a-z;-]+), Signature=([0-9a-f]{64})$/.exec(auth);
      if (!m) return fail("AuthFailure.InvalidAuthorization", "Authorization header format error");
      const [, secretId, date, service, signedHeaders, signature] = m;
      if (secretId !== creds.smsId) return fail("AuthFailure.SecretIdNotFound", "The SecretId is not found");
      const ts = Number(req.headers["x-tc-timestamp"]);
      if (!Number.isInteger(ts) || Math.abs(nowMs / 1000 - ts) > 300) return fail("AuthFailure.SignatureExpire", "Signature expired");
      if (new Date(ts * 1000).toISOString().slice(0, 10) !== date || service !== "sms") return fail("AuthFailure.SignatureFailure", "credential scope does not match");
      const names = signedHeaders.split(";");
      const canonicalHeaders = names.map((h) => `${h}:${String(req.headers[h] ?? "").trim().toLowerCase()}\n`).join("");
      const canonicalRequest = `POST\n/\n\n${canonicalHeaders}\n${signedHeaders}\n${sha256hex(raw)}`;
      const stringToSign = `TC3-HMAC-SHA256\n${ts}\n${date}/${service}/tc3_request\n${sha256hex(canonicalRequest)}`;
      const kSigning = hmac(hmac(hmac(`TC3${creds.smsKey}`, date), service), "tc3_request");
      if (crypto.createHmac("sha256", kSigning).update(stringToSign).digest("hex") !== signature) {
        return fail("AuthFailure.SignatureFailure", "The provided credentials could not be validated. Please check your signature is correct.");
      }
      if (req.headers["x-tc-action"] !== "SendSms" || req.headers["x-tc-version"] !== "2021-01-11") return fail("InvalidAction", "action or version not supported");
      if (body?.SmsSdkAppId !== creds.smsAppId || !Array.isArray(body.PhoneNumberSet) || !body.TemplateId) return fail("InvalidParameter", "missing SmsSdkAppId, PhoneNumberSet or TemplateId");
      const phone = body.PhoneNumberSet[0];
      const status = (code: string, message: string) => ({ SerialNo: code === "Ok" ? `2640:${requestId}` : "", PhoneNumber: phone, Fee: code === "Ok" ? 1 : 0, SessionContext: "", Code: code, Message: message, IsoCode: "CN" });
      if (forced === "rate") {
        return reply("sms", 200, { Response: { SendStatusSet: [status("LimitExceeded.PhoneNumberThirtySecondLimit", "the number was texted within 30 s")], RequestId: requestId } }, "LimitExceeded.PhoneNumberThirtySecondLimit");
      }
      accepted.push({ platform: "sms", body, headers: req.headers, url: req.url ?? "" });
      return reply("sms", 200, { Response: { SendStatusSet: [status("Ok", "send success")], RequestId: requestId } }, "Ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const out: RobotServers = {
    url,
    creds,
    urls: {
      wecom: `${url}/cgi-bin/webhook/send?key=${creds.wecomKey}`,
      dingtalk: `${url}/robot/send?access_token=${creds.dingToken}`,
      feishu: `${url}/open-apis/bot/v2/hook/${creds.feishuToken}`,
      sms: `${url}/`,
    },
    accepted,
    answers,
    clock,
    force(platform, ...a) {
      queues.set(platform, [...(queues.get(platform) ?? []), ...a]);
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return out;
}
