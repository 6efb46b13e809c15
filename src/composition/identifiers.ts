import type { Container } from 'inversify';
import type { Logger } from 'pino';
import type { AccountService } from '../application/auth/account-service';
import type { ApiKeyIndex } from '../application/api-keys/api-key-index';
import type { ApiKeyProcessor } from '../application/api-keys/api-key-processor';
import type { ApiKeyService } from '../application/api-keys/api-key-service';
import type { RateLimitStoreFactory } from '../api/http/rate-limits';
import type { SalesAnalytics } from '../application/analytics/sales-analytics';
import type { AuditService } from '../application/audit/audit-service';
import type { CatalogQueries } from '../application/catalog/catalog-queries';
import type { CatalogService } from '../application/catalog/catalog-service';
import type { CustomerProcessor, EmailProcessor } from '../application/customer/customer-processors';
import type { LogForwarder } from '../application/messaging/log-forwarder';
import type { OrderProcessor } from '../application/orders/order-processor';
import type { OrderService } from '../application/orders/order-service';
import type { OrderWatchdog } from '../application/orders/order-watchdog';
import type { PaymentMethodService } from '../application/payments/payment-method-service';
import { ACCESS_TOKENS, type AccessTokens } from '../application/ports/access-tokens';
import { CHALLENGES, type Challenges } from '../application/ports/challenges';
import { CHECKPOINT_STORE, type CheckpointStore } from '../application/ports/checkpoint-store';
import { CLOCK, type Clock } from '../application/ports/clock';
import { EVENT_STORE, type EventStore } from '../application/ports/event-store';
import { ID_GENERATOR, type IdGenerator } from '../application/ports/id-generator';
import { IDEMPOTENCY_STORE, type IdempotencyStore } from '../application/ports/idempotency-store';
import { MESSAGE_BUS, type MessageBus } from '../application/ports/message-bus';
import { PASSWORD_HASHER, type PasswordHasher } from '../application/ports/password-hasher';
import { PAYMENT_GATEWAY, type PaymentGateway } from '../application/ports/payment-gateway';
import { QR_RENDERER, type QrRenderer } from '../application/ports/qr-renderer';
import { READ_STORE, type ReadStore } from '../application/ports/read-store';
import { SNAPSHOT_STORE, type SnapshotStore } from '../application/ports/snapshot-store';
import type { ReservationService } from '../application/reservations/reservation-service';
import type { RealtimeHub } from '../application/realtime/realtime-hub';
import type { OrderSagas } from '../application/sagas/order-sagas';
import type { CartProcessor } from '../application/partner/cart-processor';
import type { CartService } from '../application/partner/cart-service';
import type { PartnerCaptcha } from '../application/partner/partner-captcha';
import type { PartnerDirectory } from '../application/partner/partner-directory';
import type { PartnerEventQueries } from '../application/partner/partner-events';
import type { PartnerProcessor } from '../application/partner/partner-processor';
import type { PartnerService } from '../application/partner/partner-service';
import type { PartnerAbandonment } from '../application/partner/partner-abandonment';
import type { PartnerPayments } from '../application/partner/partner-payment-service';
import type { PolledCommands } from '../application/partner/polled-commands';
import { CARD_ENCRYPTION, type CardEncryption } from '../application/ports/card-encryption';
import type { TicketedEventProcessor } from '../application/ticketed-event/ticketed-event-processor';
import type { QueueProcessor } from '../application/queue/queue-processor';
import type { QueueService } from '../application/queue/queue-service';
import type { BarcodeProcessor } from '../application/tickets/barcodes';
import type { TicketProcessor } from '../application/tickets/ticket-processor';
import type { TicketService } from '../application/tickets/ticket-service';
import type { SeatIndexes, VenueProcessor } from '../application/venue/venue-processor';
import type { AppConfig } from '../infrastructure/config/config';
import type { BackendProbe } from './backends';
import type { ProjectionRunner } from '../projections/projection-runner';

/** A service identifier that knows the type it resolves to, so a binding and its users cannot disagree. */
export type Id<T> = symbol & { readonly __resolvesTo?: T };
const id = <T>(name: string): Id<T> => Symbol(name) as Id<T>;
const port = <T>(symbol: symbol): Id<T> => symbol as Id<T>;

/**
 * Every service identifier of the container, in one place. Ports keep the symbols their modules export (an
 * adapter test can ask the container for EVENT_STORE); everything else is private to the composition root.
 */
export const IDS = {
  // configuration
  config: id<AppConfig>('AppConfig'),
  logger: id<Logger>('Logger'),
  // ports, bound to adapters by the profile modules
  clock: port<Clock>(CLOCK),
  ids: port<IdGenerator>(ID_GENERATOR),
  eventStore: port<EventStore>(EVENT_STORE),
  snapshotStore: port<SnapshotStore>(SNAPSHOT_STORE),
  idempotencyStore: port<IdempotencyStore>(IDEMPOTENCY_STORE),
  checkpointStore: port<CheckpointStore>(CHECKPOINT_STORE),
  readStore: port<ReadStore>(READ_STORE),
  accessTokens: port<AccessTokens>(ACCESS_TOKENS),
  /** Proof-of-work challenges (ALTCHA) for the waiting room. */
  challenges: port<Challenges>(CHALLENGES),
  passwordHasher: port<PasswordHasher>(PASSWORD_HASHER),
  paymentGateway: port<PaymentGateway>(PAYMENT_GATEWAY),
  /** The partner API's daily RSA key ring for encrypted card fields. */
  cardEncryption: port<CardEncryption>(CARD_ENCRYPTION),
  qrRenderer: port<QrRenderer>(QR_RENDERER),
  messageBus: port<MessageBus>(MESSAGE_BUS),
  /** What the profile must release on close besides the ports it bound (files, sockets). */
  profileResources: id<Array<{ close(): void | Promise<void> }>>('ProfileResources'),
  /** Readiness checks of the storage backends, and of the bus (bound by the bus profile). */
  backendProbes: id<BackendProbe[]>('BackendProbes'),
  busProbe: id<BackendProbe>('BusProbe'),
  /** Where the rate limiters count: Redis with REDIS_URL (shared by every process), else each process's memory. */
  rateLimitStores: id<{ storeFor: RateLimitStoreFactory }>('RateLimitStores'),
  // one command processor per aggregate
  venues: id<VenueProcessor>('VenueProcessor'),
  seatIndexes: id<SeatIndexes>('SeatIndexes'),
  ticketedEvents: id<TicketedEventProcessor>('TicketedEventProcessor'),
  customers: id<CustomerProcessor>('CustomerProcessor'),
  emails: id<EmailProcessor>('EmailProcessor'),
  orders: id<OrderProcessor>('OrderProcessor'),
  tickets: id<TicketProcessor>('TicketProcessor'),
  barcodes: id<BarcodeProcessor>('BarcodeProcessor'),
  /** Partner carts (`cart-{id}`). */
  carts: id<CartProcessor>('CartProcessor'),
  queues: id<QueueProcessor>('QueueProcessor'),
  apiKeys: id<ApiKeyProcessor>('ApiKeyProcessor'),
  /** This process's lookup of API keys by hash, fed from the log. */
  apiKeyIndex: id<ApiKeyIndex>('ApiKeyIndex'),
  // application services and jobs
  projections: id<ProjectionRunner>('ProjectionRunner'),
  accountService: id<AccountService>('AccountService'),
  catalogService: id<CatalogService>('CatalogService'),
  catalogQueries: id<CatalogQueries>('CatalogQueries'),
  reservationService: id<ReservationService>('ReservationService'),
  paymentMethodService: id<PaymentMethodService>('PaymentMethodService'),
  orderService: id<OrderService>('OrderService'),
  ticketService: id<TicketService>('TicketService'),
  cartService: id<CartService>('CartService'),
  /** Partner clients (`partner-{id}`): their command path, this process's lookup, the service, captcha, events. */
  partnerClients: id<PartnerProcessor>('PartnerProcessor'),
  partnerDirectory: id<PartnerDirectory>('PartnerDirectory'),
  partnerService: id<PartnerService>('PartnerService'),
  partnerCaptcha: id<PartnerCaptcha>('PartnerCaptcha'),
  partnerEvents: id<PartnerEventQueries>('PartnerEventQueries'),
  /** Partner card payment (decrypt, tokenize, CartService.setPayment) and the certificate. */
  partnerPayments: id<PartnerPayments>('PartnerPayments'),
  /** 202 polling of partner cart calls, and the per-partner abandonment score it uses. */
  polledCommands: id<PolledCommands>('PolledCommands'),
  partnerAbandonment: id<PartnerAbandonment>('PartnerAbandonment'),
  queueService: id<QueueService>('QueueService'),
  sagas: id<OrderSagas>('OrderSagas'),
  forwarder: id<LogForwarder>('LogForwarder'),
  watchdog: id<OrderWatchdog>('OrderWatchdog'),
  audit: id<AuditService>('AuditService'),
  analytics: id<SalesAnalytics>('SalesAnalytics'),
  /** Realtime updates (GET /v1/realtime): fed by the projection runner, served by src/api/realtime. */
  realtimeHub: id<RealtimeHub>('RealtimeHub'),
  apiKeyService: id<ApiKeyService>('ApiKeyService'),
} as const;

/** The container's instance for an identifier, typed by it. */
export function resolve<T>(container: Container, identifier: Id<T>): T {
  return container.get<T>(identifier);
}

/** Identifiers for a factory's parameters, in order: the compiler checks each one's type. */
export type IdsOf<Args extends unknown[]> = { [K in keyof Args]: Id<Args[K]> };
