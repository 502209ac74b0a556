import pino, { type Logger } from "pino";
import type { Config } from "../../server/config.js";
import type { Role } from "../../server/contracts/roles.js";
import type { Database } from "../../server/db/createKnex.js";
import { startServer, type RunningServer, type StartOptions } from "../../server/main.js";

/** A server on an ephemeral port over a test database, with an admin token. */
export interface TestServer {
  server: RunningServer;
  url: string;
  adminToken: string;
  /** Issues a token for another user (optionally in another workspace, created on demand). */
  token(user: string, role: Role, workspace?: string): Promise<string>;
  /** fetch against the server with a bearer token and JSON body. */
  call(method: string, path: string, opts?: { token?: string | null; body?: unknown; raw?: string; headers?: Record<string, string> }): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** The config tests start servers with. */
export function testConfig(overrides: Partial<Config> = {}): Config {
  return {
    port: 0,
    host: "127.0.0.1",
    databaseUrl: undefined,
    dataDir: "memory",
    adminToken: "test-admin-token-0123456789",
    defaultWorkspace: "default",
    timeZone: "Asia/Shanghai",
    logLevel: "silent",
    bodyLimitBytes: 1024 * 1024,
    jobs: false,
    secretKey: "6f72646572736865657420746573742073656372657420626f78206b65792121",
    ...overrides,
  };
}

/** Starts the real server wiring on `db` (with `now` as its clock and `logger` for its logs, when given). */
export async function startTestServer(
  db: Database,
  overrides: Partial<Config> = {},
  now?: () => Date,
  logger?: Logger,
  extra: Pick<StartOptions, "connectorHttp" | "connectorFaults"> = {},
): Promise<TestServer> {
  const config = testConfig(overrides);
  const server = await startServer(config, { db, logger: logger ?? pino({ level: "silent" }), now, ...extra });
  const url = `http://127.0.0.1:${server.port}`;
  const adminToken = config.adminToken!;
  const call: TestServer["call"] = async (method, path, opts = {}) => {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const token = opts.token === undefined ? adminToken : opts.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: string | undefined;
    if (opts.raw !== undefined) body = opts.raw;
    else if (opts.body !== undefined) body = JSON.stringify(opts.body);
    if (body !== undefined && !headers["content-type"]) headers["content-type"] = "application/json";
    const res = await fetch(url + path, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON (e.g. /metrics)
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  return {
    server,
    url,
    adminToken,
    call,
    async token(user, role, workspace = config.defaultWorkspace) {
      if (!(await server.workspaces.getWorkspace(workspace))) {
        const { standardWorkflow } = await import("../../server/domain/workflow/templates.js");
        await server.workspaces.createWorkspace({ id: workspace, name: workspace, workflow: standardWorkflow });
      }
      return (await server.workspaces.issueToken(workspace, user, role)).token;
    },
    close: () => server.close(),
  };
}

/** A minimal valid import row. */
export function sampleOrder(n: number, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    channel: "tmall",
    externalOrderId: `EXT-${n}`,
    customer: { name: `客户${n}`, phone: null, id: `C${n % 97}` },
    totalAmount: "199.90",
    region: "华东",
    placedAt: "2026-01-15T02:00:00Z",
    lines: [
      { sku: "SKU-1", name: "保温杯", quantity: 2, unitPrice: "49.95" },
      { sku: "SKU-2", name: "杯套", quantity: 1, unitPrice: "100.00" },
    ],
    ...overrides,
  };
}
