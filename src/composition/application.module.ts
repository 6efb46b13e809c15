import { ContainerModule } from 'inversify';
import type { Logger } from 'pino';
import { AccountService } from '../application/auth/account-service';
import { SalesAnalytics } from '../application/analytics/sales-analytics';
import { AuditService } from '../application/audit/audit-service';
import { CatalogQueries } from '../application/catalog/catalog-queries';
import { CatalogService } from '../application/catalog/catalog-service';
import {
  createCustomerProcessor,
  createEmailProcessor,
  userIdByEmail,
} from '../application/customer/customer-processors';
import { LogForwarder } from '../application/messaging/log-forwarder';
import { createOrderProcessor } from '../application/orders/order-processor';
import { OrderService, orderUnderWay } from '../application/orders/order-service';
import { OrderWatchdog } from '../application/orders/order-watchdog';
import { PaymentMethodService } from '../application/payments/payment-method-service';
import { ReservationService } from '../application/reservations/reservation-service';
import { OrderSagas, SAGA_EVENT_TYPES, type SagaOptions } from '../application/sagas/order-sagas';
import { createTicketedEventProcessor } from '../application/ticketed-event/ticketed-event-processor';
import { createBarcodeProcessor } from '../application/tickets/barcodes';
import { createTicketProcessor } from '../application/tickets/ticket-processor';
import { TicketService } from '../application/tickets/ticket-service';
import { createQueueProcessor } from '../application/queue/queue-processor';
import { QueueService } from '../application/queue/queue-service';
import { createVenueProcessor, SeatIndexes } from '../application/venue/venue-processor';
import { createCartProcessor } from '../application/partner/cart-processor';
import { CartService } from '../application/partner/cart-service';
import type { AppConfig } from '../infrastructure/config/config';
import { allProjections } from '../projections';
import { apiKeyIndexProjection } from '../projections/api-keys.projection';
import { ApiKeyIndex } from '../application/api-keys/api-key-index';
import { createApiKeyProcessor } from '../application/api-keys/api-key-processor';
import { ApiKeyService } from '../application/api-keys/api-key-service';
import { ProjectionRunner } from '../projections/projection-runner';
import { partnerDirectoryProjection } from '../projections/partner-directory.projection';
import { forwardApplied } from '../projections/realtime-feed';
import { REALTIME_EVENT_TYPES, RealtimeHub } from '../application/realtime/realtime-hub';
import { RealtimeReads } from '../application/realtime/realtime-reads';
import { queueFeed } from '../application/realtime/queue-feed';
import type { RecordedEvent } from '../application/ports/event-store';
import { Subject } from 'rxjs';
import { provide } from './bind';
import { IDS } from './identifiers';

/**
 * The application, whatever the profile: one command processor per aggregate (each stream has exactly one
 * write path, built once here and injected), then the services, sagas and jobs that use them.
 */
export function applicationModule(
  config: AppConfig,
  logger: Logger,
  sagaFaults?: SagaOptions['faults'],
): ContainerModule {
  return new ContainerModule(({ bind }) => {
    bind(IDS.config).toConstantValue(config);
    bind(IDS.logger).toConstantValue(logger);

    // ---- one processor per aggregate --------------------------------------------------------------------
    provide(bind, IDS.venues, [IDS.eventStore], createVenueProcessor);
    provide(bind, IDS.seatIndexes, [IDS.venues], (venues) => new SeatIndexes(venues));
    provide(
      bind,
      IDS.ticketedEvents,
      [IDS.eventStore, IDS.snapshotStore, IDS.seatIndexes, IDS.clock],
      (store, snapshots, seatIndexes, clock) =>
        createTicketedEventProcessor(store, snapshots, seatIndexes, clock),
    );
    provide(bind, IDS.customers, [IDS.eventStore, IDS.clock], createCustomerProcessor);
    provide(bind, IDS.emails, [IDS.eventStore], createEmailProcessor);
    provide(bind, IDS.orders, [IDS.eventStore, IDS.clock], createOrderProcessor);
    provide(bind, IDS.tickets, [IDS.eventStore, IDS.clock], createTicketProcessor);
    provide(bind, IDS.barcodes, [IDS.eventStore], createBarcodeProcessor);
    provide(bind, IDS.carts, [IDS.eventStore, IDS.clock], createCartProcessor);
    provide(
      bind,
      IDS.queues,
      [IDS.eventStore, IDS.snapshotStore, IDS.ticketedEvents],
      (store, snapshots, events) => createQueueProcessor(store, snapshots, events),
    );
    provide(bind, IDS.apiKeys, [IDS.eventStore, IDS.clock], createApiKeyProcessor);

    // ---- read side ------------------------------------------------------------------------------------------
    // Seat movements and waiting-room events, for realtime once every read model has them (last in the list).
    const appliedForRealtime = new Subject<RecordedEvent>();
    // This process's API-key lookup, fed by the runner like a read model (see api-key-index.ts).
    const apiKeyIndex = new ApiKeyIndex();
    bind(IDS.apiKeyIndex).toConstantValue(apiKeyIndex);
    provide(
      bind,
      IDS.projections,
      [IDS.eventStore, IDS.readStore, IDS.partnerDirectory],
      (store, readStore, partnerDirectory) =>
        new ProjectionRunner(
          store,
          readStore,
          [
            ...allProjections(),
            apiKeyIndexProjection(apiKeyIndex),
            // This process's partner client lookup (revocations, site keys), fed like the API keys.
            partnerDirectoryProjection(partnerDirectory),
            forwardApplied(REALTIME_EVENT_TYPES, appliedForRealtime),
          ],
          {
            onError: (err, event) =>
              logger.error({ err, position: event?.position, type: event?.type }, 'projection failed'),
          },
        ),
    );
    provide(
      bind,
      IDS.realtimeHub,
      [IDS.readStore, IDS.clock, IDS.queues, IDS.ticketedEvents],
      (readStore, clock, rooms, events) =>
        new RealtimeHub({
          reads: new RealtimeReads(readStore),
          clock,
          events$: appliedForRealtime,
          queue: queueFeed({ rooms, events, clock }),
          onError: (err, what) => logger.warn({ err }, `${what} failed`),
          options: config.realtime,
        }),
    );
    provide(
      bind,
      IDS.catalogQueries,
      [IDS.readStore, IDS.clock],
      (rs, clock) => new CatalogQueries(rs, clock),
    );

    provide(bind, IDS.audit, [IDS.eventStore, IDS.readStore], (store, rs) => new AuditService(store, rs));
    provide(bind, IDS.analytics, [IDS.readStore], (rs) => new SalesAnalytics(rs));
    provide(
      bind,
      IDS.apiKeyService,
      [IDS.apiKeys, IDS.apiKeyIndex, IDS.readStore, IDS.ids],
      (keys, index, readStore, ids) => new ApiKeyService(keys, index, readStore, ids),
    );

    // ---- services ---------------------------------------------------------------------------------------------
    provide(
      bind,
      IDS.queueService,
      [IDS.queues, IDS.ticketedEvents, IDS.clock, IDS.ids],
      (queues, events, clock, ids) => new QueueService(queues, events, clock, ids),
    );
    provide(
      bind,
      IDS.accountService,
      [IDS.customers, IDS.emails, IDS.accessTokens, IDS.passwordHasher, IDS.ids, IDS.clock],
      (customers, emails, tokens, hasher, ids, clock) =>
        new AccountService(customers, emails, tokens, hasher, ids, clock),
    );
    provide(
      bind,
      IDS.catalogService,
      [IDS.venues, IDS.ticketedEvents, IDS.seatIndexes, IDS.ids],
      (venues, events, seatIndexes, ids) => new CatalogService(venues, events, seatIndexes, ids),
    );
    provide(
      bind,
      IDS.paymentMethodService,
      [IDS.customers, IDS.paymentGateway, IDS.ids],
      (customers, gateway, ids) => new PaymentMethodService(customers, gateway, ids),
    );
    const catchUp = (runner: ProjectionRunner) => () => runner.catchUp(config.readYourWritesTimeoutMs);
    provide(
      bind,
      IDS.reservationService,
      [IDS.ticketedEvents, IDS.readStore, IDS.clock, IDS.ids, IDS.projections, IDS.orders],
      (events, readStore, clock, ids, runner, orders) =>
        new ReservationService(
          events,
          readStore,
          clock,
          ids,
          config.holdSeconds,
          catchUp(runner),
          orderUnderWay(orders),
        ),
    );
    provide(
      bind,
      IDS.ticketService,
      [
        IDS.tickets,
        IDS.barcodes,
        IDS.orders,
        IDS.emails,
        IDS.eventStore,
        IDS.readStore,
        IDS.clock,
        IDS.qrRenderer,
        IDS.projections,
      ],
      (tickets, barcodes, orders, emails, store, readStore, clock, qr, runner) =>
        new TicketService({
          tickets,
          barcodes,
          orders,
          store,
          readStore,
          clock,
          qr,
          findUserIdByEmail: userIdByEmail(emails),
          catchUp: catchUp(runner),
        }),
    );
    provide(
      bind,
      IDS.orderService,
      [
        IDS.orders,
        IDS.ticketedEvents,
        IDS.seatIndexes,
        IDS.reservationService,
        IDS.paymentMethodService,
        IDS.paymentGateway,
        IDS.readStore,
        IDS.clock,
        IDS.projections,
      ],
      (orders, events, seatIndexes, reservations, methods, gateway, readStore, clock, runner) =>
        new OrderService(
          orders,
          events,
          seatIndexes,
          reservations,
          methods,
          gateway,
          readStore,
          clock,
          catchUp(runner),
          config.checkoutGraceSeconds,
        ),
    );

    provide(
      bind,
      IDS.cartService,
      [
        IDS.carts,
        IDS.ticketedEvents,
        IDS.seatIndexes,
        IDS.orderService,
        IDS.orders,
        IDS.readStore,
        IDS.clock,
        IDS.projections,
        IDS.partnerCaptcha,
        IDS.ids,
      ],
      (carts, ticketedEvents, seatIndexes, orders, orderProcessor, readStore, clock, runner, captcha, ids) =>
        new CartService({
          carts,
          ticketedEvents,
          seatIndexes,
          orders,
          orderProcessor,
          readStore,
          clock,
          ids,
          holdSeconds: () => config.partnerHoldSeconds,
          catchUp: catchUp(runner),
          // P1's verifier: the solution must be the partner's, current, unexpired and unused (it is spent here).
          captcha: captcha.verify,
          onError: (err, what) => logger.warn({ err }, `cart expiry: failed ${what}; trying again next run`),
        }),
    );

    // ---- sagas and jobs -----------------------------------------------------------------------------------
    provide(
      bind,
      IDS.sagas,
      [
        IDS.messageBus,
        IDS.orders,
        IDS.ticketedEvents,
        IDS.paymentGateway,
        IDS.ticketService,
        IDS.readStore,
        IDS.projections,
      ],
      (bus, orders, events, gateway, tickets, readStore, runner) =>
        new OrderSagas(
          bus,
          orders,
          events,
          gateway,
          tickets,
          readStore,
          (position) => runner.waitFor(position, 30_000),
          logger,
          {
            namespace: config.busNamespace,
            maxRetries: config.sagaMaxRetries,
            retryDelayMs: config.sagaRetryDelayMs,
            prefetch: config.sagaPrefetch,
            faults: sagaFaults,
          },
        ),
    );
    provide(
      bind,
      IDS.forwarder,
      [IDS.eventStore, IDS.messageBus, IDS.checkpointStore],
      (store, bus, checkpoints) =>
        new LogForwarder(store, bus, checkpoints, {
          types: SAGA_EVENT_TYPES,
          name: `bus-forwarder:${config.busNamespace}`,
          onError: (err) => logger.warn({ err }, 'forwarding to the bus failed; retrying'),
        }),
    );
    provide(
      bind,
      IDS.watchdog,
      [IDS.sagas, IDS.orders, IDS.readStore, IDS.clock, IDS.orderService],
      (sagas, orders, readStore, clock, orderService) =>
        new OrderWatchdog(
          sagas,
          orders,
          readStore,
          clock,
          logger,
          {
            afterMs: config.orderWatchdogAfterMs,
            intervalMs: config.orderWatchdogIntervalMs,
            maxRedrives: config.orderWatchdogMaxRedrives,
          },
          orderService,
        ),
    );
  });
}
