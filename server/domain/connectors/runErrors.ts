/**
 * Why a connector run failed, in the plain words a supervisor reads in its health (zh-CN
 * and English), by code. `detail` adds the specifics (an HTTP status, a field) and never
 * a credential.
 */
export const RUN_ERRORS = {
  timeout: { "zh-CN": "平台接口超时未响应", en: "The platform did not answer in time" },
  network: { "zh-CN": "无法连接平台接口", en: "Could not reach the platform" },
  unauthorized: { "zh-CN": "平台拒绝了凭据（令牌无效、过期或权限不足）", en: "The platform refused the credentials (invalid or expired token, or missing scope)" },
  rate_limited: { "zh-CN": "平台限流，重试后仍被拒绝", en: "The platform kept rate-limiting the requests" },
  throttled: { "zh-CN": "平台查询额度耗尽，重试后仍被限流", en: "The platform's query-cost budget stayed exhausted" },
  upstream: { "zh-CN": "平台接口返回错误", en: "The platform answered with an error" },
  bad_response: { "zh-CN": "平台返回的数据无法识别", en: "The platform's answer could not be understood" },
  credentials: { "zh-CN": "凭据无法解密（密钥已更换？请重新填写凭据）", en: "The credentials cannot be decrypted (was the key changed? enter them again)" },
  internal: { "zh-CN": "服务器内部错误，已记录日志", en: "Internal error; it was logged" },
  token_expired: { "zh-CN": "平台访问令牌无效或已过期，请重新授权并更新凭据", en: "The platform's access token is invalid or expired; authorise again and update the credentials" },
  bad_signature: { "zh-CN": "平台拒绝了请求签名（应用密钥有误？）", en: "The platform refused the request signature (wrong app secret?)" },
  ip_not_allowed: { "zh-CN": "本服务器的 IP 不在平台的白名单中", en: "This server's IP address is not on the platform's whitelist" },
  clock_skew: { "zh-CN": "本服务器时钟与平台相差过大，请校准时间", en: "This server's clock is too far from the platform's; correct the time" },
} as const;

/** A run error code. */
export type RunErrorCode = keyof typeof RUN_ERRORS;

/** A failed run's error as kept in health. */
export interface RunError {
  code: RunErrorCode;
  message: { "zh-CN": string; en: string };
  detail: string;
  at: string;
}

/** The stored form of a failure. */
export function runError(code: RunErrorCode, detail: string, at: Date): RunError {
  return { code, message: { ...RUN_ERRORS[code] }, detail: detail.slice(0, 500), at: at.toISOString() };
}

/** How long a failing connector waits before its next scheduled try: 1, 2, 4 … minutes, at most 1 hour. */
export function backoffMs(consecutiveFailures: number): number {
  return Math.min(3_600_000, 60_000 * 2 ** Math.max(0, Math.min(consecutiveFailures - 1, 12)));
}

/** A connector's state at a glance, as its health says it in plain words. */
export const HEALTH_STATES = {
  paused: { "zh-CN": "已暂停：不拉取，也不接收推送", en: "Paused: no pulls, no webhooks taken in" },
  never_run: { "zh-CN": "尚未运行", en: "Has not run yet" },
  failing: { "zh-CN": "最近一次运行失败，正在退避重试", en: "The last run failed; retrying with backoff" },
  ok: { "zh-CN": "运行正常", en: "Running normally" },
} as const;
export type HealthState = keyof typeof HEALTH_STATES;

/** The state of an instance from its record. */
export function healthState(r: { paused: boolean; lastRunAt: string | null; lastError: RunError | null }): HealthState {
  if (r.paused) return "paused";
  if (!r.lastRunAt) return "never_run";
  return r.lastError ? "failing" : "ok";
}
