import crypto from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import client from 'prom-client';
import type { AccessTokens } from '../../application/ports/access-tokens';
import { forbidden, unauthorized } from './api-error';

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
    /** Order watchdog counters (absent: not reported). */
    watchdog?: () => { redriven: number; failed: number };
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
    const watchdog = gauges.watchdog;
    if (watchdog) {
      new client.Gauge({
        name: 'ticketing_watchdog_redriven_total',
        help: 'Stuck orders the watchdog drove again',
        registers: [this.registry],
        collect() {
          this.set(watchdog().redriven);
        },
      });
      new client.Gauge({
        name: 'ticketing_watchdog_failed_total',
        help: 'Stuck orders the watchdog failed cleanly (or could not, and left to an operator)',
        registers: [this.registry],
        collect() {
          this.set(watchdog().failed);
        },
      });
    }
    new client.Gauge({
      name: 'projection_lag_events',
      help: 'Events in the log not yet applied to the read models',
      registers: [this.registry],
      async collect() {
        this.set(await gauges.projectionLag());
      },
    });
  }

  /**
   * Records count and latency per route template with its mount prefix (`/v1/orders/:id`), never per URL (ids
   * would explode the label set); everything no route matched shares the label `unmatched`.
   */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const start = process.hrtime.bigint();
      captureRouteTemplate(req);
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

export const UNMATCHED_ROUTE = 'unmatched';
const ROUTE_TEMPLATE = Symbol('routeTemplate');
type RouteTemplateCarrier = Request & { [ROUTE_TEMPLATE]?: string };

/**
 * The router sets `req.route` when a route matches, while `req.baseUrl` is still the full mount path of its
 * router. Both are read at that moment: by the time the answer finishes, an error that travelled back up
 * through the routers has reset `req.baseUrl`, which used to label `/v1/orders/:id` and `/v1/tickets/:id`
 * alike as `/:id`.
 */
function captureRouteTemplate(req: Request): void {
  const carrier = req as RouteTemplateCarrier;
  let route: unknown;
  Object.defineProperty(req, 'route', {
    configurable: true,
    enumerable: true,
    get: () => route,
    set(value: { path?: unknown } | undefined) {
      route = value;
      if (value?.path !== undefined) carrier[ROUTE_TEMPLATE] = template(req.baseUrl ?? '', value.path);
    },
  });
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
