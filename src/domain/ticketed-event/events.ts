import type { DomainEvent } from '../shared/decider';
import type { Cents } from '../shared/money';
import type { RecordedQueueSettings } from '../queue/settings';
import type { ShippingOption } from './shipping';

export interface PricingTier {
  tierId: string;
  name: string;
  priceCents: Cents;
  feesCents: Cents;
  sectionIds: string[];
}

export interface EventDetails {
  eventId: string;
  name: string;
  artist: string;
  description: string;
  category: string;
  venueId: string;
  venueName: string;
  city: string;
  state: string;
  country: string;
  date: string;
  doorsOpen: string | null;
  presaleStart: string | null;
  /**
   * The public on-sale. Null for a presale-only event (a fan-club sale): it has no public on-sale, and partners
   * see no `onsale` key. An event has a presale or a general sale, or both (saleOpensAt, partner-settings.ts).
   */
  generalSaleStart: string | null;
  tiers: PricingTier[];
  maxTicketsPerOrder: number;
  restrictSingleSeat: boolean;
  /** The waiting room's settings; fields added later are optional (see queue/settings.ts for the defaults). */
  queue: RecordedQueueSettings;
  capacity: number;
  createdAt: string;
  /** Partner channel flags; absent in events recorded before they existed: read them with partnerFlagsOf. */
  internetEnabled?: boolean;
  emitsBarcodes?: boolean;
  captchaRequired?: boolean;
  /** Absent in events recorded before shipping options existed: read it with shippingOptionsOf (shipping.ts). */
  shippingOptions?: ShippingOption[];
}

export type EventCreated = DomainEvent<'EventCreated', EventDetails>;
export type EventPublished = DomainEvent<'EventPublished', { eventId: string; publishedAt: string }>;
export type EventCancelled = DomainEvent<
  'EventCancelled',
  { eventId: string; cancelledAt: string; reason: string }
>;

export interface SeatsHeldData {
  eventId: string;
  holdId: string;
  userId: string;
  seatIds: string[];
  heldAt: string;
  expiresAt: string;
  subtotalCents: Cents;
  feesCents: Cents;
}
export type SeatsHeld = DomainEvent<'SeatsHeld', SeatsHeldData>;

export type HoldReleaseReason = 'released' | 'expired' | 'order_failed' | 'event_cancelled';
export type HoldReleased = DomainEvent<
  'HoldReleased',
  {
    eventId: string;
    holdId: string;
    userId: string;
    seatIds: string[];
    reason: HoldReleaseReason;
    releasedAt: string;
  }
>;

/**
 * An order's checkout began near the end of its hold: the hold now lasts until `expiresAt` (see
 * ExtendHoldForCheckout), so the order's payment saga still finds it.
 */
export type HoldExtended = DomainEvent<
  'HoldExtended',
  {
    eventId: string;
    holdId: string;
    orderId: string;
    userId: string;
    seatIds: string[];
    expiresAt: string;
    extendedAt: string;
  }
>;

/** A hold became sold seats, paid for by an order. */
export type SeatsSold = DomainEvent<
  'SeatsSold',
  {
    eventId: string;
    holdId: string;
    orderId: string;
    userId: string;
    seatIds: string[];
    soldAt: string;
    totalCents: Cents;
  }
>;

/** Sold seats of a cancelled or refunded order are back on sale. */
export type SeatsReturned = DomainEvent<
  'SeatsReturned',
  { eventId: string; orderId: string; userId: string; seatIds: string[]; returnedAt: string }
>;

export type TicketedEventEvent =
  | EventCreated
  | EventPublished
  | EventCancelled
  | SeatsHeld
  | HoldExtended
  | HoldReleased
  | SeatsSold
  | SeatsReturned;

export const TICKETED_EVENT_TYPES: ReadonlyArray<TicketedEventEvent['type']> = [
  'EventCreated',
  'EventPublished',
  'EventCancelled',
  'SeatsHeld',
  'HoldExtended',
  'HoldReleased',
  'SeatsSold',
  'SeatsReturned',
];
