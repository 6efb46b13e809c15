import type { RecordedEvent } from '../application/ports/event-store';
import type { HoldReleased, SeatsHeld, SeatsSold } from '../domain/ticketed-event/events';
import type { Projection } from './projection';
import { COLLECTIONS, ReservationDoc } from '../application/read-models/documents';

type Data<E extends { data: unknown }> = RecordedEvent<E['data']>;

const RELEASE_STATUS: Record<HoldReleased['data']['reason'], ReservationDoc['status']> = {
  released: 'RELEASED',
  expired: 'EXPIRED',
  order_failed: 'RELEASED',
  event_cancelled: 'CANCELLED',
};

/** Reservations (seat holds) by id: for GET /v1/reservations/{id} and the expiry job. */
export const reservationsProjection: Projection = {
  name: 'reservations',
  handlers: {
    async SeatsHeld(event: Data<SeatsHeld>, store) {
      const h = event.data;
      await store.collection<ReservationDoc>(COLLECTIONS.reservations).put({
        _id: h.holdId,
        _position: event.position,
        reservation_id: h.holdId,
        event_id: h.eventId,
        user_id: h.userId,
        seat_ids: h.seatIds,
        status: 'HELD',
        expires_at: h.expiresAt,
        subtotal_cents: h.subtotalCents,
        fees_cents: h.feesCents,
        created_at: h.heldAt,
        order_id: null,
        released_at: null,
      });
    },
    async HoldReleased(event: Data<HoldReleased>, store) {
      await store
        .collection<ReservationDoc>(COLLECTIONS.reservations)
        .update(
          event.data.holdId,
          { $set: { status: RELEASE_STATUS[event.data.reason], released_at: event.data.releasedAt } },
          { position: event.position },
        );
    },
    async SeatsSold(event: Data<SeatsSold>, store) {
      await store
        .collection<ReservationDoc>(COLLECTIONS.reservations)
        .update(
          event.data.holdId,
          { $set: { status: 'SOLD', order_id: event.data.orderId } },
          { position: event.position },
        );
    },
  },
};
