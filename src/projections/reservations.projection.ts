import type { HoldExtended, HoldReleased, SeatsHeld, SeatsSold } from '../domain/ticketed-event/events';
import { docs, fieldSetter, type Data, type Projection } from './projection';
import { COLLECTIONS, ReservationDoc } from '../application/read-models/documents';
import { RELEASED_STATUS, reservationDocOf } from '../application/reservations/reservation-view';

const setReservation = fieldSetter<ReservationDoc>(COLLECTIONS.reservations);

/** Reservations (seat holds) by id: for GET /v1/reservations/{id} and the expiry job. */
export const reservationsProjection: Projection = {
  name: 'reservations',
  replayWeight: 0.5,
  handlers: {
    SeatsHeld(event: Data<SeatsHeld>, store) {
      return docs.put(
        store.collection<ReservationDoc>(COLLECTIONS.reservations),
        reservationDocOf(event.data, event.position),
      );
    },
    HoldExtended(event: Data<HoldExtended>, store) {
      const { holdId, expiresAt } = event.data;
      return setReservation(store, event, holdId, { expires_at: expiresAt });
    },
    HoldReleased(event: Data<HoldReleased>, store) {
      const { holdId, reason, releasedAt } = event.data;
      return setReservation(store, event, holdId, {
        status: RELEASED_STATUS[reason],
        released_at: releasedAt,
      });
    },
    SeatsSold(event: Data<SeatsSold>, store) {
      const { holdId, orderId } = event.data;
      return setReservation(store, event, holdId, { status: 'SOLD', order_id: orderId });
    },
  },
};
