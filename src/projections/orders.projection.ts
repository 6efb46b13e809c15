import type { RecordedEvent } from '../application/ports/event-store';
import { COLLECTIONS, OrderDoc } from '../application/read-models/documents';
import type {
  OrderCancelled,
  OrderConfirmed,
  OrderFailed,
  OrderPlaced,
  PaymentCaptured,
  RefundCompleted,
  TicketsIssued,
} from '../domain/order/order';
import type { Projection } from './projection';

type Data<E extends { data: unknown }> = RecordedEvent<E['data']>;

/** Orders by id (and by user, through a filter): what GET /v1/orders/{id} shows. */
export const ordersProjection: Projection = {
  name: 'orders',
  handlers: {
    async OrderPlaced(event: Data<OrderPlaced>, store) {
      const o = event.data;
      await store.collection<OrderDoc>(COLLECTIONS.orders).put({
        _id: o.orderId,
        _position: event.position,
        order_id: o.orderId,
        user_id: o.userId,
        event_id: o.eventId,
        reservation_id: o.reservationId,
        event: { name: o.eventName, date: o.eventDate, venue: o.venueName },
        seats: o.seats.map((s) => ({ seat_id: s.seatId, section: s.section, row: s.row, seat: s.seat })),
        subtotal_cents: o.subtotalCents,
        fees_cents: o.feesCents,
        taxes_cents: o.taxesCents,
        total_cents: o.totalCents,
        status: 'PENDING',
        payment_status: 'AUTHORIZED',
        payment_method_id: o.paymentMethodId,
        delivery_method: o.deliveryMethod,
        tickets: [],
        failure_reason: null,
        refund_amount_cents: null,
        created_at: o.placedAt,
        confirmed_at: null,
        cancelled_at: null,
        refunded_at: null,
      });
    },
    async PaymentCaptured(event: Data<PaymentCaptured>, store) {
      await set(store, event, event.data.orderId, { payment_status: 'CAPTURED' });
    },
    async OrderConfirmed(event: Data<OrderConfirmed>, store) {
      await set(store, event, event.data.orderId, {
        status: 'CONFIRMED',
        confirmed_at: event.data.confirmedAt,
      });
    },
    async OrderFailed(event: Data<OrderFailed>, store) {
      const payment = event.data.authorizationVoided ? { payment_status: 'VOIDED' } : {};
      await set(store, event, event.data.orderId, {
        status: 'FAILED',
        failure_reason: event.data.reason,
        ...payment,
      });
    },
    async TicketsIssued(event: Data<TicketsIssued>, store) {
      const tickets = event.data.tickets.map((t) => ({
        ticket_id: t.ticketId,
        seat_id: t.seatId,
        barcode: t.barcode,
      }));
      await set(store, event, event.data.orderId, { tickets });
    },
    async OrderCancelled(event: Data<OrderCancelled>, store) {
      await set(store, event, event.data.orderId, {
        status: 'CANCELLED',
        payment_status: 'REFUND_PENDING',
        refund_amount_cents: event.data.refundAmountCents,
        cancelled_at: event.data.cancelledAt,
      });
    },
    async RefundCompleted(event: Data<RefundCompleted>, store) {
      await set(store, event, event.data.orderId, {
        payment_status: event.data.voided ? 'VOIDED' : 'REFUNDED',
        refunded_at: event.data.refundedAt,
      });
    },
  },
};

async function set(
  store: Parameters<NonNullable<Projection['handlers'][string]>>[1],
  event: RecordedEvent,
  orderId: string,
  fields: Record<string, unknown>,
) {
  await store
    .collection<OrderDoc>(COLLECTIONS.orders)
    .update(orderId, { $set: fields }, { position: event.position });
}
