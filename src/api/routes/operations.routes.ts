import type { RequestHandler } from 'express';
import type { OpenAPIObject } from 'openapi3-ts/oas30';
import swaggerUi from 'swagger-ui-express';
import { apiRouter, op, type ApiRouter } from '../contract/api-router';
import type { Metrics } from '../http/metrics';
import { redirect } from '../http/redirect';
import { Health, Readiness } from '../schemas/operations.schemas';

/** One backend as /readyz reports it (the composition root checks them). */
export interface BackendState {
  kind: string;
  status: 'up' | 'down';
  error?: string;
}

export interface OperationsRouteDeps {
  health: {
    ready(): Promise<{
      ready: boolean;
      lag: number;
      backends: Readonly<Record<string, BackendState | undefined>>;
      /** Read-model handlers that threw since the start (absent when none did). */
      projectionFailures?: { count: number; last: { position: number; event_type: string } };
    }>;
  };
  metrics: Metrics;
  /** Admin token or METRICS_TOKEN. */
  metricsAccess: RequestHandler;
  /** The document, known once every router is mounted. */
  document: () => OpenAPIObject;
}

/** Health, readiness, metrics and the documentation: served before body parsing and authentication. */
export function operationsRoutes({
  health,
  metrics,
  metricsAccess,
  document,
}: OperationsRouteDeps): ApiRouter {
  const router = apiRouter({ tag: 'operations', auth: 'none' });

  op(
    router,
    {
      method: 'get',
      path: '/healthz',
      operationId: 'health',
      summary: 'Liveness: the process answers',
      responses: { 200: { description: 'Alive', schema: Health } },
    },
    (_req, res) => {
      res.json({ status: 'ok' });
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/readyz',
      operationId: 'readiness',
      summary:
        'Readiness: every backend answers and the read models are close enough to the log (lag under 1000). ' +
        'Redis is reported but not required: while it is down, rate limits let requests through.',
      responses: {
        200: { description: 'Ready', schema: Readiness },
        503: {
          description: 'Still catching up (`catching_up`), or a backend is down (`unavailable`)',
          schema: Readiness,
        },
      },
    },
    async (_req, res) => {
      const { ready, lag, backends, projectionFailures } = await health.ready();
      const down = Object.values(backends).some((backend) => backend?.status !== 'up');
      const status = ready ? 'ready' : down ? 'unavailable' : 'catching_up';
      res.status(ready ? 200 : 503).json({
        status,
        projection_lag: lag,
        ...(projectionFailures ? { projection_failures: projectionFailures } : {}),
        backends,
      });
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/metrics',
      operationId: 'metrics',
      summary: 'Prometheus metrics (requests, latency, appends, conflicts, projection lag)',
      description:
        'Needs an admin access token, or `Authorization: Bearer <METRICS_TOKEN>` when `METRICS_TOKEN` is set. ' +
        'Requests are labelled by route template with its mount prefix (`/v1/orders/:id`); unmatched paths share `unmatched`.',
      bearerDocumented: true,
      middleware: [metricsAccess],
      responses: {
        200: {
          description: 'Prometheus text exposition format',
          media: { type: 'text/plain', schema: { type: 'string' } },
        },
      },
      errors: {
        401: ['No token, or neither a valid access token nor the metrics token', ['UNAUTHORIZED']],
        403: ['A valid access token whose role is not `admin`', ['FORBIDDEN']],
      },
    },
    async (_req, res) => {
      res.type(metrics.registry.contentType).send(await metrics.exposition());
    },
  );

  op(
    router,
    {
      method: 'get',
      path: '/openapi.json',
      operationId: 'openApiDocument',
      summary: 'This document',
      responses: { 200: { description: 'OpenAPI 3.0.3 document', schema: { type: 'object' } } },
    },
    (_req, res) => {
      res.json(document());
    },
  );

  // swagger-ui-express renders the page for the document it is given: built on first use, once mounting is done.
  let page: RequestHandler | undefined;
  op(
    router,
    {
      method: 'get',
      path: '/docs',
      operationId: 'apiDocs',
      summary: 'Swagger UI for this document (HTML, at /docs/, with its assets; /docs redirects there)',
      mountAll: true,
      middleware: [
        // The page's assets are relative to /docs/: /docs is sent there (as swagger-ui's static server would, but
        // without its HTML body), so a browser given the documented address finds them.
        (req, res, next) => {
          const url = new URL(req.originalUrl, 'http://docs');
          if (url.pathname !== '/docs' || (req.method !== 'GET' && req.method !== 'HEAD')) return next();
          redirect(res, 301, `/docs/${url.search}`);
        },
        ...swaggerUi.serve,
        (req, res, next) => (page ??= swaggerUi.setup(document()))(req, res, next),
      ],
      responses: {
        200: {
          description: 'The Swagger UI page (at /docs/)',
          media: { type: 'text/html', schema: { type: 'string' } },
        },
        301: {
          description: 'To /docs/ (`Location`), where the page and its assets are; no body',
          location: true,
        },
      },
    },
    () => undefined,
  );
  return router;
}
