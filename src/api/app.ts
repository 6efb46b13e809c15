import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import swaggerUi from 'swagger-ui-express';
import type { AccountService } from '../application/auth/account-service';
import type { CatalogQueries } from '../application/catalog/catalog-queries';
import type { CatalogService } from '../application/catalog/catalog-service';
import type { AccessTokens } from '../application/ports/access-tokens';
import type { IdempotencyStore } from '../application/ports/idempotency-store';
import type { PaymentMethodService } from '../application/payments/payment-method-service';
import type { ReservationService } from '../application/reservations/reservation-service';
import type { OrderService } from '../application/orders/order-service';
import type { QrRenderer } from '../application/ports/qr-renderer';
import type { TicketService } from '../application/tickets/ticket-service';
import { orderRoutes } from './routes/order.routes';
import { ticketRoutes, transferRoutes } from './routes/ticket.routes';
import { authenticate } from './http/auth';
import { rejectRawCardData } from './http/card-data-guard';
import { idempotent } from './http/idempotency';
import { metricsAccess, type Metrics } from './http/metrics';
import { errorHandler, guardJsonBody, requestId, requireJson, routeNotFound } from './http/middleware';
import { createRateLimiter } from './http/rate-limits';
import { readYourWrites, type ProjectionPosition } from './http/read-your-writes';
import { buildOpenApiDocument } from './openapi';
import { authRoutes } from './routes/auth.routes';
import { paymentMethodRoutes } from './routes/payment-method.routes';
import { adminCatalogRoutes, eventRoutes } from './routes/catalog.routes';
import { reservationRoutes, seatRoutes } from './routes/reservation.routes';

export interface HttpDependencies {
  logger: Logger;
  tokens: AccessTokens;
  accounts: AccountService;
  catalog: CatalogService;
  queries: CatalogQueries;
  reservations: ReservationService;
  orders: OrderService;
  tickets: TicketService;
  qr: QrRenderer;
  paymentMethods: PaymentMethodService;
  idempotencyStore: IdempotencyStore;
  projections: ProjectionPosition;
  metrics: Metrics;
  rateLimits: boolean;
  bodyLimit: string;
  readYourWritesTimeoutMs: number;
  /** Express `trust proxy`: false unless TRUST_PROXY names the proxies (else X-Forwarded-For picks the rate-limit key). */
  trustProxy?: false | number | string[];
  /** Bearer token a scraper may use on /metrics (an admin token always works). */
  metricsToken?: string;
  health: { ready(): Promise<{ ready: boolean; lag: number }> };
}

/**
 * The router's answers (errors and idempotent replays included) carry access/refresh tokens, card references,
 * barcodes or QR codes: no browser or proxy may keep them.
 */
function noStore(router: RequestHandler): express.Router {
  return express.Router().use((_req, res, next) => {
    res.set({ 'Cache-Control': 'no-store', Pragma: 'no-cache' });
    next();
  }, router);
}

/** The HTTP API: middleware order matters (request id first, errors last). */
export function buildHttpApp(deps: HttpDependencies): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.set('query parser', 'simple');

  // Metrics first, so requests refused by the header checks in requestId are counted too.
  app.use(deps.metrics.middleware());
  app.use(requestId);
  app.use(helmet({ contentSecurityPolicy: false }));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    const { ready, lag } = await deps.health.ready();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'catching_up', projection_lag: lag });
  });
  app.get('/metrics', metricsAccess(deps.tokens, deps.metricsToken), async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });
  const openapi = buildOpenApiDocument();
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi));

  app.use(requireJson);
  app.use(express.json({ limit: deps.bodyLimit, strict: true }));
  // Form bodies (token requests only: requireJson refuses them elsewhere) pass the same guards as JSON.
  app.use(express.urlencoded({ extended: false, limit: '10kb' }));
  app.use(guardJsonBody);
  app.use(rejectRawCardData);
  app.use(authenticate(deps.tokens));

  const limit = (name: Parameters<typeof createRateLimiter>[0]) => createRateLimiter(name, deps.rateLimits);
  const authenticatedLimit = limit('authenticated');
  const ryw = readYourWrites(deps.projections, deps.readYourWritesTimeoutMs);
  const noQueueYet: (req: unknown, eventId: string) => Promise<void> = async () => undefined;

  const v1 = express.Router();
  v1.use(authenticatedLimit);
  const auth = noStore(authRoutes({ accounts: deps.accounts, authLimit: limit('auth') }));
  v1.use('/auth', auth);
  const catalogDeps = {
    catalog: deps.catalog,
    queries: deps.queries,
    limits: { search: limit('search'), eventDetails: limit('eventDetails'), seatMap: limit('seatMap') },
    readYourWrites: ryw,
  };
  v1.use('/admin', adminCatalogRoutes(catalogDeps));
  v1.use('/events', eventRoutes(catalogDeps));
  const reservationDeps = {
    reservations: deps.reservations,
    reserveLimit: limit('reserve'),
    idempotent: idempotent(deps.idempotencyStore) as RequestHandler,
    readYourWrites: ryw,
    queueGate: noQueueYet,
  };
  v1.use('/seats', seatRoutes(reservationDeps));
  v1.use('/reservations', reservationRoutes(reservationDeps));
  v1.use(
    '/payment-methods',
    noStore(
      paymentMethodRoutes({ paymentMethods: deps.paymentMethods, idempotent: reservationDeps.idempotent }),
    ),
  );
  v1.use(
    '/orders',
    noStore(
      orderRoutes({
        orders: deps.orders,
        qr: deps.qr,
        idempotent: reservationDeps.idempotent,
        readYourWrites: ryw,
        tickets: deps.tickets,
      }),
    ),
  );
  const ticketDeps = { tickets: deps.tickets, readYourWrites: ryw, idempotent: reservationDeps.idempotent };
  v1.use('/tickets', noStore(ticketRoutes(ticketDeps)));
  v1.use('/transfers', noStore(transferRoutes(ticketDeps)));

  app.use('/v1', v1);
  app.use('/oauth', auth);

  app.use(routeNotFound);
  app.use(errorHandler(deps.logger));
  return app;
}
