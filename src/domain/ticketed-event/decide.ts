import type { RecordedQueueSettings } from '../queue/settings';
import type { Decider } from '../shared/decider';
import { fail } from '../shared/errors';
import type { Cents } from '../shared/money';
import type { SeatIndex } from '../venue/seat-index';
import type { VenueLayout } from '../venue/venue';
import { holdBestAvailable, type BestAvailableScope } from './best-available';
import { createEvent } from './create-event';
import { assertOnSale } from './sale-window';
import type { HoldReleased, PricingTier, TicketedEventEvent } from './events';
import type { ShippingOption } from './shipping';
import {
  evolveTicketedEvent,
  initialTicketedEventState,
  isSeatFree,
  ticketsOfUser,
  type Hold,
  type TicketedEventState,
} from './state';

export interface CreateEvent {
  type: 'CreateEvent';
  eventId: string;
  name: string;
  artist: string;
  description: string;
  category: string;
  venue: VenueLayout;
  date: string;
  doorsOpen: string | null;
  presaleStart: string | null;
  /** Null: a presale-only event (then presaleStart is required). */
  generalSaleStart: string | null;
  tiers: Array<{ tierId: string; name: string; priceCents: Cents; feesCents: Cents; sections: string[] }>;
  maxTicketsPerOrder: number;
  restrictSingleSeat: boolean;
  queue: RecordedQueueSettings;
  /** Default: DEFAULT_SHIPPING_OPTIONS (a free mobile ticket). */
  shippingOptions?: ShippingOption[];
  /** Partner channel flags (partner-settings.ts); defaults: true, true, false. */
  internetEnabled?: boolean;
  emitsBarcodes?: boolean;
  captchaRequired?: boolean;
}
export interface PublishEvent {
  type: 'PublishEvent';
}
export interface CancelEvent {
  type: 'CancelEvent';
  reason: string;
}
export interface HoldSeats {
  type: 'HoldSeats';
  holdId: string;
  userId: string;
  seatIds: string[];
  holdSeconds: number;
}
/**
 * A partner cart's hold: the best free seats for a quantity in a price level or section, chosen on this state
 * and held in the same decision (see best-available.ts), then checked like any HoldSeats.
 */
export interface HoldBestAvailable {
  type: 'HoldBestAvailable';
  holdId: string;
  userId: string;
  scope: BestAvailableScope;
  quantity: number;
  holdSeconds: number;
}
export interface ReleaseHold {
  type: 'ReleaseHold';
  holdId: string;
  reason: 'released' | 'order_failed';
  /** The customer asking, when it is one: only the holder may release a hold. */
  userId?: string;
  /**
   * The order under way for this hold, as its order stream shows it (placed, not failed): a release by its buyer is
   * refused then (cancel the order instead), or the order answered 201 would fail for want of its seats.
   */
  orderId?: string;
}
/** The expiry job: release every hold that expired by now. */
export interface ExpireHolds {
  type: 'ExpireHolds';
}
/**
 * An order's checkout of its hold: placing an order takes time (the card's authorization, the payment saga's
 * queue, a restart after a crash), and a hold that ran out meanwhile failed an order its buyer had been told was
 * accepted. A hold with less than `graceSeconds` left is given until now + graceSeconds, once per hold: time to
 * finish one checkout, not a way to keep seats.
 */
export interface ExtendHoldForCheckout {
  type: 'ExtendHoldForCheckout';
  holdId: string;
  orderId: string;
  graceSeconds: number;
}
export interface SellHold {
  type: 'SellHold';
  holdId: string;
  orderId: string;
  totalCents: Cents;
}
export interface ReturnSeats {
  type: 'ReturnSeats';
  orderId: string;
}
export type TicketedEventCommand =
  | CreateEvent
  | PublishEvent
  | CancelEvent
  | HoldSeats
  | HoldBestAvailable
  | ReleaseHold
  | ExpireHolds
  | ExtendHoldForCheckout
  | SellHold
  | ReturnSeats;

/** What a decision needs besides the stream: the time, and the venue's seat index once the event exists. */
export interface TicketedEventContext {
  now: Date;
  seats?: SeatIndex;
}

export const ticketedEventDecider: Decider<
  TicketedEventCommand,
  TicketedEventEvent,
  TicketedEventState,
  TicketedEventContext
> = {
  initialState: initialTicketedEventState,
  evolve: evolveTicketedEvent,
  decide(command, state, context) {
    if (command.type === 'CreateEvent') return createEvent(command, state, context);
    if (!state.details) fail('EVENT_NOT_FOUND', 'Event not found');
    switch (command.type) {
      case 'PublishEvent':
        if (state.status === 'CANCELLED') fail('EVENT_CANCELLED', 'A cancelled event cannot be published');
        if (state.status === 'PUBLISHED') return [];
        return [
          {
            type: 'EventPublished',
            data: { eventId: state.details.eventId, publishedAt: context.now.toISOString() },
          },
        ];
      case 'CancelEvent':
        return cancelEvent(command, state, context);
      case 'HoldSeats':
        return holdSeats(command, state, context);
      case 'HoldBestAvailable':
        return holdBestAvailable(command, state, context, (hold) => holdSeats(hold, state, context));
      case 'ReleaseHold':
        return releaseHold(command, state, context);
      case 'ExpireHolds':
        return expiredHolds(state, context.now.getTime(), () => true);
      case 'ExtendHoldForCheckout':
        return extendHoldForCheckout(command, state, context);
      case 'SellHold':
        return sellHold(command, state, context);
      case 'ReturnSeats':
        return returnSeats(command, state, context);
    }
  },
};

function cancelEvent(
  command: CancelEvent,
  state: TicketedEventState,
  context: TicketedEventContext,
): TicketedEventEvent[] {
  if (state.status === 'CANCELLED') fail('EVENT_CANCELLED', 'The event is already cancelled');
  const nowMs = context.now.getTime();
  // Live holds end with the event; sold seats are refunded order by order by the cancellation saga.
  const releases: TicketedEventEvent[] = [...state.holds.values()]
    .filter((hold) => hold.expiresAt > nowMs)
    .map((hold) => released(state, hold.holdId, 'event_cancelled', context.now));
  return [
    ...expiredHolds(state, nowMs, () => true),
    ...releases,
    {
      type: 'EventCancelled',
      data: {
        eventId: state.details!.eventId,
        cancelledAt: context.now.toISOString(),
        reason: command.reason,
      },
    },
  ];
}

function holdSeats(
  command: HoldSeats,
  state: TicketedEventState,
  context: TicketedEventContext,
): TicketedEventEvent[] {
  const details = state.details!;
  const seats = context.seats;
  if (!seats) throw new Error('Seat index missing from context');
  const nowMs = context.now.getTime();

  assertOnSale(state, nowMs, { seat_ids: command.seatIds });
  if (state.holds.has(command.holdId)) return []; // the same hold decided twice (a retried command)
  if (command.seatIds.length === 0)
    fail('VALIDATION_ERROR', 'Choose at least one seat', { field: 'seat_ids' });
  if (new Set(command.seatIds).size !== command.seatIds.length) {
    fail('VALIDATION_ERROR', 'seat_ids must not repeat a seat', { field: 'seat_ids' });
  }

  const unknown = command.seatIds.filter((id) => !seats.seats.has(id));
  if (unknown.length > 0)
    fail('SEAT_NOT_FOUND', 'Some seats do not exist at this event', { seat_ids: unknown });
  const notForSale = command.seatIds.filter((id) => !state.tierBySection.has(seats.seats.get(id)!.sectionId));
  if (notForSale.length > 0)
    fail('SEATS_UNAVAILABLE', 'Some seats are not on sale', { seat_ids: notForSale, reason: 'Not on sale' });

  const taken = command.seatIds.filter((id) => !isSeatFree(state, id, nowMs));
  if (taken.length > 0) {
    // Said of the seats someone else has, if any: a buyer retrying their own hold is told it is theirs.
    const others = taken.filter((id) => state.seats.get(id)?.userId !== command.userId);
    const sold = (others.length > 0 ? others : taken).some((id) => state.seats.get(id)?.status === 'SOLD');
    const whose = others.length > 0 ? 'another user' : 'you';
    fail('SEATS_UNAVAILABLE', 'The selected seats are no longer available', {
      seat_ids: taken,
      reason: sold
        ? `Already purchased by ${whose}`
        : others.length > 0
          ? 'Held by another user'
          : 'Already held by you',
    });
  }

  const already = ticketsOfUser(state, command.userId, nowMs);
  if (already + command.seatIds.length > details.maxTicketsPerOrder) {
    fail(
      'PURCHASE_LIMIT_EXCEEDED',
      `At most ${details.maxTicketsPerOrder} tickets per customer for this event`,
      {
        limit: details.maxTicketsPerOrder,
        already_held_or_bought: already,
        requested: command.seatIds.length,
      },
    );
  }

  if (details.restrictSingleSeat) {
    const gaps = singleSeatGaps(state, seats, command.seatIds, nowMs);
    if (gaps.length > 0)
      fail('SINGLE_SEAT_GAP', 'This selection would leave a single seat empty', { seat_ids: gaps });
  }

  // Holds whose time ran out are released explicitly before their seats are held again, so the log alone
  // shows every seat passing from one holder to the next.
  const expiredHoldIds = new Set<string>();
  for (const id of command.seatIds) {
    const claim = state.seats.get(id);
    if (claim?.status === 'HELD') expiredHoldIds.add(claim.holdId); // free yet claimed: its hold has expired
  }
  const expired = [...expiredHoldIds].map((holdId) => released(state, holdId, 'expired', context.now));

  let subtotalCents = 0;
  let feesCents = 0;
  for (const id of command.seatIds) {
    const tier = tierOf(state, seats, id);
    subtotalCents += tier.priceCents;
    feesCents += tier.feesCents;
  }
  return [
    ...expired,
    {
      type: 'SeatsHeld',
      data: {
        eventId: details.eventId,
        holdId: command.holdId,
        userId: command.userId,
        seatIds: command.seatIds,
        heldAt: context.now.toISOString(),
        expiresAt: new Date(nowMs + command.holdSeconds * 1000).toISOString(),
        subtotalCents,
        feesCents,
      },
    },
  ];
}

/**
 * Free seats this selection would leave alone: a free seat next to a requested one whose other side is taken,
 * requested, or the end of the row. Gaps that existed before the request are not its fault.
 */
function singleSeatGaps(
  state: TicketedEventState,
  seats: SeatIndex,
  requested: string[],
  nowMs: number,
): string[] {
  const chosen = new Set(requested);
  const blocked = (id: string | undefined) =>
    id === undefined || chosen.has(id) || !isSeatFree(state, id, nowMs);
  const gaps = new Set<string>();
  for (const id of requested) {
    const place = seats.seats.get(id)!;
    const row = seats.rows.get(place.rowKey)!;
    const i = place.number - 1;
    for (const j of [i - 1, i + 1]) {
      const neighbour = row[j];
      if (neighbour === undefined || blocked(neighbour)) continue;
      const beyond = j < i ? row[j - 1] : row[j + 1];
      if (blocked(beyond)) gaps.add(neighbour);
    }
  }
  return [...gaps];
}

function releaseHold(
  command: ReleaseHold,
  state: TicketedEventState,
  context: TicketedEventContext,
): TicketedEventEvent[] {
  if (command.reason === 'released' && state.soldHolds.has(command.holdId))
    fail('RESERVATION_ALREADY_ORDERED', 'This reservation was paid for; cancel the order instead');
  const hold = state.holds.get(command.holdId);
  if (!hold) return []; // already released, or expired and cleaned: nothing to release
  if (command.userId !== undefined && command.userId !== hold.userId)
    fail('RESERVATION_NOT_FOUND', 'Reservation not found');
  if (
    command.reason === 'released' &&
    command.orderId !== undefined &&
    hold.expiresAt > context.now.getTime()
  )
    fail(
      'RESERVATION_ALREADY_ORDERED',
      'This reservation has an order being paid for; cancel the order instead',
      {
        order_id: command.orderId,
      },
    );
  const reason = hold.expiresAt <= context.now.getTime() ? 'expired' : command.reason;
  return [released(state, hold.holdId, reason, context.now)];
}

/** Whether an order's checkout of `hold` at `nowMs` extends it (see ExtendHoldForCheckout). */
export function checkoutExtends(hold: Hold, nowMs: number, graceSeconds: number): boolean {
  return hold.checkoutOrderId === undefined && hold.expiresAt - nowMs < graceSeconds * 1000;
}

function extendHoldForCheckout(
  command: ExtendHoldForCheckout,
  state: TicketedEventState,
  context: TicketedEventContext,
): TicketedEventEvent[] {
  if (state.soldHolds.get(command.holdId) === command.orderId) return []; // sold already: nothing to extend
  const hold = state.holds.get(command.holdId);
  const nowMs = context.now.getTime();
  if (state.status === 'CANCELLED') fail('SEATS_GONE', 'The event was cancelled');
  if (!hold || hold.expiresAt <= nowMs)
    fail('RESERVATION_EXPIRED', 'The reservation has expired; reserve the seats again', {
      reservation_id: command.holdId,
    });
  if (!checkoutExtends(hold, nowMs, command.graceSeconds)) return [];
  return [
    {
      type: 'HoldExtended',
      data: {
        eventId: state.details!.eventId,
        holdId: hold.holdId,
        orderId: command.orderId,
        userId: hold.userId,
        seatIds: hold.seatIds,
        expiresAt: new Date(nowMs + command.graceSeconds * 1000).toISOString(),
        extendedAt: context.now.toISOString(),
      },
    },
  ];
}

function sellHold(
  command: SellHold,
  state: TicketedEventState,
  context: TicketedEventContext,
): TicketedEventEvent[] {
  if (state.soldByOrder.has(command.orderId)) return []; // idempotent
  // Seats returned for this order are back on sale (or sold to someone else): a late or redelivered sale of the
  // order must be refused, or its payment would go on to capture and confirm seats it no longer has.
  if (state.returnedOrders.has(command.orderId))
    fail('SEATS_RETURNED', 'The seats of this order were returned; it can no longer be sold', {
      order_id: command.orderId,
    });
  const hold = state.holds.get(command.holdId);
  if (state.status === 'CANCELLED') fail('SEATS_GONE', 'The event was cancelled');
  if (!hold || hold.expiresAt <= context.now.getTime()) {
    fail('HOLD_EXPIRED', 'The reservation expired before it was paid for', {
      reservation_id: command.holdId,
    });
  }
  return [
    {
      type: 'SeatsSold',
      data: {
        eventId: state.details!.eventId,
        holdId: hold.holdId,
        orderId: command.orderId,
        userId: hold.userId,
        seatIds: hold.seatIds,
        soldAt: context.now.toISOString(),
        totalCents: command.totalCents,
      },
    },
  ];
}

function returnSeats(
  command: ReturnSeats,
  state: TicketedEventState,
  context: TicketedEventContext,
): TicketedEventEvent[] {
  const sale = state.soldByOrder.get(command.orderId);
  if (!sale) return []; // never sold, or already returned
  return [
    {
      type: 'SeatsReturned',
      data: {
        eventId: state.details!.eventId,
        orderId: command.orderId,
        userId: sale.userId,
        seatIds: sale.seatIds,
        returnedAt: context.now.toISOString(),
      },
    },
  ];
}

function expiredHolds(
  state: TicketedEventState,
  nowMs: number,
  which: (hold: { seatIds: string[] }) => boolean,
): HoldReleased[] {
  const events: HoldReleased[] = [];
  for (const hold of state.holds.values()) {
    if (hold.expiresAt <= nowMs && which(hold))
      events.push(released(state, hold.holdId, 'expired', new Date(nowMs)));
  }
  return events;
}

function released(
  state: TicketedEventState,
  holdId: string,
  reason: HoldReleased['data']['reason'],
  now: Date,
): HoldReleased {
  const hold = state.holds.get(holdId)!;
  return {
    type: 'HoldReleased',
    data: {
      eventId: state.details!.eventId,
      holdId,
      userId: hold.userId,
      seatIds: hold.seatIds,
      reason,
      releasedAt: now.toISOString(),
    },
  };
}

export function tierOf(state: TicketedEventState, seats: SeatIndex, seatId: string): PricingTier {
  const tierId = state.tierBySection.get(seats.seats.get(seatId)!.sectionId)!;
  return state.details!.tiers.find((t) => t.tierId === tierId)!;
}
