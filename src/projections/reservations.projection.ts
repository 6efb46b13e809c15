import type { HoldReleased, SeatsHeld, SeatsSold } from '../domain/ticketed-event/events';
import { fieldSetter, type Data, type Projection } from './projection';
import { COLLECTIONS, ReservationDoc } from '../application/read-models/documents';
import { RELEASED_STATUS, reservationDocOf } from '../application/reservations/reservation-view';

const setReservation = fieldSetter<ReservationDoc>(COLLECTIONS.reservations);

/** Reservations (seat holds) by id: for GET /v1/reservations/{id} and the expiry job. */
export const reservationsProjection: Projection = {
  name: 'reservations',
  handlers: {
    async SeatsHeld(event: Data<SeatsHeld>, store) {
      await store
        .collection<ReservationDoc>(COLLECTIONS.reservations)
        .put(reservationDocOf(event.data, event.position));
    },
    async HoldReleased(event: Data<HoldReleased>, store) {
      const { holdId, reason, releasedAt } = event.data;
      await setReservation(store, event, holdId, {
        status: RELEASED_STATUS[reason],
        released_at: releasedAt,
      });
    },
    async SeatsSold(event: Data<SeatsSold>, store) {
      const { holdId, orderId } = event.data;
      await setReservation(store, event, holdId, { status: 'SOLD', order_id: orderId });
    },
  },
};
