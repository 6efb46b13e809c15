import type { RecordedEvent } from '../application/ports/event-store';
import type { ReadStore } from '../application/ports/read-store';
import {
  AUDIT_COLLECTIONS,
  seatKey,
  type AuditHoldDoc,
  type AuditOrderDoc,
  type AuditPositionsDoc,
  type AuditTicketDoc,
} from '../application/audit/audit-index';
import type { OrderPaymentAuthorizing, OrderPlaced } from '../domain/order/order';
import type { HoldExtended } from '../domain/ticketed-event/events';
import type { TicketIssued } from '../domain/ticket/ticket';
import {
  andThen,
  docs,
  eachInOrder,
  type Awaitable,
  type Data,
  type Projection,
  type SeatMovement,
} from './projection';

/**
 * The auditors' index: log positions by correlation id and by seat, so following one purchase or one seat costs
 * the events it names, not a scan of a log of millions. Positions are appended with `$push`, guarded by the
 * event's position (a replayed event changes nothing).
 *
 * A seat's history: the moves of the seat on its event's stream (held, extended for an order's
 * checkout, released with the reason, sold, returned),
 * the events of every order that bought it (placed, captured, confirmed, cancelled, refunded, tickets issued;
 * an order event that names one ticket, a transfer started, only under that ticket's seat) and the events of
 * every ticket issued for it (issued, transfer requested, transferred, cancelled, voided).
 */
const SEAT_MOVES: ReadonlyArray<SeatMovement['type'] | HoldExtended['type']> = [
  'SeatsHeld',
  'HoldExtended',
  'HoldReleased',
  'SeatsSold',
  'SeatsReturned',
];
const TICKET_EVENTS = ['TransferRequested', 'TicketTransferred', 'TransferCancelled', 'TicketVoided'];

/** Hands back the store's answer instead of awaiting it in a layer of its own: every event comes here. */
function addPosition(
  store: ReadStore,
  collection: string,
  id: string,
  event: RecordedEvent,
): Awaitable<void> {
  return docs.update(
    store.collection<AuditPositionsDoc>(collection),
    id,
    { $push: { positions: event.position } },
    { position: event.position, upsert: true },
  );
}

type Seats = { eventId: string; seatIds: string[] } | undefined;

function addToSeats(store: ReadStore, seats: Seats, event: RecordedEvent): Awaitable<void> {
  if (!seats) return;
  return eachInOrder(seats.seatIds, (seatId) =>
    addPosition(store, AUDIT_COLLECTIONS.seats, seatKey(seats.eventId, seatId), event),
  );
}

/**
 * The seats the event concerns, if any, and the entries that find them later: an order's seats when it is
 * placed, a ticket's seat when it is issued; other order and ticket events are looked up there.
 */
function seatsOf(store: ReadStore, event: RecordedEvent): Awaitable<Seats> {
  const data = event.data as Record<string, unknown>;
  if (SEAT_MOVES.includes(event.type as SeatMovement['type'])) {
    const moved = (event as Data<SeatMovement>).data;
    return andThen(trackHold(store, event as Data<SeatMovement>), () => moved);
  }
  if (event.type === 'OrderPaymentAuthorizing') {
    // The order's first event: it names its hold, whose seats the hold index knows; later attempts, declines and
    // voids then find the order's seats as its other events do.
    const { orderId, holdId } = (event as Data<OrderPaymentAuthorizing>).data;
    const holds = store.collection<AuditHoldDoc>(AUDIT_COLLECTIONS.holds);
    return andThen(docs.get(holds, holdId), (hold) => {
      if (!hold) return undefined; // a hold from before this index kept holds: the order is filed when placed
      const orders = store.collection<AuditOrderDoc>(AUDIT_COLLECTIONS.orders);
      const put = docs.put(orders, {
        _id: orderId,
        _position: event.position,
        event_id: hold.event_id,
        seat_ids: hold.seat_ids,
      });
      return andThen(put, () => ({ eventId: hold.event_id, seatIds: hold.seat_ids }));
    });
  }
  if (event.type === 'OrderPlaced') {
    const { orderId, eventId, seats: ordered } = (event as Data<OrderPlaced>).data;
    const seatIds = ordered.map((s) => s.seatId);
    const orders = store.collection<AuditOrderDoc>(AUDIT_COLLECTIONS.orders);
    const put = docs.put(orders, {
      _id: orderId,
      _position: event.position,
      event_id: eventId,
      seat_ids: seatIds,
    });
    return andThen(put, () => ({ eventId, seatIds }));
  }
  if (event.type === 'TicketIssued') {
    const { ticketId, eventId, seatId } = (event as Data<TicketIssued>).data;
    const tickets = store.collection<AuditTicketDoc>(AUDIT_COLLECTIONS.tickets);
    const put = docs.put(tickets, {
      _id: ticketId,
      _position: event.position,
      event_id: eventId,
      seat_id: seatId,
    });
    return andThen(put, () => ({ eventId, seatIds: [seatId] }));
  }
  const ofOrder = event.streamName.startsWith('order-');
  // A ticket's events, and an order's events about one of its tickets (TicketTransferStarted): that ticket's seat
  // only, never the order's other seats.
  if ((ofOrder || TICKET_EVENTS.includes(event.type)) && typeof data.ticketId === 'string')
    return seatOfTicket(store, data.ticketId);
  if (ofOrder && typeof data.orderId === 'string') {
    // Any other event of an order stream (captured, confirmed, failed, cancelled, refunded, tickets issued).
    const orders = store.collection<AuditOrderDoc>(AUDIT_COLLECTIONS.orders);
    return andThen(docs.get(orders, data.orderId), (order) =>
      order ? { eventId: order.event_id, seatIds: order.seat_ids } : undefined,
    );
  }
  return undefined;
}

/** The hold index follows the holds: kept from SeatsHeld until the hold is sold or released. */
function trackHold(store: ReadStore, event: Data<SeatMovement>): Awaitable<void> {
  const holds = store.collection<AuditHoldDoc>(AUDIT_COLLECTIONS.holds);
  // Only SeatsHeld, SeatsSold and HoldReleased change it (SeatsReturned names no hold; HoldExtended keeps the seats).
  const { holdId, eventId, seatIds } = event.data as { holdId: string; eventId: string; seatIds: string[] };
  if (event.type === 'SeatsHeld')
    return docs.put(holds, { _id: holdId, _position: event.position, event_id: eventId, seat_ids: seatIds });
  if (event.type === 'SeatsSold' || event.type === 'HoldReleased') return docs.delete(holds, holdId);
}

/** The seat a ticket is for, as its TicketIssued recorded it (a ticket is issued before anything names it). */
function seatOfTicket(store: ReadStore, ticketId: string): Awaitable<Seats> {
  const tickets = store.collection<AuditTicketDoc>(AUDIT_COLLECTIONS.tickets);
  return andThen(docs.get(tickets, ticketId), (ticket) =>
    ticket ? { eventId: ticket.event_id, seatIds: [ticket.seat_id] } : undefined,
  );
}

/**
 * Two read models, as their collections are independent: by correlation (every event) and by seat (the events that
 * concern seats, with the order, ticket and hold entries that find them). Apart, a replay spreads them over two
 * threads: together they were the longest share.
 */
export const auditCorrelationsProjection: Projection = {
  name: 'audit-correlations',
  // Every event, one entry each.
  replayWeight: 0.8,
  handlers: {
    '*'(event: RecordedEvent, store) {
      const correlationId = event.metadata?.correlationId;
      if (typeof correlationId === 'string' && correlationId)
        return addPosition(store, AUDIT_COLLECTIONS.correlations, correlationId, event);
    },
  },
};

export const auditSeatsProjection: Projection = {
  name: 'audit-seats',
  // One entry per seat an event names, and the lookups that find them: the heaviest read model.
  replayWeight: 1.9,
  handlers: {
    '*'(event: RecordedEvent, store) {
      return andThen(seatsOf(store, event), (seats) => addToSeats(store, seats, event));
    },
  },
};
