import type { NextFunction, Request, Response } from "express";
import client from "prom-client";
import type { PartitionReport } from "../domain/retention/ports.js";
import type { RetentionSettings } from "../domain/retention/retentionPolicy.js";

/** Each retention setting by the table it applies to. */
const RETAINED: [table: string, setting: keyof RetentionSettings][] = [
  ["changes", "feedDays"],
  ["events_inbox", "inboxDays"],
  ["rejected_inputs", "rejectedInputDays"],
  ["timer_firings", "timerFiringDays"],
  ["conflicts", "conflictDays"],
  ["tasks", "taskDays"],
];

/** The Prometheus metrics of one server instance. */
export class Metrics {
  readonly registry = new client.Registry();
  readonly requests = new client.Counter({
    name: "ordersheet_http_requests_total",
    help: "HTTP requests by method, route and status",
    labelNames: ["method", "route", "status"],
    registers: [this.registry],
  });
  readonly latency = new client.Histogram({
    name: "ordersheet_http_request_duration_seconds",
    help: "HTTP request latency by method and route",
    labelNames: ["method", "route"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [this.registry],
  });
  readonly feedWaiters = new client.Gauge({
    name: "ordersheet_changefeed_waiters",
    help: "Clients currently long-polling the change feed",
    registers: [this.registry],
  });
  readonly importedOrders = new client.Counter({
    name: "ordersheet_orders_imported_total",
    help: "Orders created by imports",
    registers: [this.registry],
  });

  readonly retentionDays = new client.Gauge({
    name: "ordersheet_retention_days",
    help: "Days of history kept per table (0: kept for ever)",
    labelNames: ["table"],
    registers: [this.registry],
  });
  readonly partitionMonthsAhead = new client.Gauge({
    name: "ordersheet_partition_months_ahead",
    help: "Month partitions created ahead of the current month",
    registers: [this.registry],
  });
  readonly retentionBatchRows = new client.Gauge({
    name: "ordersheet_retention_batch_rows",
    help: "Rows one retention delete removes at most",
    registers: [this.registry],
  });
  readonly partitionsDropped = new client.Counter({
    name: "ordersheet_retention_partitions_dropped_total",
    help: "Month partitions dropped by retention, per table",
    labelNames: ["table"],
    registers: [this.registry],
  });
  readonly rowsDeleted = new client.Counter({
    name: "ordersheet_retention_rows_deleted_total",
    help: "Rows deleted by retention, per table (tables that are not partitioned)",
    labelNames: ["table"],
    registers: [this.registry],
  });
  private partitionReport: (() => Promise<PartitionReport[]>) | undefined;
  readonly oldestKeptMonth = new client.Gauge({
    name: "ordersheet_partition_oldest_month_seconds",
    help: "Start of the oldest month partition kept, per partitioned table (Unix seconds)",
    labelNames: ["table"],
    registers: [this.registry],
    collect: async () => {
      for (const r of await this.partitionsNow()) if (r.oldestMonth) this.oldestKeptMonth.set({ table: r.table }, r.oldestMonth.getTime() / 1000);
    },
  });
  readonly rowsInDefaultPartition = new client.Gauge({
    name: "ordersheet_partition_default_rows",
    help: "Rows sitting in a partitioned table's default partition (a month without its partition)",
    labelNames: ["table"],
    registers: [this.registry],
    collect: async () => {
      for (const r of await this.partitionsNow()) this.rowsInDefaultPartition.set({ table: r.table }, r.rowsInDefault);
    },
  });
  /** The report being read for the scrape in progress (both gauges share one read). */
  private reading: Promise<PartitionReport[]> | undefined;

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
  }

  /** Shows the retention settings in force. */
  showRetention(settings: RetentionSettings): void {
    for (const [table, setting] of RETAINED) this.retentionDays.set({ table }, settings[setting]);
    this.partitionMonthsAhead.set(settings.monthsAhead);
    this.retentionBatchRows.set(settings.batchRows);
    // Counted from zero, so a table with nothing removed yet still shows.
    for (const [table] of RETAINED) {
      if (table === "changes" || table === "events_inbox") this.partitionsDropped.inc({ table }, 0);
      else this.rowsDeleted.inc({ table }, 0);
    }
  }

  /** Reads the partitioned tables' oldest month and default-partition rows at each scrape. */
  watchPartitions(report: () => Promise<PartitionReport[]>): void {
    this.partitionReport = report;
  }

  private partitionsNow(): Promise<PartitionReport[]> {
    const report = this.partitionReport;
    if (!report) return Promise.resolve([]);
    if (!this.reading) {
      // A database that does not answer leaves the last values; the rest of /metrics still serves.
      this.reading = report()
        .catch(() => [])
        .finally(() => setImmediate(() => (this.reading = undefined)));
    }
    return this.reading;
  }

  /** Express middleware recording count and latency under the matched route pattern. */
  middleware() {
    return (req: Request, res: Response, next: NextFunction): void => {
      const end = this.latency.startTimer();
      res.on("finish", () => {
        const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : "unmatched";
        end({ method: req.method, route });
        this.requests.inc({ method: req.method, route, status: String(res.statusCode) });
      });
      next();
    };
  }
}
