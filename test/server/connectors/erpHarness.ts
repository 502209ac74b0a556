import assert from "node:assert/strict";
import pino from "pino";
import type { PageWrite } from "../../../server/domain/connectors/ports.js";
import type { Database } from "../../../server/db/createKnex.js";
import { startTestServer, type TestServer } from "../../helpers/testServer.js";

/**
 * The real server wired to a protocol server of one platform: the connectors' waits move
 * that server's clock instead of sleeping; a failure can be injected at a page's
 * transaction boundary (as if the process died before the commit).
 */
export class ConnectorHarness {
  t!: TestServer;
  readonly waits: number[] = [];
  failCommit: ((page: PageWrite) => void) | undefined;
  private seq = 0;

  constructor(
    private readonly db: () => Database,
    private readonly advance: (ms: number) => void,
  ) {}

  async start(): Promise<void> {
    this.t = await startTestServer(this.db(), {}, undefined, pino({ level: "silent" }), {
      connectorHttp: {
        baseDelayMs: 10,
        random: () => 1,
        sleep: async (ms) => {
          this.waits.push(ms);
          this.advance(ms);
        },
      },
      connectorFaults: { beforeCommit: (page) => this.failCommit?.(page) },
    });
  }

  async close(): Promise<void> {
    await this.t?.close();
  }

  reset(): void {
    this.waits.length = 0;
    this.failCommit = undefined;
  }

  /** Fails the `n`th pulled page's commit (webhooks untouched). */
  failNthCommit(n: number): void {
    let commits = 0;
    this.failCommit = (page) => {
      if (page.expectedState && (commits += 1) === n) throw new Error("injected: the process died before the commit");
    };
  }

  async add(kind: string, config: Record<string, unknown>, credentials: Record<string, unknown>): Promise<string> {
    this.seq += 1;
    const res = await this.t.call("POST", "/api/connectors", { body: { kind, name: `${kind}-${this.seq}`, config, credentials } });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.id;
  }

  async runToEnd(id: string): Promise<any> {
    const started = await this.t.call("POST", `/api/connectors/${id}/run`);
    assert.equal(started.status, 200, JSON.stringify(started.body));
    assert.equal(started.body.started, true, JSON.stringify(started.body));
    await this.t.server.connectors.settled(id);
    const health = await this.t.call("GET", `/api/connectors/${id}/health`);
    assert.equal(health.status, 200, JSON.stringify(health.body));
    return health.body;
  }

  async inbox(id: string): Promise<{ source_event_id: string; outcome: string; type: string }[]> {
    return this.db().knex("events_inbox").where("source", `connector:${id}`).orderBy("source_event_id").select("source_event_id", "outcome", "type");
  }

  async orders(channel: string, ids: string[]): Promise<{ external_order_id: string; status: string; id: string }[]> {
    return this.db().knex("orders").where("channel", channel).whereIn("external_order_id", ids).orderBy("external_order_id").select("external_order_id", "status", "id");
  }

  async createdCount(id: string): Promise<number> {
    const rows = await this.db().knex("audit_log").where("source", `connector:${id}`).where("action", "created").count<{ count: number }[]>("* as count");
    return Number(rows[0].count);
  }

  async alertsOf(orderId: string): Promise<{ message: string }[]> {
    const res = await this.t.call("GET", `/api/alerts?orderId=${orderId}`);
    assert.equal(res.status, 200);
    return res.body.alerts;
  }
}
