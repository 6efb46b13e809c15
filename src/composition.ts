import 'reflect-metadata';
import http from 'node:http';
import type { Express } from 'express';
import { Container } from 'inversify';
import type { Logger } from 'pino';
import { buildHttpApp } from './api/app';
import { Metrics } from './api/http/metrics';
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
import type { Clock } from './application/ports/clock';
import type { AppConfig } from './infrastructure/config/config';
import type { ProjectionRunner } from './projections/projection-runner';
import { applicationModule } from './composition/application.module';
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
  bus: MessageBus;
  sagas: OrderSagas;
  forwarder: LogForwarder;
  watchdog: OrderWatchdog;
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
  ];

  const metrics = new Metrics({
    appends: () => processors.reduce((n, p) => n + p.stats.appends, 0),
    conflicts: () => processors.reduce((n, p) => n + p.stats.conflicts, 0),
    projected: () => runner.eventsProcessed,
    projectionLag: async () => Math.max(0, (await store.headPosition()) - runner.position),
    watchdog: () => ({ redriven: watchdog.redrivenTotal, failed: watchdog.failedTotal }),
  });

  const application = {
    accounts,
    catalog: get(IDS.catalogService),
    reservations,
    paymentMethods: get(IDS.paymentMethodService),
    orders: get(IDS.orderService),
    tickets: get(IDS.ticketService),
  };
  const httpApp = buildHttpApp({
    logger,
    tokens: get(IDS.accessTokens),
    ...application,
    queries: get(IDS.catalogQueries),
    audit: get(IDS.audit),
    analytics: get(IDS.analytics),
    qr: get(IDS.qrRenderer),
    idempotencyStore: get(IDS.idempotencyStore),
    projections: runner,
    metrics,
    rateLimits: config.rateLimits,
    trustProxy: config.trustProxy,
    metricsToken: config.metricsToken,
    bodyLimit: config.bodyLimit,
    readYourWritesTimeoutMs: config.readYourWritesTimeoutMs,
    health: {
      ready: async () => {
        const backends = await checkBackends([...get(IDS.backendProbes), get(IDS.busProbe)]);
        const up = Object.values(backends).every((b) => b.status === 'up');
        // The lag needs the event store; when it is down, readiness is already false.
        const lag =
          backends.event_store?.status === 'up'
            ? Math.max(0, (await store.headPosition()) - runner.position)
            : 0;
        return { ready: up && lag < 1000, lag, backends };
      },
    },
  });

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
    } catch (err) {
      logger.warn({ err }, 'expiry job failed; holds still expire lazily');
    } finally {
      sweeping = false;
    }
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
    async listen(port = config.port, host = config.host) {
      await runner.start();
      await runner.catchUp(120_000);
      // Consumers first: a queue only receives what is published after it was declared.
      await sagas.start();
      await forwarder.start();
      watchdog.start(); // its first sweep runs now: a restart drives in-flight work without waiting
      if (config.adminEmail && config.adminPassword)
        await accounts.ensureAdmin(config.adminEmail, config.adminPassword);
      expiryTimer = setInterval(() => void runExpiry(), config.expirySweepMs);
      expiryTimer.unref();
      server = http.createServer(httpApp);
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
        if (server) {
          const s = server;
          await new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          });
        }
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
