import type { RowScope } from "../access/principal.js";
import type { Channel } from "../channels.js";
import type { Order, OrderLine } from "../order.js";
import type { OverdueCondition } from "../workflow/slaLevel.js";

/** An order to create: everything but the server-assigned identity and lifecycle fields. */
export type NewOrder = Omit<
  Order,
  "id" | "workspaceId" | "status" | "workflowVersion" | "version" | "paidAt" | "outboundAt" | "statusSince" | "createdAt" | "updatedAt"
> & { channel: Channel; lines: OrderLine[] };

/** Who writes, for the audit trail. */
export interface WriteContext {
  workspaceId: string;
  timeZone: string;
  /** e.g. `li.li` */
  actor: string;
  /** e.g. `api:import`, `connector:shopify` */
  source: string;
  /** The writer's row scope (absent: unrestricted): orders outside it are neither created nor reported. */
  scope?: RowScope;
}

/** Per-row outcome of an import. */
export interface ImportOutcome {
  index: number;
  channel: string;
  externalOrderId: string;
  outcome: "created" | "unchanged";
  id: string;
}

/** Filters and keyset cursor for listing orders. */
export interface OrderListFilter {
  status?: string;
  channel?: string;
  region?: string;
  updatedSince?: string;
  ids?: string[];
  /** Placing day range (YYYY-MM-DD, inclusive) in `timeZone`; orders without a placing time count by import time. */
  placed?: { from?: string; to?: string; timeZone: string };
  /** Exact match on the platform order ID, order ID, waybill number or receiver phone. */
  q?: string;
  /** Only orders meeting one of these (from `overdueConditions`; empty: none). */
  overdue?: OverdueCondition[];
  /** Only orders `actor` changed since `since`, or with an open task for `role`. */
  mine?: { actor: string; role: string; since: string };
  /** Only orders in one of the `open` statuses or updated since `since` (the "recent" window). */
  window?: { open: string[]; since: string };
  /** Read each order's lines too. */
  withLines?: boolean;
  limit: number;
  cursor?: { updatedAt: string; id: string };
  /** The caller's row scope: only orders inside it are listed (absent: unrestricted). */
  scope?: RowScope;
}

/** One page of a listing; `next` is the keyset cursor of the following page, null on the last. */
export interface OrderPage {
  orders: Order[];
  next: { updatedAt: string; id: string } | null;
}

/** Orders and their lines: what the orders routes need (implemented by `KnexOrderStore`). */
export interface OrderStore {
  /** Creates the new orders, idempotent on (channel, external order ID); one outcome per draft, in order. */
  importOrders(ctx: WriteContext, drafts: NewOrder[], now: Date): Promise<ImportOutcome[]>;
  /** One order with its lines; `NotFoundError` when there is none or it lies outside `scope`. */
  getOrder(workspaceId: string, id: string, scope?: RowScope): Promise<Order>;
  /** Orders matching the filter, oldest change first, one page at a time. */
  listOrders(workspaceId: string, f: OrderListFilter): Promise<OrderPage>;
  /** How many orders match the filter (paging ignored). */
  countOrders(workspaceId: string, f: Omit<OrderListFilter, "limit" | "cursor" | "withLines">): Promise<number>;
}
