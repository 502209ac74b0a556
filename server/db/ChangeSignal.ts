import { EventEmitter } from "node:events";
import type { Knex } from "knex";
import pg from "pg";

/** The NOTIFY channel PostgreSQL instances share. */
export const CHANGES_CHANNEL = "ordersheet_changes";

/**
 * Wakes change-feed waiters when a transaction that wrote feed rows commits.
 * Writers call `inTransaction` before commit and `afterCommit` after it.
 */
export interface ChangeSignal {
  inTransaction(trx: Knex.Transaction, workspaceId: string): Promise<void>;
  afterCommit(workspaceId: string): void;
  /** Subscribes to commits for any workspace; returns the unsubscribe function. */
  subscribe(listener: (workspaceId: string) => void): () => void;
  close(): Promise<void>;
}

/** In-process signal for the embedded single-process PGlite database. */
export class LocalChangeSignal implements ChangeSignal {
  private readonly emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(0);
  }
  async inTransaction(): Promise<void> {}
  afterCommit(workspaceId: string): void {
    this.emitter.emit("change", workspaceId);
  }
  subscribe(listener: (workspaceId: string) => void): () => void {
    this.emitter.on("change", listener);
    return () => this.emitter.off("change", listener);
  }
  async close(): Promise<void> {
    this.emitter.removeAllListeners();
  }
}

/**
 * PostgreSQL LISTEN/NOTIFY: the NOTIFY is part of the writing transaction (delivered
 * only if it commits), and every server instance sharing the database hears it on a
 * dedicated connection, re-established after errors.
 */
export class PgChangeSignal implements ChangeSignal {
  private readonly emitter = new EventEmitter();
  private client: pg.Client | undefined;
  private closed = false;
  private retryTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly url: string,
    private readonly onError: (err: Error) => void = () => {},
  ) {
    this.emitter.setMaxListeners(0);
  }

  /** Opens the listening connection. */
  async start(): Promise<void> {
    const client = new pg.Client({ connectionString: this.url });
    client.on("notification", (msg) => {
      if (msg.channel === CHANGES_CHANNEL && msg.payload) this.emitter.emit("change", msg.payload);
    });
    client.on("error", (err) => {
      this.onError(err);
      this.reconnectSoon();
    });
    client.on("end", () => this.reconnectSoon());
    await client.connect();
    await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    this.client = client;
  }

  private reconnectSoon(): void {
    if (this.closed || this.retryTimer) return;
    this.client = undefined;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      this.start()
        .then(() => this.emitter.emit("reconnected"))
        .catch((err: Error) => {
          this.onError(err);
          this.reconnectSoon();
        });
    }, 1000);
  }

  async inTransaction(trx: Knex.Transaction, workspaceId: string): Promise<void> {
    await trx.raw("select pg_notify(?, ?)", [CHANGES_CHANNEL, workspaceId]);
  }

  afterCommit(): void {}

  subscribe(listener: (workspaceId: string) => void): () => void {
    this.emitter.on("change", listener);
    return () => this.emitter.off("change", listener);
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.emitter.removeAllListeners();
    const client = this.client;
    this.client = undefined;
    if (client) await client.end().catch(() => {});
  }
}
