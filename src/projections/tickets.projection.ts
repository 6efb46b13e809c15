import { COLLECTIONS, type TicketDoc, type TransferDoc } from '../application/read-models/documents';
import type {
  TicketIssued,
  TicketTransferred,
  TicketVoided,
  TransferCancelled,
  TransferRequested,
} from '../domain/ticket/ticket';
import { andThen, docs, fieldSetter, inOrder, type Data, type Projection } from './projection';

const setTicket = fieldSetter<TicketDoc>(COLLECTIONS.tickets);
const setTransfer = fieldSetter<TransferDoc>(COLLECTIONS.transfers);

/**
 * Tickets (what GET /v1/tickets shows, per holder) and transfers (to find a transfer's ticket by its id).
 * Every write passes the event's position, so replaying an event changes nothing.
 */
export const ticketsProjection: Projection = {
  name: 'tickets',
  replayWeight: 0.4,
  handlers: {
    TicketIssued(event: Data<TicketIssued>, store) {
      const t = event.data;
      return docs.put(store.collection<TicketDoc>(COLLECTIONS.tickets), {
        _id: t.ticketId,
        _position: event.position,
        ticket_id: t.ticketId,
        order_id: t.orderId,
        event_id: t.eventId,
        owner_user_id: t.ownerUserId,
        seat_id: t.seatId,
        event_name: t.eventName,
        event_date: t.eventDate,
        venue: t.venueName,
        section: t.section,
        row: t.row,
        seat: t.seat,
        barcode: t.barcode,
        status: 'ACTIVE',
        transferable: true,
        pending_transfer: null,
        previous_ticket_id: t.previousTicketId,
        next_ticket_id: null,
        created_at: t.issuedAt,
        voided_at: null,
      });
    },

    TransferRequested(event: Data<TransferRequested>, store) {
      const t = event.data;
      const transfer = docs.put(store.collection<TransferDoc>(COLLECTIONS.transfers), {
        _id: t.transferId,
        _position: event.position,
        transfer_id: t.transferId,
        ticket_id: t.ticketId,
        from_user_id: t.fromUserId,
        recipient_email: t.recipientEmail,
        recipient_name: t.recipientName,
        status: 'PENDING',
        expires_at: t.expiresAt,
        new_ticket_id: null,
        created_at: t.requestedAt,
      });
      return andThen(transfer, () =>
        setTicket(store, event, t.ticketId, {
          transferable: false,
          pending_transfer: { transfer_id: t.transferId, expires_at: t.expiresAt },
        }),
      );
    },

    TicketTransferred(event: Data<TicketTransferred>, store) {
      const t = event.data;
      return inOrder(
        () => setTransfer(store, event, t.transferId, { status: 'ACCEPTED', new_ticket_id: t.newTicketId }),
        () =>
          setTicket(store, event, t.ticketId, {
            status: 'TRANSFERRED',
            transferable: false,
            pending_transfer: null,
            next_ticket_id: t.newTicketId,
          }),
      );
    },

    TransferCancelled(event: Data<TransferCancelled>, store) {
      const t = event.data;
      return inOrder(
        () => setTransfer(store, event, t.transferId, { status: 'CANCELLED' }),
        // Only an ACTIVE ticket has a transfer to cancel (voiding cancels it first, then voids).
        () => setTicket(store, event, t.ticketId, { transferable: true, pending_transfer: null }),
      );
    },

    TicketVoided(event: Data<TicketVoided>, store) {
      const t = event.data;
      return setTicket(store, event, t.ticketId, {
        status: 'VOID',
        transferable: false,
        pending_transfer: null,
        voided_at: t.voidedAt,
      });
    },
  },
};
