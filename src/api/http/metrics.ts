import cluster from 'node:cluster';
import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import client from 'prom-client';
import type { AccessTokens } from '../../application/ports/access-tokens';
import { forbidden, unauthorized } from './api-error';

/**
 * A gauge read when scraped: its name, its help text, where its value comes from, and how the workers' values make
 * one (WORKERS=N; default: their sum).
 */
type GaugeSpec = [
  name: string,
  help: string,
  read: () => number | Promise<number>,
  acrossWorkers?: 'sum' | 'max',
];

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
    /** Read-model handlers that threw (the runner moved on). */
    projectionFailures: () => number;
    projected: () => number;
    /** Order watchdog counters (absent: not reported). */
    watchdog?: () => { redriven: number; failed: number };
    /** Realtime (WebSocket) connections (absent: not reported). */
    realtime?: () => { connections: number; closedSlow: number; closedUnresponsive: number };
  }) {
    client.collectDefaultMetrics({ register: this.registry });
    const { watchdog } = gauges;
    const watchdogGauges: GaugeSpec[] = watchdog
      ? [
          [
            'ticketing_watchdog_redriven_total',
            'Stuck orders the watchdog drove again',
            () => watchdog().redriven,
          ],
          [
            'ticketing_watchdog_failed_total',
            'Stuck orders the watchdog failed cleanly (or could not, and left to an operator)',
            () => watchdog().failed,
          ],
        ]
      : [];
    // Read when scraped; registered in this order (the exposition lists them so).
    const table: GaugeSpec[] = [
      ['eventstore_appends_total', 'Appends written by the command processors', gauges.appends],
      [
        'eventstore_append_conflicts_total',
        'Appends refused for a wrong expected revision (another writer won)',
        gauges.conflicts,
      ],
      [
        'projection_events_total',
        'Events applied to the read models (with WORKERS=N: by the worker furthest on; each keeps its own)',
        gauges.projected,
        'max',
      ],
      [
        'projection_failures_total',
        'Read-model handlers that threw on an event (logged as projection failed; the runner moved on)',
        gauges.projectionFailures,
      ],
      ...watchdogGauges,
      ...realtimeGauges(gauges.realtime),
      [
        'projection_lag_events',
        'Events in the log not yet applied to the read models (with WORKERS=N: by the worker furthest behind)',
        gauges.projectionLag,
        'max',
      ],
    ];
    for (const [name, help, read, acrossWorkers] of table) {
      new client.Gauge({
        name,
        help,
        aggregator: acrossWorkers ?? 'sum',
        registers: [this.registry],
        async collect() {
          this.set(await read());
        },
      });
    }
  }

  /**
   * The Prometheus text of the whole service: this process's, or with WORKERS=N every worker's added up (their
   * primary gathers them: a scrape lands on one worker, and each counts only what it served, so figures that
   * depended on which worker answered would look like counter resets to Prometheus).
   */
  async exposition(): Promise<string> {
    if (!workerReports) return this.registry.metrics();
    return workerReports.gather().catch(async () => this.registry.metrics());
  }

  /** In a cluster worker: answer the primary's requests for this registry's figures (see exposition). */
  reportToPrimary(): void {
    if (!cluster.isWorker || !process.send) return;
    client.AggregatorRegistry.setRegistries([this.registry]);
    new client.AggregatorRegistry(); // registers the worker's answer to the primary's requests
    workerReports ??= new WorkerReports();
  }

  /**
   * Records count and latency per route template with its mount prefix (`/v1/orders/:id`, see labelRoute), never
   * per URL (ids would explode the label set); everything no route matched shares the label `unmatched`.
   */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const start = process.hrtime.bigint();
      res.on('finish', () => {
        const route = (req as RouteTemplateCarrier)[ROUTE_TEMPLATE] ?? UNMATCHED_ROUTE;
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        this.requests.inc({ method: req.method, route, status: String(res.statusCode) });
        this.latency.observe({ method: req.method, route }, seconds);
      });
      next();
    };
  }
}

function realtimeGauges(
  read: (() => { connections: number; closedSlow: number; closedUnresponsive: number }) | undefined,
): GaugeSpec[] {
  if (!read) return [];
  return [
    ['realtime_connections', 'Open realtime (WebSocket) connections', () => read().connections],
    [
      'realtime_closed_slow_total',
      'Realtime connections closed because they did not read (over REALTIME_MAX_BUFFERED_BYTES waiting)',
      () => read().closedSlow,
    ],
    [
      'realtime_closed_unresponsive_total',
      'Realtime connections closed because they did not answer a ping',
      () => read().closedUnresponsive,
    ],
  ];
}

export const UNMATCHED_ROUTE = 'unmatched';
const ROUTE_TEMPLATE = Symbol('routeTemplate');
type RouteTemplateCarrier = Request & { [ROUTE_TEMPLATE]?: string };

/**
 * Labels the request with its route template: first in every operation's chain (op() in api-router.ts, every
 * route is declared there), so right after the router matched the route, while `req.baseUrl` is still the full
 * mount path of its router. By the time the answer finishes, an error that travelled back up through the routers
 * has reset `req.baseUrl`, which used to label `/v1/orders/:id` and `/v1/tickets/:id` alike as `/:id`. (A setter
 * on `req.route`, defined on every request object, did this before: a new hidden class per request.)
 */
export function labelRoute(): RequestHandler {
  // One route's labels by mount path (a router may be mounted twice: /v1/auth and /oauth): built once each.
  const labels = new Map<string, string>();
  return (req, _res, next) => {
    const routePath = (req.route as { path?: unknown } | undefined)?.path;
    if (routePath !== undefined) {
      const baseUrl = req.baseUrl ?? '';
      let label = labels.get(baseUrl);
      if (label === undefined) {
        label = template(baseUrl, routePath);
        if (labels.size < 16) labels.set(baseUrl, label);
      }
      (req as RouteTemplateCarrier)[ROUTE_TEMPLATE] = label;
    }
    next();
  };
}

function template(baseUrl: string, routePath: unknown): string {
  const joined = `${baseUrl}${Array.isArray(routePath) ? routePath.join('|') : String(routePath)}`;
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

/**
 * Who may read /metrics (it shows traffic per route, error rates, memory): an admin's access token, or
 * `Bearer <METRICS_TOKEN>` when one is configured (for a Prometheus scraper). 401 without a valid credential,
 * 403 for a valid token of another role; both in the standard envelope (via the error handler).
 */
export function metricsAccess(tokens: AccessTokens, metricsToken?: string): RequestHandler {
  const expected = metricsToken === undefined ? undefined : digest(metricsToken);
  return (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '');
    if (!match) return next(unauthorized());
    // Digests of equal length, compared in constant time: the comparison leaks neither content nor length.
    if (expected && crypto.timingSafeEqual(digest(match[1]), expected)) return next();
    const access = tokens.verify(match[1]);
    if (!access) return next(unauthorized());
    if (access.role !== 'admin') return next(forbidden('Metrics need an admin token or the metrics token'));
    next();
  };
}

const digest = (value: string) => crypto.createHash('sha256').update(value).digest();

/** A worker's request to its primary for the figures of every worker, and the answer. */
export interface MetricsRequest {
  type: 'ticketing:metrics-request';
  id: number;
}
export interface MetricsAnswer {
  type: 'ticketing:metrics';
  id: number;
  text?: string;
  error?: string;
}

const GATHER_TIMEOUT_MS = 5_000;

/** The worker's side: asks the primary (worker-supervisor.ts), which asks every worker, and waits for the sum. */
class WorkerReports {
  private next = 0;
  private readonly pending = new Map<number, (answer: MetricsAnswer) => void>();

  constructor() {
    process.on('message', (message: MetricsAnswer) => {
      if (message?.type === 'ticketing:metrics') this.pending.get(message.id)?.(message);
    });
  }

  gather(): Promise<string> {
    const id = (this.next += 1);
    return new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () => finish({ type: 'ticketing:metrics', id, error: 'no answer' }),
        GATHER_TIMEOUT_MS,
      );
      const finish = (answer: MetricsAnswer) => {
        clearTimeout(timer);
        this.pending.delete(id);
        if (answer.text !== undefined) resolve(answer.text);
        else reject(new Error(`the workers' metrics could not be gathered: ${answer.error}`));
      };
      this.pending.set(id, finish);
      process.send!({ type: 'ticketing:metrics-request', id } satisfies MetricsRequest);
    });
  }
}
let workerReports: WorkerReports | undefined;
