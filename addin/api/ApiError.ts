import type { MessageKey } from "../core/i18n.js";

/** What went wrong with a call, in terms staff can act on. */
export type ApiErrorKind =
  | "unreachable"
  | "unauthorized"
  | "forbidden"
  | "not_found"
  | "invalid"
  | "conflict"
  | "too_large"
  | "server"
  | "bad_response"
  | "reload"
  | "aborted";

const MESSAGE_KEYS: Record<Exclude<ApiErrorKind, "aborted">, MessageKey> = {
  unreachable: "error.unreachable",
  unauthorized: "error.unauthorized",
  forbidden: "error.forbidden",
  not_found: "error.notFound",
  invalid: "error.invalid",
  conflict: "error.conflict",
  too_large: "error.tooLarge",
  server: "error.server",
  bad_response: "error.badResponse",
  reload: "error.feedReload",
};

/** A failed API call: its kind, the HTTP status (0 when no answer) and the server's own sentence. */
export class ApiError extends Error {
  constructor(
    readonly kind: ApiErrorKind,
    readonly status: number,
    message: string,
    readonly url: string,
  ) {
    super(message);
    this.name = "ApiError";
  }

  /** Whether retrying later can help (the server was down or did not answer properly). */
  get transient(): boolean {
    return this.kind === "unreachable" || (this.kind === "server" && this.status >= 500);
  }

  /** The i18n key of the plain-language explanation, and its parameters. */
  explain(): { key: MessageKey; params: Record<string, string | number> } {
    const key = this.kind === "aborted" ? "error.unreachable" : MESSAGE_KEYS[this.kind];
    return { key, params: { message: this.message, status: this.status, url: this.url } };
  }
}

/** The error kind for an HTTP status. */
export function kindForStatus(status: number): ApiErrorKind {
  if (status === 401) return "unauthorized";
  if (status === 403) return "forbidden";
  if (status === 404) return "not_found";
  if (status === 409) return "conflict";
  // The change feed no longer holds what followed the cursor (retention): load the view again.
  if (status === 410) return "reload";
  if (status === 413) return "too_large";
  if (status >= 400 && status < 500) return "invalid";
  return "server";
}
