import { fail } from '../shared/errors';
import { tierOf } from '../ticketed-event/decide';
import { assertNotStarted } from '../ticketed-event/sale-window';
import type { TicketedEventState } from '../ticketed-event/state';
import type { SeatIndex } from '../venue/seat-index';
import { currentAttempt, type OrderSeat, type OrderState } from './order';
import { orderTotals, type OrderTotals } from './pricing';

/** What an order of a hold records about it, taken from the event's stream. */
export interface OrderableHold extends OrderTotals {
  eventId: string;
  eventName: string;
  eventDate: string;
  venueName: string;
  seats: OrderSeat[];
}

export interface HoldToOrderFacts {
  /** The event stream's state (the hold as SeatsHeld recorded it, and whether it was sold). */
  event: TicketedEventState;
  /** The state of the order stream this hold's order would be written to. */
  order: OrderState;
  holdId: string;
  buyer: { userId: string; isAdmin: boolean };
  now: Date;
  /** The venue's layout: section names, rows and seat numbers for the order's seats. */
  seats: SeatIndex;
}

/**
 * Whether a hold can be ordered now, decided on the write side: refused when it already has an order
 * (RESERVATION_ALREADY_ORDERED), its event was cancelled (SEATS_GONE) or has started (SALE_NOT_OPEN), or it is no
 * longer live (RESERVATION_EXPIRED: expired or released). The order is charged the prices the hold recorded, plus tax.
 */
export function holdToOrder({ event, order, holdId, buyer, now, seats }: HoldToOrderFacts): OrderableHold {
  const details = event.details;
  if (!details) fail('RESERVATION_NOT_FOUND', 'Reservation not found');
  const hold = event.holds.get(holdId);
  // Someone else's hold is answered exactly like a missing one: ids are not an oracle.
  if (hold && hold.userId !== buyer.userId && !buyer.isAdmin)
    fail('RESERVATION_NOT_FOUND', 'Reservation not found');
  const orderId = order.placed?.orderId ?? event.soldHolds.get(holdId);
  if (orderId !== undefined)
    fail('RESERVATION_ALREADY_ORDERED', 'This reservation already has an order', { order_id: orderId });
  // A cancelled event's holds did not expire: their seats are gone for good, as a new hold would be told.
  if (event.status === 'CANCELLED')
    fail('SEATS_GONE', 'The event was cancelled; its seats are gone for good', { reservation_id: holdId });
  // The hold may outlive the sale: it closes when the event starts, and nobody is charged for a show under way.
  assertNotStarted(details, now.getTime());
  if (!hold || hold.expiresAt <= now.getTime()) {
    // A hold released because its order's payment was declined did not expire: say so, with the gateway's reason,
    // so a retry with the same (declined) card is not mistaken for a slow buyer.
    const declined = !hold ? currentAttempt(order) : undefined;
    if (declined?.status === 'DECLINED')
      fail(
        'RESERVATION_EXPIRED',
        'The reservation was released when its payment was declined; reserve the seats again',
        {
          reservation_id: holdId,
          released_because: 'payment_declined',
          decline_reason: declined.declineReason ?? null,
        },
      );
    fail('RESERVATION_EXPIRED', 'The reservation has expired; reserve the seats again', {
      reservation_id: holdId,
    });
  }
  return {
    eventId: details.eventId,
    eventName: details.name,
    eventDate: details.date,
    venueName: details.venueName,
    seats: hold.seatIds.map((seatId) => {
      const place = seats.seats.get(seatId);
      if (!place) throw new Error(`Seat ${seatId} of hold ${holdId} is not in the venue's layout`);
      const tier = tierOf(event, seats, seatId);
      return {
        seatId,
        section: place.sectionName,
        row: place.row,
        seat: String(place.number),
        priceCents: tier.priceCents,
        feesCents: tier.feesCents,
      };
    }),
    ...orderTotals(hold.subtotalCents, hold.feesCents),
  };
}
