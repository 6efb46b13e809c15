import {
  PAYMENT_ATTEMPTS,
  paymentAttemptDocId,
  type PaymentAttemptDoc,
} from '../application/orders/payment-attempts';
import type {
  OrderPaymentAbandoned,
  OrderPaymentAuthorizing,
  OrderPaymentDeclined,
  OrderPaymentVoided,
  OrderPlaced,
} from '../domain/order/order';
import { fieldSetter, type Data, type Projection } from './projection';

const set = fieldSetter<PaymentAttemptDoc>(PAYMENT_ATTEMPTS);

/** Open payment attempts (see PaymentAttemptDoc): what the order watchdog looks at for authorizations to release. */
export const paymentAttemptsProjection: Projection = {
  name: 'payment-attempts',
  handlers: {
    async OrderPaymentAuthorizing(event: Data<OrderPaymentAuthorizing>, store) {
      const { orderId, attempt, requestedAt } = event.data;
      await store.collection<PaymentAttemptDoc>(PAYMENT_ATTEMPTS).put({
        _id: paymentAttemptDocId(orderId, attempt),
        _position: event.position,
        order_id: orderId,
        attempt,
        status: 'AUTHORIZING',
        requested_at: requestedAt,
      });
    },
    async OrderPaymentAbandoned(event: Data<OrderPaymentAbandoned>, store) {
      const { orderId, attempt } = event.data;
      await set(store, event, paymentAttemptDocId(orderId, attempt), { status: 'VOID_PENDING' });
    },
    async OrderPaymentDeclined(event: Data<OrderPaymentDeclined>, store) {
      await store
        .collection(PAYMENT_ATTEMPTS)
        .delete(paymentAttemptDocId(event.data.orderId, event.data.attempt));
    },
    async OrderPaymentVoided(event: Data<OrderPaymentVoided>, store) {
      await store
        .collection(PAYMENT_ATTEMPTS)
        .delete(paymentAttemptDocId(event.data.orderId, event.data.attempt));
    },
    // The attempt the order was placed with is the one authorizing (OrderPlaced does not name it).
    async OrderPlaced(event: Data<OrderPlaced>, store) {
      const attempts = store.collection<PaymentAttemptDoc>(PAYMENT_ATTEMPTS);
      for (const doc of await attempts.find({ order_id: event.data.orderId, status: 'AUTHORIZING' }))
        await attempts.delete(doc._id);
    },
  },
};
