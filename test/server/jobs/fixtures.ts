import crypto from "node:crypto";
import pino from "pino";
import type { EventData, EventInput, EventType } from "../../../server/contracts/events.js";
import type { WorkflowDefinition } from "../../../server/contracts/workflow.js";
import { LocalChangeSignal } from "../../../server/db/ChangeSignal.js";
import { createDatabase, type Database } from "../../../server/db/createKnex.js";
import { KnexAuditStore } from "../../../server/db/KnexAuditStore.js";
import { KnexEventStore, type EventOutcome } from "../../../server/db/KnexEventStore.js";
import { KnexOrderStore, type NewOrder } from "../../../server/db/KnexOrderStore.js";
import { KnexTimerStore } from "../../../server/db/KnexTimerStore.js";
import { KnexWorkflowStore } from "../../../server/db/KnexWorkflowStore.js";
import { KnexWorkspaceStore } from "../../../server/db/KnexWorkspaceStore.js";
import type { Actor } from "../../../server/domain/workflow/decision.js";
import { SlaTimerJob } from "../../../server/jobs/slaTimerJob.js";

/** 2026-01-15 02:00 UTC (10:00 in Shanghai). */
export const T0 = new Date("2026-01-15T02:00:00.000Z");

/** `T0` shifted by minutes. */
export function at(minutes: number): Date {
  return new Date(T0.getTime() + minutes * 60_000);
}

export const quietLogger = pino({ level: "silent" });

const CONNECTOR: Actor = { role: "admin", name: "connector-test" };

/** The stores of one server instance over `db`. */
export function stores(db: Database) {
  const signal = new LocalChangeSignal();
  const workflows = new KnexWorkflowStore(db.knex, signal);
  const events = new KnexEventStore(db.knex, workflows, signal);
  const timers = new KnexTimerStore(db.knex, workflows, signal);
  return {
    signal,
    workflows,
    events,
    timers,
    orders: new KnexOrderStore(db.knex, signal),
    workspaces: new KnexWorkspaceStore(db.knex),
    audit: new KnexAuditStore(db.knex),
    job: (pageSize?: number) => new SlaTimerJob({ store: timers, events, logger: quietLogger, pageSize }),
  };
}

/** A second "server instance" on the same database: its own pool on PostgreSQL, the one PGlite otherwise. */
export async function secondInstance(db: Database): Promise<{ db: Database; close: () => Promise<void> }> {
  if (db.backend !== "postgres" || !db.url) return { db, close: async () => {} };
  const schema = (await db.knex.raw("select current_schema() as s")).rows[0].s as string;
  const other = createDatabase({ url: db.url, searchPath: schema });
  return { db: other, close: () => other.knex.destroy() };
}

/** A workspace of its own for one test, on `workflow`. */
export async function newWorkspace(db: Database, workflow: WorkflowDefinition): Promise<string> {
  const id = `ws_${crypto.randomBytes(5).toString("hex")}`;
  await new KnexWorkspaceStore(db.knex).createWorkspace({ id, name: id, timeZone: "Asia/Shanghai", workflow });
  return id;
}

let n = 0;

/** Imports one order at `when`; returns its id. */
export async function importOrder(db: Database, ws: string, when: Date, overrides: Partial<NewOrder> = {}): Promise<string> {
  n += 1;
  const draft: NewOrder = {
    channel: "tmall",
    externalOrderId: `X${n}-${crypto.randomBytes(3).toString("hex")}`,
    customer: { id: `c${n}`, name: `客户${n}`, phone: null },
    totalAmount: 19_990,
    currency: "CNY",
    region: "east",
    warehouse: null,
    carrier: null,
    waybillNo: null,
    tags: [],
    extra: {},
    placedAt: when.toISOString(),
    promisedAt: null,
    lines: [{ lineNo: 1, sku: "SKU1", name: "保温杯", quantity: 1, unitPrice: 19_990, amount: 19_990, flags: {} }],
    ...overrides,
  };
  const [out] = await stores(db).orders.importOrders({ workspaceId: ws, timeZone: "Asia/Shanghai", actor: "importer", source: "api:import" }, [draft], when);
  return out.id;
}

/** Sends one connector event about `orderId` at `when` through the engine. */
export async function send<T extends EventType>(db: Database, ws: string, orderId: string, when: Date, type: T, data: EventData<T>): Promise<EventOutcome> {
  const event = { source: "connector:test", sourceEventId: crypto.randomUUID(), orderId, type, data } as EventInput;
  const [out] = await stores(db).events.process({ workspaceId: ws, timeZone: "Asia/Shanghai", actor: CONNECTOR }, [event], when);
  return out;
}

/** An order's status, version and status_since as stored. */
export async function orderRow(db: Database, ws: string, id: string): Promise<{ status: string; version: number; statusSince: string }> {
  const r = await db.knex("orders").where({ workspace_id: ws, id }).first("status", "version", "status_since");
  return { status: r.status, version: Number(r.version), statusSince: new Date(r.status_since).toISOString() };
}

/** Runs `fn` with the audit table's append-only trigger off, as someone with database access could, then turns it back on. */
export async function behindTheServersBack(db: Database, fn: (knex: Database["knex"]) => Promise<unknown>): Promise<void> {
  await db.knex.raw("alter table audit_log disable trigger audit_log_no_update_delete");
  try {
    await fn(db.knex);
  } finally {
    await db.knex.raw("alter table audit_log enable trigger audit_log_no_update_delete");
  }
}

/** A workspace on the standard workflow with `count` orders that went through a few events (3–4 audit entries each). */
export async function seededWorkspace(db: Database, count = 3): Promise<{ ws: string; orders: string[] }> {
  const { standardWorkflow } = await import("../../../server/domain/workflow/templates.js");
  const ws = await newWorkspace(db, standardWorkflow);
  const orders: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = await importOrder(db, ws, at(i));
    await send(db, ws, id, at(i + 10), "payment.confirmed", { paidAt: at(i + 10).toISOString() });
    orders.push(id);
  }
  return { ws, orders };
}

/** The seq of an order's `index`-th audit entry. */
export async function auditSeq(db: Database, ws: string, orderId: string, index: number): Promise<string> {
  const rows = await db.knex("audit_log").where({ workspace_id: ws, order_id: orderId }).orderBy("seq").select("seq");
  return String(rows[index].seq);
}
