import type { z } from "zod";
import type { RouteContract } from "../../server/contracts/api.js";
import type { ChangesHeadResponse, ChangesResponse } from "../../server/contracts/changes.js";
import { ErrorBody } from "../../server/contracts/common.js";
import type { CellEdit, EditResult } from "../../server/contracts/edits.js";
import type { ListOrdersQuery, ListOrdersResponse, OrderView } from "../../server/contracts/orders.js";
import type { MeResponse } from "../../server/contracts/api.js";
import { ApiError, kindForStatus } from "./ApiError.js";
import { routes } from "./routes.js";

/** Where and as whom the client talks to the server. */
export interface ApiClientOptions {
  /** Server origin, e.g. https://orders.example.com (a trailing slash is fine). */
  baseUrl: string;
  token: string;
  /** The fetch to use (tests pass their own). */
  fetch?: typeof fetch;
}

/** What a call sends: path parameters, query string and JSON body. */
export interface CallInput {
  params?: Record<string, string>;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
}

/** The workflow as the add-in receives it. */
export type WorkflowVersion = z.infer<typeof routes.workflow.response>;

/** Open alerts as the add-in receives them. */
export type AlertList = z.infer<typeof routes.alerts.response>;

/**
 * The typed client of the Ordersheet API, built from the shared route contracts: bearer
 * token, JSON in and out, every response parsed with its zod schema, and failures turned
 * into `ApiError`s that say what happened in plain terms.
 */
export class ApiClient {
  readonly baseUrl: string;
  private readonly token: string;
  private readonly fetchFn: typeof fetch;

  constructor(opts: ApiClientOptions) {
    this.baseUrl = opts.baseUrl.replace(/\/+$/, "");
    this.token = opts.token;
    this.fetchFn = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  }

  /** Calls one route and returns its parsed response. */
  async call<C extends RouteContract>(route: C, input: CallInput = {}, signal?: AbortSignal): Promise<z.infer<C["response"]>> {
    let path = route.path;
    for (const [name, value] of Object.entries(input.params ?? {})) path = path.replace(`:${name}`, encodeURIComponent(value));
    const search = new URLSearchParams();
    for (const [k, v] of Object.entries(input.query ?? {})) if (v !== undefined) search.set(k, String(v));
    const url = `${this.baseUrl}${path}${search.size ? `?${search}` : ""}`;
    const headers: Record<string, string> = { authorization: `Bearer ${this.token}`, accept: "application/json" };
    if (input.body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await this.fetchFn(url, {
        method: route.method.toUpperCase(),
        headers,
        body: input.body === undefined ? undefined : JSON.stringify(input.body),
        signal,
      });
    } catch (err) {
      if (signal?.aborted) throw new ApiError("aborted", 0, "the request was cancelled", this.baseUrl);
      throw new ApiError("unreachable", 0, err instanceof Error ? err.message : String(err), this.baseUrl);
    }
    const text = await res.text().catch(() => "");
    let json: unknown;
    try {
      json = text ? JSON.parse(text) : undefined;
    } catch {
      json = undefined;
    }
    if (!res.ok) {
      const body = ErrorBody.safeParse(json);
      const message = body.success ? body.data.error.message : `${res.status} ${res.statusText}`.trim();
      throw new ApiError(kindForStatus(res.status), res.status, message, this.baseUrl);
    }
    const parsed = route.response.safeParse(json);
    if (!parsed.success) {
      const first = parsed.error.issues[0];
      const where = first ? `${first.path.join(".") || "body"}: ${first.message}` : "not JSON";
      throw new ApiError("bad_response", res.status, `${route.method.toUpperCase()} ${route.path} ${where}`, this.baseUrl);
    }
    return parsed.data as z.infer<C["response"]>;
  }

  /** Who the token belongs to. */
  me(): Promise<MeResponse> {
    return this.call(routes.me);
  }

  /** One page of orders. */
  listOrders(query: Partial<ListOrdersQuery>, signal?: AbortSignal): Promise<ListOrdersResponse> {
    return this.call(routes.listOrders, { query }, signal);
  }

  /** How many orders a view holds, before loading them. */
  countOrders(query: Partial<ListOrdersQuery>, signal?: AbortSignal): Promise<{ total: number; window: "recent" | "all" }> {
    return this.call(routes.countOrders, { query }, signal);
  }

  /** One order. */
  getOrder(id: string, signal?: AbortSignal): Promise<OrderView> {
    return this.call(routes.getOrder, { params: { id } }, signal);
  }

  /** The change feed after `since`, waiting up to `wait` seconds for something new. */
  changes(since: string, wait: number, signal?: AbortSignal): Promise<ChangesResponse> {
    return this.call(routes.changes, { query: { since, wait } }, signal);
  }

  /** The cursor of the newest change: where following starts after a full load. */
  changesHead(): Promise<ChangesHeadResponse> {
    return this.call(routes.changesHead);
  }

  /** Sends cell edits; one result per edit, in order. */
  async postEdits(edits: CellEdit[]): Promise<EditResult[]> {
    return (await this.call(routes.edits, { body: { edits } })).results;
  }

  /** Per status, the statuses the caller's role may choose (the dependent status dropdowns). */
  workflowMoves(signal?: AbortSignal): Promise<{ moves: Record<string, string[]> }> {
    return this.call(routes.workflowMoves, {}, signal);
  }

  /** The current workflow definition and its version. */
  workflow(): Promise<WorkflowVersion> {
    return this.call(routes.workflow);
  }

  /** Open alerts (of one order when `orderId` is given). */
  alerts(orderId?: string): Promise<AlertList> {
    return this.call(routes.alerts, { query: { open: "true", limit: 1000, ...(orderId ? { orderId } : {}) } });
  }

  /** Closes an open alert by hand; the change feed then carries the clearing to every pane. */
  closeAlert(id: string, note?: string): Promise<z.infer<typeof routes.closeAlert.response>> {
    return this.call(routes.closeAlert, { params: { id }, body: note ? { note } : {} });
  }

  /**
   * Tells the server that `user` took its value of `column` on `orderId`: their open edit
   * conflicts about that cell are resolved `took_server` (one ended meanwhile is left as it
   * is). Answers how many it resolved.
   */
  async resolveTakenConflicts(orderId: string, column: string, user: string): Promise<number> {
    const { conflicts } = await this.call(routes.conflicts, { query: { orderId, open: "true" } });
    let resolved = 0;
    for (const c of conflicts) {
      if (c.kind !== "stale_edit" || c.field !== column || c.details.by !== user) continue;
      try {
        await this.call(routes.resolveConflict, { params: { id: c.id }, body: { resolution: "took_server" } });
        resolved += 1;
      } catch (err) {
        if (!(err instanceof ApiError && err.status === 409)) throw err;
      }
    }
    return resolved;
  }
}
