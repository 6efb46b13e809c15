import 'reflect-metadata';
import http from 'node:http';
import path from 'node:path';
import type { Express } from 'express';
import { Container } from 'inversify';
import type { Logger } from 'pino';
import { buildHttpApp } from './api/app';
import { Metrics } from './api/http/metrics';
import { AccountService } from './application/auth/account-service';
import { CatalogQueries } from './application/catalog/catalog-queries';
import { CatalogService } from './application/catalog/catalog-service';
import {
  createTicketedEventProcessor,
  createVenueProcessor,
  SeatIndexes,
  type TicketedEventProcessor,
  type VenueProcessor,
} from './application/catalog/ticketed-event-processor';
import { ACCESS_TOKENS, type AccessTokens } from './application/ports/access-tokens';
import { CLOCK, type Clock } from './application/ports/clock';
import { EVENT_STORE, type EventStore } from './application/ports/event-store';
import { ID_GENERATOR, type IdGenerator } from './application/ports/id-generator';
import { IDEMPOTENCY_STORE, type IdempotencyStore } from './application/ports/idempotency-store';
import { PASSWORD_HASHER, type PasswordHasher } from './application/ports/password-hasher';
import { PAYMENT_GATEWAY, type PaymentGateway } from './application/ports/payment-gateway';
import { PaymentMethodService } from './application/payments/payment-method-service';
import { READ_STORE, type ReadStore } from './application/ports/read-store';
import { SNAPSHOT_STORE, type SnapshotStore } from './application/ports/snapshot-store';
import { ReservationService } from './application/reservations/reservation-service';
import { LogForwarder } from './application/messaging/log-forwarder';
import { createOrderProcessor, type OrderProcessor } from './application/orders/order-processor';
import { OrderSagas, SAGA_EVENT_TYPES, type SagaOptions } from './application/orders/order-sagas';
import { OrderService } from './application/orders/order-service';
import { OrderWatchdog } from './application/orders/order-watchdog';
import { CHECKPOINT_STORE, type CheckpointStore } from './application/ports/checkpoint-store';
import { MESSAGE_BUS, type MessageBus } from './application/ports/message-bus';
import { QR_RENDERER, type QrRenderer } from './application/ports/qr-renderer';
import { TicketService } from './application/tickets/ticket-service';
import { userIdByEmailFrom } from './application/tickets';
import { SqliteCheckpointStore } from './infrastructure/checkpoints/sqlite-checkpoint-store';
import { InProcessBus } from './infrastructure/bus/inprocess/in-process-bus';
import { RabbitMqBus } from './infrastructure/bus/rabbitmq/rabbitmq-bus';
import { QrCodeRenderer } from './infrastructure/tickets/qr-code-renderer';
import { systemMetadata } from './application/shared/command-metadata';
import { JwtAccessTokens } from './infrastructure/auth/jwt-access-tokens';
import { ScryptPasswordHasher } from './infrastructure/auth/scrypt-password-hasher';
import { SystemClock } from './infrastructure/clock/system-clock';
import type { AppConfig } from './infrastructure/config/config';
import { SqliteEventStore } from './infrastructure/eventstore/sqlite/sqlite-event-store';
import { SqliteIdempotencyStore } from './infrastructure/idempotency/sqlite-idempotency-store';
import { RandomIds } from './infrastructure/ids/random-ids';
import { TestPaymentGateway } from './infrastructure/payments/test-payment-gateway';
import { MemoryReadStore } from './infrastructure/readstore/memory/memory-read-store';
import { SqliteSnapshotStore } from './infrastructure/snapshots/sqlite-snapshot-store';
import { allProjections } from './projections';
import { ProjectionRunner } from './projections/projection-runner';

const T = {
  config: Symbol.for('AppConfig'),
  logger: Symbol.for('Logger'),
  venues: Symbol.for('VenueProcessor'),
  events: Symbol.for('TicketedEventProcessor'),
  seatIndexes: Symbol.for('SeatIndexes'),
  runner: Symbol.for('ProjectionRunner'),
  accounts: Symbol.for('AccountService'),
  catalog: Symbol.for('CatalogService'),
  queries: Symbol.for('CatalogQueries'),
  reservations: Symbol.for('ReservationService'),
  paymentMethods: Symbol.for('PaymentMethodService'),
  orders: Symbol.for('OrderProcessor'),
  orderService: Symbol.for('OrderService'),
  tickets: Symbol.for('TicketService'),
  sagas: Symbol.for('OrderSagas'),
  forwarder: Symbol.for('LogForwarder'),
} as const;

export interface Overrides {
  clock?: Clock;
  /** Test hooks for the sagas (fault injection). */
  sagas?: Pick<SagaOptions, 'faults'>;
  /** Test hook: wraps the payment gateway (fault injection around its calls). */
  gateway?: (gateway: PaymentGateway) => PaymentGateway;
}

export interface Application {
  config: AppConfig;
  logger: Logger;
  container: Container;
  http: Express;
  store: EventStore;
  readStore: ReadStore;
  runner: ProjectionRunner;
  events: TicketedEventProcessor;
  accounts: AccountService;
  reservations: ReservationService;
  paymentMethods: PaymentMethodService;
  orders: OrderService;
  orderProcessor: OrderProcessor;
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
 * The composition root: the one place that knows which adapter serves which port.
 * Embedded profile (no environment): SQLite event store, in-memory read models (rebuilt from the log at start).
 */
export async function createApplication(
  config: AppConfig,
  logger: Logger,
  overrides: Overrides = {},
): Promise<Application> {
  const container = new Container({ defaultScope: 'Singleton' });
  const sqlite = new SqliteEventStore(path.join(config.dataDir, 'events.sqlite'));

  container.bind(T.config).toConstantValue(config);
  container.bind(T.logger).toConstantValue(logger);
  container.bind<Clock>(CLOCK).toConstantValue(overrides.clock ?? new SystemClock());
  container.bind<IdGenerator>(ID_GENERATOR).toConstantValue(new RandomIds());
  container.bind<EventStore>(EVENT_STORE).toConstantValue(sqlite);
  container.bind<SnapshotStore>(SNAPSHOT_STORE).toConstantValue(new SqliteSnapshotStore(sqlite.db));
  container.bind<IdempotencyStore>(IDEMPOTENCY_STORE).toConstantValue(new SqliteIdempotencyStore(sqlite.db));
  container.bind<ReadStore>(READ_STORE).toConstantValue(new MemoryReadStore());
  container.bind<AccessTokens>(ACCESS_TOKENS).toConstantValue(new JwtAccessTokens(config.jwtSecret));
  container.bind<PasswordHasher>(PASSWORD_HASHER).toConstantValue(new ScryptPasswordHasher());
  // The test processor keeps its records in its own file: like a real one, it remembers across our crashes.
  const testGateway = new TestPaymentGateway({
    file: path.join(config.dataDir, 'test-payment-gateway.sqlite'),
  });
  container
    .bind<PaymentGateway>(PAYMENT_GATEWAY)
    .toConstantValue(overrides.gateway ? overrides.gateway(testGateway) : testGateway);
  container.bind<CheckpointStore>(CHECKPOINT_STORE).toConstantValue(new SqliteCheckpointStore(sqlite.db));
  container.bind<QrRenderer>(QR_RENDERER).toConstantValue(new QrCodeRenderer());
  container.bind<MessageBus>(MESSAGE_BUS).toConstantValue(
    config.amqpUrl
      ? await RabbitMqBus.connect(config.amqpUrl, {
          exchange: `${config.busNamespace}.events`,
          logger,
          connectionName: `${config.busNamespace}-${process.pid}`,
        })
      : // Settled, not merely queued, before the forwarder's checkpoint moves: memory does not survive a crash.
        new InProcessBus({ confirmOnSettle: true }),
  );

  container.bind<VenueProcessor>(T.venues).toDynamicValue((c) => createVenueProcessor(c.get(EVENT_STORE)));
  container.bind<SeatIndexes>(T.seatIndexes).toDynamicValue((c) => new SeatIndexes(c.get(T.venues)));
  container
    .bind<TicketedEventProcessor>(T.events)
    .toDynamicValue((c) =>
      createTicketedEventProcessor(
        c.get(EVENT_STORE),
        c.get(SNAPSHOT_STORE),
        c.get(T.seatIndexes),
        c.get(CLOCK),
      ),
    );
  container.bind<ProjectionRunner>(T.runner).toDynamicValue(
    (c) =>
      new ProjectionRunner(c.get(EVENT_STORE), c.get(READ_STORE), allProjections(), {
        onError: (err, event) =>
          logger.error({ err, position: event?.position, type: event?.type }, 'projection failed'),
      }),
  );
  container
    .bind<AccountService>(T.accounts)
    .toDynamicValue(
      (c) =>
        new AccountService(
          c.get(EVENT_STORE),
          c.get(ACCESS_TOKENS),
          c.get(PASSWORD_HASHER),
          c.get(ID_GENERATOR),
          c.get(CLOCK),
        ),
    );
  container
    .bind<CatalogService>(T.catalog)
    .toDynamicValue(
      (c) => new CatalogService(c.get(T.venues), c.get(T.events), c.get(T.seatIndexes), c.get(ID_GENERATOR)),
    );
  container
    .bind<PaymentMethodService>(T.paymentMethods)
    .toDynamicValue(
      (c) =>
        new PaymentMethodService(
          c.get(EVENT_STORE),
          c.get(PAYMENT_GATEWAY),
          c.get(ID_GENERATOR),
          c.get(CLOCK),
        ),
    );
  container
    .bind<CatalogQueries>(T.queries)
    .toDynamicValue((c) => new CatalogQueries(c.get(READ_STORE), c.get(CLOCK)));
  container.bind<ReservationService>(T.reservations).toDynamicValue((c) => {
    const runner = c.get<ProjectionRunner>(T.runner);
    return new ReservationService(
      c.get(T.events),
      c.get(READ_STORE),
      c.get(CLOCK),
      c.get(ID_GENERATOR),
      config.holdSeconds,
      () => runner.catchUp(config.readYourWritesTimeoutMs),
    );
  });

  const catchUp = () => container.get<ProjectionRunner>(T.runner).catchUp(config.readYourWritesTimeoutMs);
  container
    .bind<OrderProcessor>(T.orders)
    .toDynamicValue((c) => createOrderProcessor(c.get(EVENT_STORE), c.get(CLOCK)));
  container
    .bind<TicketService>(T.tickets)
    .toDynamicValue(
      (c) =>
        new TicketService(
          c.get(EVENT_STORE),
          c.get(READ_STORE),
          c.get(CLOCK),
          c.get(QR_RENDERER),
          userIdByEmailFrom(c.get(EVENT_STORE)),
          catchUp,
        ),
    );
  container
    .bind<OrderService>(T.orderService)
    .toDynamicValue(
      (c) =>
        new OrderService(
          c.get(T.orders),
          c.get(T.events),
          c.get(T.reservations),
          c.get(T.paymentMethods),
          c.get(PAYMENT_GATEWAY),
          c.get(READ_STORE),
          c.get(CLOCK),
          catchUp,
        ),
    );
  container.bind<OrderSagas>(T.sagas).toDynamicValue((c) => {
    const runner = c.get<ProjectionRunner>(T.runner);
    return new OrderSagas(
      c.get(MESSAGE_BUS),
      c.get(T.orders),
      c.get(T.events),
      c.get(PAYMENT_GATEWAY),
      c.get(T.tickets),
      c.get(READ_STORE),
      (position) => runner.waitFor(position, 30_000),
      logger,
      {
        namespace: config.busNamespace,
        maxRetries: config.sagaMaxRetries,
        retryDelayMs: config.sagaRetryDelayMs,
        faults: overrides.sagas?.faults,
      },
    );
  });
  container.bind<LogForwarder>(T.forwarder).toDynamicValue(
    (c) =>
      new LogForwarder(c.get(EVENT_STORE), c.get(MESSAGE_BUS), c.get(CHECKPOINT_STORE), {
        types: SAGA_EVENT_TYPES,
        name: `bus-forwarder:${config.busNamespace}`,
        onError: (err) => logger.warn({ err }, 'forwarding to the bus failed; retrying'),
      }),
  );

  const store = container.get<EventStore>(EVENT_STORE);
  const readStore = container.get<ReadStore>(READ_STORE);
  const runner = container.get<ProjectionRunner>(T.runner);
  const events = container.get<TicketedEventProcessor>(T.events);
  const venues = container.get<VenueProcessor>(T.venues);
  const accounts = container.get<AccountService>(T.accounts);
  const reservations = container.get<ReservationService>(T.reservations);
  const paymentMethods = container.get<PaymentMethodService>(T.paymentMethods);
  const orderProcessor = container.get<OrderProcessor>(T.orders);
  const orders = container.get<OrderService>(T.orderService);
  const tickets = container.get<TicketService>(T.tickets);
  const bus = container.get<MessageBus>(MESSAGE_BUS);
  const sagas = container.get<OrderSagas>(T.sagas);
  const forwarder = container.get<LogForwarder>(T.forwarder);

  const watchdog = new OrderWatchdog(
    sagas,
    orderProcessor,
    events,
    container.get(PAYMENT_GATEWAY),
    readStore,
    container.get(CLOCK),
    logger,
    {
      afterMs: config.orderWatchdogAfterMs,
      intervalMs: config.orderWatchdogIntervalMs,
      maxRedrives: config.orderWatchdogMaxRedrives,
    },
  );

  const metrics = new Metrics({
    appends: () => events.stats.appends + venues.stats.appends + orderProcessor.stats.appends,
    conflicts: () => events.stats.conflicts + venues.stats.conflicts + orderProcessor.stats.conflicts,
    projected: () => runner.eventsProcessed,
    projectionLag: async () => Math.max(0, (await store.headPosition()) - runner.position),
    watchdog: () => ({ redriven: watchdog.redrivenTotal, failed: watchdog.failedTotal }),
  });

  const httpApp = buildHttpApp({
    logger,
    tokens: container.get(ACCESS_TOKENS),
    accounts,
    catalog: container.get(T.catalog),
    queries: container.get(T.queries),
    reservations,
    paymentMethods,
    orders,
    tickets,
    qr: container.get(QR_RENDERER),
    idempotencyStore: container.get(IDEMPOTENCY_STORE),
    projections: runner,
    metrics,
    rateLimits: config.rateLimits,
    trustProxy: config.trustProxy,
    metricsToken: config.metricsToken,
    bodyLimit: config.bodyLimit,
    readYourWritesTimeoutMs: config.readYourWritesTimeoutMs,
    health: {
      ready: async () => {
        const lag = Math.max(0, (await store.headPosition()) - runner.position);
        return { ready: lag < 1000, lag };
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
    events,
    accounts,
    reservations,
    paymentMethods,
    orders,
    orderProcessor,
    tickets,
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
        testGateway.close();
        await runner.stop();
        await readStore.close();
        await store.close();
      })();
      return closing;
    },
  };
}
