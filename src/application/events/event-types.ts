import type { ApiKeyEvent } from '../../domain/api-key/api-key';
import type { CartEvent } from '../../domain/cart/events';
import type { EmailEvent } from '../../domain/customer/email';
import type { CustomerEvent } from '../../domain/customer/events';
import type { OrderEvent } from '../../domain/order/order';
import type { PartnerEvent } from '../../domain/partner/events';
import type { QueueEvent } from '../../domain/queue/events';
import type { RefreshTokenEvent } from '../../domain/shared/refresh-tokens';
import type { BarcodeEvent } from '../../domain/ticket/barcode';
import type { TicketEvent } from '../../domain/ticket/events';
import type { TicketedEventEvent } from '../../domain/ticketed-event/events';
import type { VenueEvent } from '../../domain/venue/venue';

/** Every event the code records, of every stream. */
type RecordedDomainEvent =
  | ApiKeyEvent
  | BarcodeEvent
  | CartEvent
  | CustomerEvent
  | EmailEvent
  | OrderEvent
  | PartnerEvent
  | QueueEvent
  | RefreshTokenEvent
  | TicketEvent
  | TicketedEventEvent
  | VenueEvent;

/**
 * The event types a log may hold: every type any release of the code has written. The compiler holds this to the
 * domain's event unions, both ways: a new event type must be listed, and a type is listed only while the domain
 * knows it (a retired type would stay, with its domain type kept for reading old logs). An event of any other type
 * was not written by this code: the replay reports it.
 */
const EVENT_TYPES = {
  ApiKeyCreated: true,
  ApiKeyRevoked: true,
  BarcodeClaimed: true,
  CartCheckoutFailed: true,
  CartCheckoutStarted: true,
  CartCommitted: true,
  CartCreated: true,
  CartCreationFailed: true,
  CartDeleted: true,
  CartExpired: true,
  CartPaymentSet: true,
  CartRequested: true,
  CartShippingSet: true,
  CustomerRegistered: true,
  EmailClaimed: true,
  EventCancelled: true,
  EventCreated: true,
  EventPublished: true,
  HoldExtended: true,
  HoldReleased: true,
  OrderCancelled: true,
  OrderConfirmed: true,
  OrderFailed: true,
  OrderPaymentAbandoned: true,
  OrderPaymentAuthorizing: true,
  OrderPaymentDeclined: true,
  OrderPaymentVoided: true,
  OrderPlaced: true,
  PartnerCaptchaSolved: true,
  PartnerRegistered: true,
  PartnerRevoked: true,
  PartnerSecretRotated: true,
  PartnerSiteKeyRotated: true,
  PaymentCaptured: true,
  PaymentMethodAdded: true,
  PaymentMethodRemoved: true,
  QueueAccessUsed: true,
  QueueAdmitted: true,
  QueueJoined: true,
  QueueLeft: true,
  QueueOpened: true,
  QueueTurnExpired: true,
  RefreshTokenFamilyRevoked: true,
  RefreshTokenIssued: true,
  RefreshTokenRotated: true,
  RefundCompleted: true,
  SeatsHeld: true,
  SeatsReturned: true,
  SeatsSold: true,
  TicketIssued: true,
  TicketTransferStarted: true,
  TicketTransferred: true,
  TicketVoided: true,
  TicketsIssued: true,
  TransferCancelled: true,
  TransferRequested: true,
  VenueCreated: true,
} as const satisfies Record<RecordedDomainEvent['type'], true>;

export const isKnownEventType = (type: string): boolean => Object.hasOwn(EVENT_TYPES, type);
