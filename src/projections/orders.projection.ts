import { orderDocOf } from '../application/orders/order-view';
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
import { fieldSetter, type Data, type Projection } from './projection';

const set = fieldSetter<OrderDoc>(COLLECTIONS.orders);

/** Orders by id (and by user, through a filter): what GET /v1/orders/{id} shows. */
export const ordersProjection: Projection = {
  name: 'orders',
  handlers: {
    async OrderPlaced(event: Data<OrderPlaced>, store) {
      await store.collection<OrderDoc>(COLLECTIONS.orders).put(orderDocOf(event.data, event.position));
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
      const payment = event.data.refundDue
        ? { payment_status: 'REFUND_PENDING' as const }
        : event.data.authorizationVoided
          ? { payment_status: 'VOIDED' as const }
          : {};
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
