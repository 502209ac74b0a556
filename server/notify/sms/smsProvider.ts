import type { TencentSmsSettings } from "../../contracts/notify.js";
import type { SendResult } from "../channel.js";

/** One text to one phone: the provider's approved template, filled with `params`. */
export interface SmsRequest {
  phone: string;
  params: string[];
}

/** An SMS provider: sends a templated text with the account's settings. */
export interface SmsProvider {
  name: string;
  send(account: TencentSmsSettings, sms: SmsRequest, now: Date): Promise<SendResult>;
}
