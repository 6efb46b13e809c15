import type { HoldReleaseReason, SeatsHeldData } from '../../domain/ticketed-event/events';
import { fromCents } from '../../domain/shared/money';
import type { ReservationDoc } from '../read-models/documents';

/**
 * The one place where the domain's word meets the API's: a seat "hold" (SeatsHeld, HoldSeats, holdId) is a
 * "reservation" (reservation_id) for clients. The read model, the command answer and the query answer are
 * all built here.
 */

/** The reservations read model's document for a hold as SeatsHeld recorded it. */
export function reservationDocOf(held: SeatsHeldData, position?: number): ReservationDoc {
  return {
    _id: held.holdId,
    ...(position === undefined ? {} : { _position: position }),
    reservation_id: held.holdId,
    event_id: held.eventId,
    user_id: held.userId,
    seat_ids: held.seatIds,
    status: 'HELD',
    expires_at: held.expiresAt,
    subtotal_cents: held.subtotalCents,
    fees_cents: held.feesCents,
    created_at: held.heldAt,
    order_id: null,
    released_at: null,
  };
}

/** The reservation status a released hold shows. */
export const RELEASED_STATUS: Record<HoldReleaseReason, ReservationDoc['status']> = {
  released: 'RELEASED',
  expired: 'EXPIRED',
  order_failed: 'RELEASED',
  event_cancelled: 'CANCELLED',
};

/** GET /v1/reservations/{id}: a hold whose time ran out shows EXPIRED before the expiry job releases it. */
export function reservationView(doc: ReservationDoc, now: Date) {
  const expired = doc.status === 'HELD' && Date.parse(doc.expires_at) <= now.getTime();
  return {
    reservation_id: doc.reservation_id,
    event_id: doc.event_id,
    user_id: doc.user_id,
    seat_ids: doc.seat_ids,
    status: expired ? ('EXPIRED' as const) : doc.status,
    expires_at: doc.expires_at,
    total_price: fromCents(doc.subtotal_cents),
    fees: fromCents(doc.fees_cents),
    total: fromCents(doc.subtotal_cents + doc.fees_cents),
    order_id: doc.order_id,
    created_at: doc.created_at,
  };
}

export type ReservationView = ReturnType<typeof reservationView>;

/** POST /v1/seats/reserve answers the seed's subset of the reservation. */
export function newReservationView(held: SeatsHeldData, now: Date) {
  const { reservation_id, event_id, seat_ids, expires_at, total_price, fees, total } = reservationView(
    reservationDocOf(held),
    now,
  );
  return { reservation_id, event_id, seat_ids, expires_at, total_price, fees, total };
}
