/**
 * The order as the domain sees it: plain data, no persistence details.
 * Money is in integer minor units (fen/cents) with an ISO 4217 currency code;
 * times are ISO-8601 strings in UTC.
 */
export interface OrderLine {
  lineNo: number;
  sku: string;
  name: string;
  quantity: number;
  /** Unit price in minor units. */
  unitPrice: number;
  /** Line amount in minor units (normally unitPrice × quantity, less discounts). */
  amount: number;
  /** Line flags used by rules, e.g. `{ special: true }` for a special ingredient. */
  flags: Record<string, boolean>;
}

/** Customer identity as the channel reports it. */
export interface Customer {
  id: string | null;
  name: string | null;
  phone: string | null;
  /** Delivery address (personal data: masked for roles without the permission). */
  address?: string | null;
}

/** An order row: identity, lifecycle position and the business fields rules look at. */
export interface Order {
  id: string;
  workspaceId: string;
  channel: string;
  externalOrderId: string;
  status: string;
  /** The workflow definition version this order runs under. */
  workflowVersion: number;
  /** Optimistic-concurrency counter: +1 on every change. */
  version: number;
  customer: Customer;
  /** Order total in minor units. */
  totalAmount: number;
  currency: string;
  region: string | null;
  warehouse: string | null;
  carrier: string | null;
  waybillNo: string | null;
  tags: string[];
  /** Each business's own fields. */
  extra: Record<string, unknown>;
  /** When the customer placed the order on the channel. */
  placedAt: string | null;
  paidAt: string | null;
  outboundAt: string | null;
  /** Promised delivery time, when the channel gives one. */
  promisedAt: string | null;
  /** When the order entered its current status (drives SLA timers). */
  statusSince: string;
  createdAt: string;
  updatedAt: string;
  lines?: OrderLine[];
}
