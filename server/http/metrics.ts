import type { NextFunction, Request, Response } from "express";
import client from "prom-client";

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

  constructor() {
    client.collectDefaultMetrics({ register: this.registry });
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
