import type { RequestHandler } from 'express';
import client from 'prom-client';

/** Prometheus metrics of one application instance (own registry, so several instances can share a process). */
export class Metrics {
  readonly registry = new client.Registry();
  readonly requests = new client.Counter({
    name: 'http_requests_total',
    help: 'HTTP requests by method, route and status',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });
  readonly latency = new client.Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request latency by method and route',
    labelNames: ['method', 'route'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [this.registry],
  });

  constructor(gauges: {
    appends: () => number;
    conflicts: () => number;
    projectionLag: () => Promise<number> | number;
    projected: () => number;
  }) {
    client.collectDefaultMetrics({ register: this.registry });
    new client.Gauge({
      name: 'eventstore_appends_total',
      help: 'Appends written by the command processors',
      registers: [this.registry],
      collect() {
        this.set(gauges.appends());
      },
    });
    new client.Gauge({
      name: 'eventstore_append_conflicts_total',
      help: 'Appends refused for a wrong expected revision (another writer won)',
      registers: [this.registry],
      collect() {
        this.set(gauges.conflicts());
      },
    });
    new client.Gauge({
      name: 'projection_events_total',
      help: 'Events applied to the read models',
      registers: [this.registry],
      collect() {
        this.set(gauges.projected());
      },
    });
    new client.Gauge({
      name: 'projection_lag_events',
      help: 'Events in the log not yet applied to the read models',
      registers: [this.registry],
      async collect() {
        this.set(await gauges.projectionLag());
      },
    });
  }

  /** Records count and latency per matched route pattern (not per URL: ids would explode the label set). */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const start = process.hrtime.bigint();
      res.on('finish', () => {
        const route = req.route?.path ? `${req.baseUrl}${req.route.path}` : 'unmatched';
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        this.requests.inc({ method: req.method, route, status: String(res.statusCode) });
        this.latency.observe({ method: req.method, route }, seconds);
      });
      next();
    };
  }
}
