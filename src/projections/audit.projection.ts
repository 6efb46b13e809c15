import type { RecordedEvent } from '../application/ports/event-store';
import type { ReadStore } from '../application/ports/read-store';
import {
  AUDIT_COLLECTIONS,
  seatKey,
  type AuditOrderDoc,
  type AuditPositionsDoc,
  type AuditTicketDoc,
} from '../application/audit/audit-index';
import type { OrderPlaced } from '../domain/order/order';
import type { TicketIssued } from '../domain/ticket/ticket';
import type { SeatMovement } from './projection';
import type { Data, Projection } from './projection';

/**
 * The auditors' index: log positions by correlation id and by seat, so following one purchase or one seat costs
 * the events it names, not a scan of a log of millions. Positions are appended with `$push`, guarded by the
 * event's position (a replayed event changes nothing).
 *
 * A seat's history: the moves of the seat on its event's stream (held, released with the reason, sold, returned),
 * the events of every order that bought it (placed, captured, confirmed, cancelled, refunded, tickets issued)
 * and the events of every ticket issued for it (issued, transfer requested, transferred, cancelled, voided).
 */
const SEAT_MOVES: ReadonlyArray<SeatMovement['type']> = [
  'SeatsHeld',
  'HoldReleased',
  'SeatsSold',
  'SeatsReturned',
];
const TICKET_EVENTS = ['TransferRequested', 'TicketTransferred', 'TransferCancelled', 'TicketVoided'];

/** Hands back the store's promise instead of awaiting it in an async layer of its own: every event comes here. */
function addPosition(
  store: ReadStore,
  collection: string,
  id: string,
  event: RecordedEvent,
): Promise<boolean> {
  return store
    .collection<AuditPositionsDoc>(collection)
    .update(id, { $push: { positions: event.position } }, { position: event.position, upsert: true });
}

async function addToSeats(store: ReadStore, eventId: string, seatIds: string[], event: RecordedEvent) {
  for (const seatId of seatIds)
    await addPosition(store, AUDIT_COLLECTIONS.seats, seatKey(eventId, seatId), event);
}

export const auditProjection: Projection = {
  name: 'audit-index',
  handlers: {
    // Every event: by its correlation id; then, when it concerns seats, by seat.
    async '*'(event: RecordedEvent, store) {
      const correlationId = event.metadata?.correlationId;
      if (typeof correlationId === 'string' && correlationId)
        await addPosition(store, AUDIT_COLLECTIONS.correlations, correlationId, event);

      // The seats the event concerns, if any; their pushes are awaited once at the end (each await layer and
      // each promise returned from an async function costs microtasks, on every event of a rebuild).
      const data = event.data as Record<string, unknown>;
      let seats: { eventId: string; seatIds: string[] } | undefined;
      if (SEAT_MOVES.includes(event.type as SeatMovement['type'])) {
        seats = (event as Data<SeatMovement>).data;
      } else if (event.type === 'OrderPlaced') {
        const { orderId, eventId, seats: ordered } = (event as Data<OrderPlaced>).data;
        const seatIds = ordered.map((s) => s.seatId);
        await store
          .collection<AuditOrderDoc>(AUDIT_COLLECTIONS.orders)
          .put({ _id: orderId, _position: event.position, event_id: eventId, seat_ids: seatIds });
        seats = { eventId, seatIds };
      } else if (event.type === 'TicketIssued') {
        const { ticketId, eventId, seatId } = (event as Data<TicketIssued>).data;
        await store
          .collection<AuditTicketDoc>(AUDIT_COLLECTIONS.tickets)
          .put({ _id: ticketId, _position: event.position, event_id: eventId, seat_id: seatId });
        seats = { eventId, seatIds: [seatId] };
      } else if (TICKET_EVENTS.includes(event.type) && typeof data.ticketId === 'string') {
        const ticket = await store.collection<AuditTicketDoc>(AUDIT_COLLECTIONS.tickets).get(data.ticketId);
        if (ticket) seats = { eventId: ticket.event_id, seatIds: [ticket.seat_id] };
      } else if (event.streamName.startsWith('order-') && typeof data.orderId === 'string') {
        // Any other event of an order stream (captured, confirmed, failed, cancelled, refunded, tickets issued).
        const order = await store.collection<AuditOrderDoc>(AUDIT_COLLECTIONS.orders).get(data.orderId);
        if (order) seats = { eventId: order.event_id, seatIds: order.seat_ids };
      }
      if (seats) await addToSeats(store, seats.eventId, seats.seatIds, event);
    },
  },
};
