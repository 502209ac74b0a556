/**
 * The few typed errors the domain and adapters throw. One HTTP error handler maps
 * them to statuses; anything else is a bug and becomes a 500.
 */
export class DomainError extends Error {
  /** Extra machine-readable detail returned to the client (per-field problems, current values …). */
  readonly details?: unknown;
  /** A finer refusal code than the error's kind (see `contracts/refusals.ts`), with its parameters. */
  refusal?: { code: string; params: Record<string, unknown> };
  constructor(message: string, details?: unknown) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }

  /** This error, naming its refusal code and parameters so a client can word it in either language. */
  withRefusal(code: string, params: Record<string, unknown> = {}): this {
    this.refusal = { code, params };
    return this;
  }
}

/** The caller sent something malformed or not allowed by the rules (HTTP 400). */
export class InputError extends DomainError {}

/** The caller did not prove who they are (HTTP 401). */
export class UnauthorizedError extends DomainError {}

/** The caller is known but may not do this (HTTP 403). */
export class ForbiddenError extends DomainError {}

/** The thing asked for does not exist in the caller's workspace (HTTP 404). */
export class NotFoundError extends DomainError {}

/** Someone changed the thing first (HTTP 409); details carry the current state. */
export class ConflictError extends DomainError {}

/** The rules (the workflow, a role) do not allow this, however often it is sent (HTTP 422); details say what is allowed. */
export class NotAllowedError extends DomainError {}

/** The request body is larger than the server accepts (HTTP 413). */
export class PayloadTooLargeError extends DomainError {}

/** What was asked for existed once and is gone for good (HTTP 410). */
export class GoneError extends DomainError {}

/** An external system failed or answered nonsense (HTTP 502). */
export class UpstreamError extends DomainError {}
