import pino, { type Logger } from "pino";

/** The process logger: structured JSON; tokens and authorization headers are redacted. */
export function createLogger(level: string): Logger {
  return pino({
    level,
    redact: { paths: ["token", "*.token", "req.headers.authorization", "headers.authorization"], censor: "[redacted]" },
  });
}
