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
import { docs, fieldSetter, type Data, type Projection } from './projection';

const set = fieldSetter<OrderDoc>(COLLECTIONS.orders);

/** Orders by id (and by user, through a filter): what GET /v1/orders/{id} shows. */
export const ordersProjection: Projection = {
  name: 'orders',
  replayWeight: 0.6,
  handlers: {
    OrderPlaced(event: Data<OrderPlaced>, store) {
      return docs.put(store.collection<OrderDoc>(COLLECTIONS.orders), orderDocOf(event.data, event.position));
    },
    PaymentCaptured(event: Data<PaymentCaptured>, store) {
      return set(store, event, event.data.orderId, { payment_status: 'CAPTURED' });
    },
    OrderConfirmed(event: Data<OrderConfirmed>, store) {
      return set(store, event, event.data.orderId, {
        status: 'CONFIRMED',
        confirmed_at: event.data.confirmedAt,
      });
    },
    OrderFailed(event: Data<OrderFailed>, store) {
      const payment = event.data.refundDue
        ? { payment_status: 'REFUND_PENDING' as const }
        : event.data.authorizationVoided
          ? { payment_status: 'VOIDED' as const }
          : {};
      return set(store, event, event.data.orderId, {
        status: 'FAILED',
        failure_reason: event.data.reason,
        ...payment,
      });
    },
    TicketsIssued(event: Data<TicketsIssued>, store) {
      const tickets = event.data.tickets.map((t) => ({
        ticket_id: t.ticketId,
        seat_id: t.seatId,
        barcode: t.barcode,
      }));
      return set(store, event, event.data.orderId, { tickets });
    },
    OrderCancelled(event: Data<OrderCancelled>, store) {
      return set(store, event, event.data.orderId, {
        status: 'CANCELLED',
        payment_status: 'REFUND_PENDING',
        refund_amount_cents: event.data.refundAmountCents,
        cancelled_at: event.data.cancelledAt,
      });
    },
    RefundCompleted(event: Data<RefundCompleted>, store) {
      return set(store, event, event.data.orderId, {
        payment_status: event.data.voided ? 'VOIDED' : 'REFUNDED',
        refunded_at: event.data.refundedAt,
      });
    },
  },
};
