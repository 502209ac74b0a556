import pino, { type Logger } from "pino";

/** The process logger: structured JSON; tokens, authorization headers and connector credentials are redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: {
      paths: [
        "token", "*.token", "req.headers.authorization", "headers.authorization",
        // Connector credentials and webhook signatures.
        "credentials", "*.credentials", "accessToken", "*.accessToken", "webhookSecret", "*.webhookSecret", "previousWebhookSecret", "*.previousWebhookSecret",
        'req.headers["x-shopify-access-token"]', 'headers["x-shopify-access-token"]', 'req.headers["x-shopify-hmac-sha256"]',
      ],
      censor: "[redacted]",
    },
  });
}
