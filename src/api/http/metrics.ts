import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import client from 'prom-client';
import type { AccessTokens } from '../../application/ports/access-tokens';
import { forbidden, unauthorized } from './api-error';

/** A gauge read when scraped: its name, its help text, and where its value comes from. */
type GaugeSpec = [name: string, help: string, read: () => number | Promise<number>];

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
      ['projection_events_total', 'Events applied to the read models', gauges.projected],
      [
        'projection_failures_total',
        'Read-model handlers that threw on an event (logged as projection failed; the runner moved on)',
        gauges.projectionFailures,
      ],
      ...watchdogGauges,
      ...realtimeGauges(gauges.realtime),
      ['projection_lag_events', 'Events in the log not yet applied to the read models', gauges.projectionLag],
    ];
    for (const [name, help, read] of table) {
      new client.Gauge({
        name,
        help,
        registers: [this.registry],
        async collect() {
          this.set(await read());
        },
      });
    }
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
