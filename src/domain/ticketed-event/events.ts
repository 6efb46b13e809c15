import type { DomainEvent } from '../shared/decider';
import type { Cents } from '../shared/money';

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
  generalSaleStart: string;
  tiers: PricingTier[];
  maxTicketsPerOrder: number;
  restrictSingleSeat: boolean;
  queue: { enabled: boolean; admissionPerMinute: number };
  capacity: number;
  createdAt: string;
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
  EventCreated | EventPublished | EventCancelled | SeatsHeld | HoldReleased | SeatsSold | SeatsReturned;

export const TICKETED_EVENT_TYPES: ReadonlyArray<TicketedEventEvent['type']> = [
  'EventCreated',
  'EventPublished',
  'EventCancelled',
  'SeatsHeld',
  'HoldReleased',
  'SeatsSold',
  'SeatsReturned',
];
