import 'reflect-metadata';
import http from 'node:http';
import type { Express } from 'express';
import { Container } from 'inversify';
import type { Logger } from 'pino';
import { buildHttpApp } from './api/app';
import { Metrics } from './api/http/metrics';
import { bearerAuthentication } from './api/http/auth';
import { answerClientError } from './api/http/client-error';
import { RealtimeServer } from './api/realtime/realtime-server';
import type { RealtimeHub } from './application/realtime/realtime-hub';
import type { AccountService } from './application/auth/account-service';
import type { CatalogService } from './application/catalog/catalog-service';
import type { LogForwarder } from './application/messaging/log-forwarder';
import type { OrderProcessor } from './application/orders/order-processor';
import type { OrderService } from './application/orders/order-service';
import type { OrderWatchdog } from './application/orders/order-watchdog';
import type { PaymentMethodService } from './application/payments/payment-method-service';
import type { EventStore } from './application/ports/event-store';
import type { MessageBus } from './application/ports/message-bus';
import type { PaymentGateway } from './application/ports/payment-gateway';
import type { ReadStore } from './application/ports/read-store';
import type { ReservationService } from './application/reservations/reservation-service';
import type { OrderSagas, SagaOptions } from './application/sagas/order-sagas';
import { systemMetadata } from './application/shared/command-metadata';
import type { TicketedEventProcessor } from './application/ticketed-event/ticketed-event-processor';
import type { TicketService } from './application/tickets/ticket-service';
import type { CartService } from './application/partner/cart-service';
import type { PartnerPayments } from './application/partner/partner-payment-service';
import { eventShippingOptions } from './application/partner/partner-shipping';
import type { PolledCommands } from './application/partner/polled-commands';
import type { ApiKeyService } from './application/api-keys/api-key-service';
import type { QueueService } from './application/queue/queue-service';
import type { Clock } from './application/ports/clock';
import type { AppConfig } from './infrastructure/config/config';
import type { ProjectionRunner } from './projections/projection-runner';
import { applicationModule } from './composition/application.module';
import { partnerPaymentModule } from './composition/partner-payment.module';
import { partnerClientsModule } from './composition/partner-clients.module';
import { IDS, resolve } from './composition/identifiers';
import { checkBackends } from './composition/backends';
import { inProcessBusProfile, rabbitMqBusProfile, storageProfile } from './composition/profiles';

export { IDS } from './composition/identifiers';

export interface Overrides {
  clock?: Clock;
  /** Test hooks for the sagas (fault injection). */
  sagas?: Pick<SagaOptions, 'faults'>;
  /** Test hook: wraps the payment gateway (fault injection around its calls). */
  gateway?: (gateway: PaymentGateway) => PaymentGateway;
  /**
   * WORKERS > 1 (src/main.ts): this process's slot, 1..N. What must run once per data directory runs in slot 1
   * only: the expiry job, queue admission, the order watchdog, the log forwarder, and the sagas when they are on
   * the in-process bus (they receive only what this process's forwarder publishes). Every process runs its
   * projections and command processors, and on RabbitMQ its saga consumers (the broker shares the work out).
   */
  workerSlot?: number;
}

/**
 * The running application: what main, scripts, benches and tests use. Its members are the services and
 * processors themselves; nothing outside the composition root needs the container's identifiers.
 */
export interface Application {
  config: AppConfig;
  logger: Logger;
  /** The container, for adapter-level tests that ask for a port (e.g. ACCESS_TOKENS). */
  container: Container;
  http: Express;
  store: EventStore;
  readStore: ReadStore;
  runner: ProjectionRunner;
  /** The command path of every `event-{id}` stream. */
  ticketedEvents: TicketedEventProcessor;
  orderProcessor: OrderProcessor;
  accounts: AccountService;
  /** Admin commands on venues and events (the seed and the benches create their catalog with it). */
  catalog: CatalogService;
  reservations: ReservationService;
  paymentMethods: PaymentMethodService;
  orders: OrderService;
  tickets: TicketService;
  /** Partner carts (`cart-{id}`): best available seats, payment, shipping, commit into an order. */
  partnerCarts: CartService;
  /** Partner card payment (the daily key ring, decrypt, tokenize) and the certificate. */
  partnerPayments: PartnerPayments;
  /** 202 polling of partner cart calls (tests wait for `idle()`). */
  polledCommands: PolledCommands;
  /** API keys (X-API-Key): `npm run api-key` creates the first one when REQUIRE_API_KEY is on. */
  apiKeys: ApiKeyService;
  bus: MessageBus;
  sagas: OrderSagas;
  forwarder: LogForwarder;
  watchdog: OrderWatchdog;
  /** The waiting rooms of queue-protected events (`queue-{eventId}`). */
  queue: QueueService;
  /** Realtime updates (GET /v1/realtime); tests call `tick()` after moving the clock. */
  realtime: RealtimeHub;
  /** Whether this process runs the jobs that must run once per data directory (Overrides.workerSlot). */
  runsJobs: boolean;
  /** Start serving; resolves with the listening server once read models have caught up with the log. */
  listen(port?: number, host?: string): Promise<http.Server>;
  /** Stop accepting, finish in-flight requests, stop jobs, close the stores. */
  close(): Promise<void>;
}

/**
 * The composition root: the one place that knows which adapter serves which port. It loads one module per
 * profile (storage: embedded today; bus: in-process, or RabbitMQ with AMQP_URL) and the application module,
 * then resolves what the Application exposes.
 */
export async function createApplication(
  config: AppConfig,
  logger: Logger,
  overrides: Overrides = {},
): Promise<Application> {
  const container = new Container({ defaultScope: 'Singleton' });
  const { amqpUrl } = config;
  await container.load(
    storageProfile(config, { clock: overrides.clock, gateway: overrides.gateway }, logger),
    amqpUrl ? rabbitMqBusProfile({ ...config, amqpUrl }, logger) : inProcessBusProfile(),
    applicationModule(config, logger, overrides.sagas?.faults),
    partnerPaymentModule(config, logger),
    partnerClientsModule(config),
  );
  const get = <T>(id: Parameters<typeof resolve<T>>[1]) => resolve(container, id);

  const store = get(IDS.eventStore);
  const readStore = get(IDS.readStore);
  const runner = get(IDS.projections);
  const ticketedEvents = get(IDS.ticketedEvents);
  const orderProcessor = get(IDS.orders);
  const accounts = get(IDS.accountService);
  const reservations = get(IDS.reservationService);
  const bus = get(IDS.messageBus);
  const sagas = get(IDS.sagas);
  const forwarder = get(IDS.forwarder);
  const watchdog = get(IDS.watchdog);
  const processors = [
    ticketedEvents,
    get(IDS.venues),
    orderProcessor,
    get(IDS.customers),
    get(IDS.emails),
    get(IDS.tickets),
    get(IDS.barcodes),
    get(IDS.carts),
    get(IDS.queues),
    get(IDS.apiKeys),
    get(IDS.partnerClients),
  ];

  const realtime = get(IDS.realtimeHub);
  const partnerService = get(IDS.partnerService);
  const realtimeServer = new RealtimeServer({
    hub: realtime,
    // The HTTP pipeline's authentication, revocation of partner clients included (src/api/http/auth.ts).
    authenticate: bearerAuthentication(get(IDS.accessTokens), (access) => partnerService.checkAccess(access)),
    apiKeys: { lookup: get(IDS.apiKeyService), required: config.requireApiKey },
    logger,
    options: config.realtime,
  });

  const metrics = new Metrics({
    realtime: () => ({
      connections: realtimeServer.connectionCount,
      closedSlow: realtimeServer.closedSlow,
      closedUnresponsive: realtimeServer.closedUnresponsive,
    }),
    appends: () => processors.reduce((n, p) => n + p.stats.appends, 0),
    conflicts: () => processors.reduce((n, p) => n + p.stats.conflicts, 0),
    projected: () => runner.eventsProcessed,
    projectionLag: async () => Math.max(0, (await store.headPosition()) - runner.position),
    projectionFailures: () => runner.failures,
    watchdog: () => ({ redriven: watchdog.redrivenTotal, failed: watchdog.failedTotal }),
  });
  // One of WORKERS=N: a scrape answered here reports every worker's figures (gathered by the primary).
  if (overrides.workerSlot !== undefined) metrics.reportToPrimary();

  const application = {
    accounts,
    catalog: get(IDS.catalogService),
    reservations,
    paymentMethods: get(IDS.paymentMethodService),
    orders: get(IDS.orderService),
    tickets: get(IDS.ticketService),
    partnerCarts: get(IDS.cartService),
    partnerPayments: get(IDS.partnerPayments),
    polledCommands: get(IDS.polledCommands),
    apiKeys: get(IDS.apiKeyService),
  };
  const httpApp = buildHttpApp({
    logger,
    tokens: get(IDS.accessTokens),
    ...application,
    partnerShippingOptions: eventShippingOptions(get(IDS.ticketedEvents)),
    partners: get(IDS.partnerService),
    partnerCaptcha: get(IDS.partnerCaptcha),
    partnerEvents: get(IDS.partnerEvents),
    queries: get(IDS.catalogQueries),
    audit: get(IDS.audit),
    analytics: get(IDS.analytics),
    queue: get(IDS.queueService),
    challenges: get(IDS.challenges),
    queueTokenSeconds: config.queueTokenSeconds,
    qr: get(IDS.qrRenderer),
    idempotencyStore: get(IDS.idempotencyStore),
    projections: runner,
    metrics,
    rateLimits: config.rateLimits,
    rateLimitStore: get(IDS.rateLimitStores).storeFor,
    requireApiKey: config.requireApiKey,
    trustProxy: config.trustProxy,
    metricsToken: config.metricsToken,
    bodyLimit: config.bodyLimit,
    readYourWritesTimeoutMs: config.readYourWritesTimeoutMs,
    health: {
      ready: async () => {
        const probes = [...get(IDS.backendProbes), get(IDS.busProbe)];
        const backends = await checkBackends(probes);
        const up = probes.every((p) => p.required === false || backends[p.name]?.status === 'up');
        // The lag needs the event store; when it is down, readiness is already false.
        const lag =
          backends.event_store?.status === 'up'
            ? Math.max(0, (await store.headPosition()) - runner.position)
            : 0;
        const failed = runner.lastFailure;
        const failures = failed && {
          count: runner.failures,
          last: { position: failed.position, event_type: failed.type },
        };
        return {
          ready: up && lag < 1000,
          lag,
          backends,
          ...(failures ? { projectionFailures: failures } : {}),
        };
      },
    },
  });

  const runsJobs = (overrides.workerSlot ?? 1) === 1;
  let server: http.Server | undefined;
  let expiryTimer: NodeJS.Timeout | undefined;
  let closing: Promise<void> | undefined;

  let sweeping = false;
  const runExpiry = async () => {
    if (sweeping) return; // a slow sweep is not overlapped by the next tick
    sweeping = true;
    try {
      const released = await reservations.releaseExpired(
        systemMetadata('expiry-job', `expiry-${Date.now()}`),
      );
      if (released > 0) logger.debug({ released }, 'released expired holds');
      const carts = await application.partnerCarts.expireDue(
        systemMetadata('expiry-job', `cart-expiry-${Date.now()}`),
      );
      if (carts > 0) logger.debug({ carts }, 'settled expired partner carts');
    } catch (err) {
      logger.warn({ err }, 'expiry job failed; holds still expire lazily');
    } finally {
      sweeping = false;
    }
  };

  // The waiting rooms' clock: opens queues and admits (and expires) turns as time passes, so turns come even when
  // nobody polls. A run is not overlapped by the next tick, and close() waits for the one in flight.
  let admissionTimer: NodeJS.Timeout | undefined;
  let admitting: Promise<void> | undefined;
  const runAdmission = () => {
    admitting ??= (async () => {
      try {
        const admitted = await get(IDS.queueService).admitDue(
          systemMetadata('queue-admission', `queue-admission-${Date.now()}`),
        );
        if (admitted > 0) logger.debug({ admitted }, 'admitted queue entries');
      } catch (err) {
        logger.warn({ err }, 'queue admission job failed; turns still come lazily with the next poll');
      } finally {
        admitting = undefined;
      }
    })();
  };

  return {
    config,
    logger,
    container,
    http: httpApp,
    store,
    readStore,
    runner,
    ticketedEvents,
    orderProcessor,
    ...application,
    bus,
    sagas,
    forwarder,
    watchdog,
    queue: get(IDS.queueService),
    realtime,
    runsJobs,
    async listen(port = config.port, host = config.host) {
      await runner.start();
      // After start (the checkpoint is read): keys the runner will not replay come from their streams.
      await get(IDS.apiKeyIndex).load(store, readStore);
      await runner.catchUp(120_000);
      // Consumers first: a queue only receives what is published after it was declared.
      if (runsJobs || amqpUrl) await sagas.start();
      if (runsJobs) {
        await forwarder.start();
        watchdog.start(); // its first sweep runs now: a restart drives in-flight work without waiting
      }
      if (config.adminEmail && config.adminPassword)
        await accounts.ensureAdmin(config.adminEmail, config.adminPassword);
      if (runsJobs) {
        expiryTimer = setInterval(() => void runExpiry(), config.expirySweepMs);
        expiryTimer.unref();
        admissionTimer = setInterval(runAdmission, config.queueAdmissionMs);
        admissionTimer.unref();
      }
      await realtime.start(); // after the catch-up: the live holds are in the read model
      server = http.createServer(httpApp);
      // What node's parser refuses (headers over 16 KB, not HTTP) is answered in the error envelope too.
      server.on('clientError', answerClientError);
      realtimeServer.attach(server);
      server.keepAliveTimeout = 65_000;
      await new Promise<void>((resolve, reject) => {
        server!.once('error', reject);
        server!.listen(port, host, () => resolve());
      });
      return server;
    },
    close() {
      closing ??= (async () => {
        if (expiryTimer) clearInterval(expiryTimer);
        if (admissionTimer) clearInterval(admissionTimer);
        await admitting;
        // Upgraded sockets are not the HTTP server's to close: say goodbye to them first.
        await realtimeServer.close();
        realtime.stop();
        if (server) {
          const s = server;
          await new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          });
        }
        await application.polledCommands.idle(); // accepted cart calls finish before the stores close
        await watchdog.stop();
        await forwarder.stop();
        await sagas.stop();
        await bus.close();
        await forwarder.idle(); // its pending publish was rejected by close: no checkpoint write after this
        for (const resource of get(IDS.profileResources)) await resource.close();
        await runner.stop();
        await readStore.close();
        await store.close();
      })();
      return closing;
    },
  };
}
