import express, { type Express, type RequestHandler } from 'express';
import helmet from 'helmet';
import type { Logger } from 'pino';
import type { OpenAPIObject } from 'openapi3-ts/oas30';
import type { AccountService } from '../application/auth/account-service';
import type { CatalogQueries } from '../application/catalog/catalog-queries';
import type { CatalogService } from '../application/catalog/catalog-service';
import type { AccessTokens, VerifiedAccess } from '../application/ports/access-tokens';
import type { IdempotencyStore } from '../application/ports/idempotency-store';
import type { PaymentMethodService } from '../application/payments/payment-method-service';
import type { ReservationService } from '../application/reservations/reservation-service';
import type { OrderService } from '../application/orders/order-service';
import type { QrRenderer } from '../application/ports/qr-renderer';
import type { TicketService } from '../application/tickets/ticket-service';
import type { QueueService } from '../application/queue/queue-service';
import type { Challenges } from '../application/ports/challenges';
import { queueRoutes } from './routes/queue.routes';
import { createQueueGate, fixedQueueSettings } from './http/queue-gate';
import { orderRoutes } from './routes/order.routes';
import { cartRoutes } from './partner/cart.routes';
import { partnerPaymentRoutes } from './partner/payment.routes';
import { partnerPollingRoutes } from './partner/polling.routes';
import { createPartnerPolling } from './partner/polling';
import type { PartnerPayments } from '../application/partner/partner-payment-service';
import type { PolledCommands } from '../application/partner/polled-commands';
import type { ShippingOption } from '../domain/ticketed-event/shipping';
import type { CartService } from '../application/partner/cart-service';
import type { PartnerCaptcha } from '../application/partner/partner-captcha';
import type { PartnerEventQueries } from '../application/partner/partner-events';
import type { PartnerService } from '../application/partner/partner-service';
import { partnerApi } from './partner/partner-router';
import { adminPartnerRoutes } from './routes/partner-admin.routes';
import { oauthRoutes } from './routes/oauth.routes';
import { realtimeRoutes } from './routes/realtime.routes';
import { presentedApiKey } from './realtime/realtime-auth';
import { ticketRoutes, transferRoutes } from './routes/ticket.routes';
import { authenticate, bearerAuthentication } from './http/auth';
import { readBody } from './http/request-body';
import { rejectRawCardData } from './http/card-data-guard';
import { verifyStrictJson } from './http/strict-json';
import { fixedHeaders } from './http/fixed-headers';
import { inOrder } from './http/in-order';
import { idempotent } from './http/idempotency';
import { metricsAccess, type Metrics } from './http/metrics';
import {
  errorHandler,
  guardJsonBody,
  isJsonBody,
  refuseOptions,
  requestId,
  requireJson,
  routeNotFound,
} from './http/middleware';
import {
  QUEUE_STATUS_SPACING_SECONDS,
  RateLimits,
  type RateLimitName,
  type RateLimitStoreFactory,
} from './http/rate-limits';
import { checkApiKey } from './http/api-keys';
import { adminApiKeyRoutes } from './routes/api-key.routes';
import type { ApiKeyService } from '../application/api-keys/api-key-service';
import { readYourWrites, type ProjectionPosition } from './http/read-your-writes';
import { apiRouter, mount, mountedOperations } from './contract/api-router';
import { buildOpenApiDocument } from './openapi';
import { operationsRoutes, type OperationsRouteDeps } from './routes/operations.routes';
import { authRoutes } from './routes/auth.routes';
import { paymentMethodRoutes } from './routes/payment-method.routes';
import { adminCatalogRoutes, eventRoutes } from './routes/catalog.routes';
import { reservationRoutes, seatRoutes } from './routes/reservation.routes';
import { adminAuditorRoutes, analyticsRoutes, auditRoutes } from './routes/audit.routes';
import type { AuditService } from '../application/audit/audit-service';
import type { SalesAnalytics } from '../application/analytics/sales-analytics';

export interface HttpDependencies {
  logger: Logger;
  tokens: AccessTokens;
  accounts: AccountService;
  catalog: CatalogService;
  queries: CatalogQueries;
  reservations: ReservationService;
  orders: OrderService;
  tickets: TicketService;
  /** Partner carts (P2): mounted under /partners/v1. */
  partnerCarts: CartService;
  /** Partner card payment and the certificate (P3), the events' shipping options, and 202 polling. */
  partnerPayments: PartnerPayments;
  partnerShippingOptions: (eventId: string) => Promise<readonly ShippingOption[]>;
  polledCommands: PolledCommands;
  /** Partner clients (P1): admin, OAuth grants, the client check and quota of /partners/v1, captcha, events. */
  partners: PartnerService;
  partnerCaptcha: PartnerCaptcha;
  partnerEvents: PartnerEventQueries;
  qr: QrRenderer;
  paymentMethods: PaymentMethodService;
  audit: AuditService;
  analytics: SalesAnalytics;
  /** The waiting room, its proof-of-work challenges, and how long a queue token lives. */
  queue: QueueService;
  challenges: Challenges;
  queueTokenSeconds: number;
  idempotencyStore: IdempotencyStore;
  projections: ProjectionPosition;
  metrics: Metrics;
  rateLimits: boolean;
  /** Counters shared by every API process (Redis, when REDIS_URL is set); without it, each process counts alone. */
  rateLimitStore?: RateLimitStoreFactory;
  /** API keys (X-API-Key): checked on every /v1 request, administered under /v1/admin/api-keys. */
  apiKeys: ApiKeyService;
  /** REQUIRE_API_KEY: a /v1 request without a key is refused (401 API_KEY_REQUIRED). */
  requireApiKey?: boolean;
  bodyLimit: string;
  readYourWritesTimeoutMs: number;
  /** Express `trust proxy`: false unless TRUST_PROXY names the proxies (else X-Forwarded-For picks the rate-limit key). */
  trustProxy?: false | number | string[];
  /** Bearer token a scraper may use on /metrics (an admin token always works). */
  metricsToken?: string;
  health: OperationsRouteDeps['health'];
}

/** The HTTP API: middleware order matters (request id first, errors last). */
export function buildHttpApp(deps: HttpDependencies): Express {
  const app = express();
  // Paths are matched exactly as declared, by every router (apiRouter() too): one reading of a path.
  app.set('case sensitive routing', true);
  // ... and without a trailing slash: `/v1/events/` is no operation (404), not `/v1/events` read another way.
  app.set('strict routing', true);
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxy ?? false);
  app.set('query parser', 'simple');
  // No ETag hashed from every GET's body: the reads the contract declares conditional (seat maps, event details,
  // partner details and availability) set their own tag from the read model's version (conditional-get.ts); any
  // other read answering 304 would be a status its operation does not list.
  app.set('etag', false);

  // Every request's middleware, in this order, as one express layer (in-order.ts: the router's per-layer work was
  // the reserve path's largest source of garbage). Metrics first, so requests refused by the header checks in
  // requestId are counted too.
  const pipeline: RequestHandler[] = [];
  pipeline.push(deps.metrics.middleware());
  pipeline.push(requestId);
  // helmet's headers are the same for every request: written in one step (fixed-headers.ts).
  pipeline.push(fixedHeaders(helmet({ contentSecurityPolicy: false })));
  pipeline.push(refuseOptions);

  const operations = operationsRoutes({
    health: deps.health,
    metrics: deps.metrics,
    metricsAccess: metricsAccess(deps.tokens, deps.metricsToken),
    // Called only once the app is built (below), when every router is mounted.
    document: (): OpenAPIObject => openapi,
  });
  // The operations endpoints are their own express layer between the two halves of the pipeline, so the app's
  // route table (which the OpenAPI test walks) shows them.
  app.use(inOrder(pipeline.splice(0)));
  app.use(operations);

  // What the body middleware refuses is answered by the operation the request reaches (request-body.ts).
  pipeline.push(
    readBody([
      requireJson,
      // UTF-8 only, no bad bytes, no repeated keys (strict-json.ts): checked on the raw bytes, before parsing.
      express.json({ limit: deps.bodyLimit, strict: true, verify: verifyStrictJson, type: isJsonBody }),
      // Form bodies (token requests only: other operations refuse them) pass the same guards as JSON.
      express.urlencoded({ extended: false, limit: '10kb' }),
      guardJsonBody,
    ]),
  );
  pipeline.push(rejectRawCardData);
  // Partner tokens are checked against their client wherever they are presented (revoked: 401); which operations
  // take them each operation declares (OperationSpec.accepts).
  const partnerTokens = (access: VerifiedAccess) => deps.partners.checkAccess(access);
  pipeline.push(authenticate(deps.tokens, partnerTokens));
  app.use(inOrder(pipeline));

  const rateLimits = new RateLimits({
    enabled: deps.rateLimits,
    store: deps.rateLimitStore,
    logger: deps.logger,
  });
  const limit = (name: RateLimitName) => rateLimits.limit(name);
  const ryw = readYourWrites(deps.projections, deps.readYourWritesTimeoutMs);
  const keyed = idempotent(deps.idempotencyStore) as RequestHandler;
  const queueSettings = fixedQueueSettings(deps.queue);
  const queueGate = createQueueGate({
    queue: deps.queue,
    settings: queueSettings,
    tokens: deps.tokens,
    logger: deps.logger,
  });

  const api = apiRouter({ tag: 'operations' });
  // /v1 only: the operations routes stay open, and /oauth is the partners' OAuth alias (client credentials).
  // GET /v1/realtime also takes the key as `?api_key=` (what its WebSocket upgrade takes from browsers).
  const apiKeyCheck = checkApiKey(deps.apiKeys, deps.requireApiKey ?? false, presentedApiKey);
  const apiKeyLimit = rateLimits.apiKey();
  const v1 = apiRouter({
    tag: 'operations',
    apiKey: {
      handler: (req, res, next) =>
        apiKeyCheck(req, res, (error?: unknown) => (error ? next(error) : apiKeyLimit(req, res, next))),
      required: deps.requireApiKey ?? false,
    },
    limit: { name: 'authenticated', handler: limit('authenticated') },
  });
  const auth = authRoutes({
    accounts: deps.accounts,
    partners: deps.partners,
    authLimit: limit('auth'),
    idempotent: keyed,
  });
  mount(v1, '/auth', auth);
  const catalogDeps = {
    catalog: deps.catalog,
    queries: deps.queries,
    limits: { search: limit('search'), eventDetails: limit('eventDetails'), seatMap: limit('seatMap') },
    readYourWrites: ryw,
    idempotent: keyed,
  };
  mount(v1, '/admin', adminCatalogRoutes(catalogDeps));
  mount(v1, '/events', eventRoutes(catalogDeps));
  const reservationDeps = {
    reservations: deps.reservations,
    reserveLimit: limit('reserve'),
    idempotent: keyed,
    readYourWrites: ryw,
    queueGate,
  };
  mount(v1, '/seats', seatRoutes(reservationDeps));
  mount(v1, '/reservations', reservationRoutes(reservationDeps));
  mount(
    v1,
    '/queue',
    queueRoutes({
      queue: deps.queue,
      settings: queueSettings,
      tokens: deps.tokens,
      challenges: deps.challenges,
      statusLimit: limit('queueStatus'),
      challengeLimit: limit('queueChallenge'),
      idempotencyStore: deps.idempotencyStore,
      queueTokenSeconds: deps.queueTokenSeconds,
      minPollSeconds: deps.rateLimits ? QUEUE_STATUS_SPACING_SECONDS : 0,
    }),
  );
  mount(
    v1,
    '/payment-methods',
    paymentMethodRoutes({ paymentMethods: deps.paymentMethods, idempotent: keyed }),
  );
  mount(
    v1,
    '/orders',
    orderRoutes({
      orders: deps.orders,
      qr: deps.qr,
      idempotent: keyed,
      readYourWrites: ryw,
      tickets: deps.tickets,
    }),
  );
  const ticketDeps = { tickets: deps.tickets, readYourWrites: ryw, idempotent: keyed };
  mount(v1, '/tickets', ticketRoutes(ticketDeps));
  mount(v1, '/transfers', transferRoutes(ticketDeps));
  const auditDeps = {
    audit: deps.audit,
    analytics: deps.analytics,
    accounts: deps.accounts,
    readYourWrites: ryw,
    idempotent: keyed,
  };
  mount(v1, '/admin', adminAuditorRoutes(auditDeps));
  mount(v1, '/admin', adminApiKeyRoutes({ apiKeys: deps.apiKeys, readYourWrites: ryw }));
  mount(v1, '/admin', adminPartnerRoutes({ partners: deps.partners, idempotent: keyed }));
  mount(v1, '/audit', auditRoutes(auditDeps));
  mount(v1, '/analytics', analyticsRoutes(auditDeps));

  mount(v1, '/realtime', realtimeRoutes({ authenticate: bearerAuthentication(deps.tokens, partnerTokens) }));

  mount(api, '/v1', v1);
  // The Partner API: the partner router (client check, quota) with each partner feature's routes under it.
  // One PartnerPolling for every cart call (see the top of partner/polling.ts).
  const partnerPolling = createPartnerPolling({ polled: deps.polledCommands, logger: deps.logger });
  mount(
    api,
    '/partners/v1',
    partnerApi({
      partners: deps.partners,
      captcha: deps.partnerCaptcha,
      events: deps.partnerEvents,
      quotaStore: deps.rateLimitStore,
      logger: deps.logger,
      readYourWrites: ryw,
      features: [
        cartRoutes({ carts: deps.partnerCarts, idempotent: keyed, polling: partnerPolling }),
        partnerPaymentRoutes({
          payments: deps.partnerPayments,
          carts: deps.partnerCarts,
          shippingOptions: deps.partnerShippingOptions,
          polling: partnerPolling,
        }),
        partnerPollingRoutes({ polling: partnerPolling }),
      ],
    }),
  );
  mount(api, '/oauth', oauthRoutes({ partners: deps.partners }));
  mount(api, '/oauth', auth, {
    operationIdPrefix: 'oauth',
    note: ' (alias of the same operation under /v1/auth; not counted by the /v1 per-user limit)',
  });
  app.use(api);

  app.use(routeNotFound);
  app.use(errorHandler(deps.logger));
  // The operations as mounted are the document's list of operations.
  const openapi = buildOpenApiDocument([...mountedOperations(operations), ...mountedOperations(api)]);
  if (mountedOperations(operations).some(({ path }) => path.startsWith('/v1/')))
    throw new Error('operations routes must stay outside /v1 (API calls skip their router)');
  return app;
}
