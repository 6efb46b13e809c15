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
import { andThen, docs, eachInOrder, fieldSetter, type Data, type Projection } from './projection';

const set = fieldSetter<PaymentAttemptDoc>(PAYMENT_ATTEMPTS);

/** Open payment attempts (see PaymentAttemptDoc): what the order watchdog looks at for authorizations to release. */
export const paymentAttemptsProjection: Projection = {
  name: 'payment-attempts',
  replayWeight: 0.05,
  handlers: {
    OrderPaymentAuthorizing(event: Data<OrderPaymentAuthorizing>, store) {
      const { orderId, attempt, requestedAt } = event.data;
      return docs.put(store.collection<PaymentAttemptDoc>(PAYMENT_ATTEMPTS), {
        _id: paymentAttemptDocId(orderId, attempt),
        _position: event.position,
        order_id: orderId,
        attempt,
        status: 'AUTHORIZING',
        requested_at: requestedAt,
      });
    },
    OrderPaymentAbandoned(event: Data<OrderPaymentAbandoned>, store) {
      const { orderId, attempt } = event.data;
      return set(store, event, paymentAttemptDocId(orderId, attempt), { status: 'VOID_PENDING' });
    },
    OrderPaymentDeclined(event: Data<OrderPaymentDeclined>, store) {
      const id = paymentAttemptDocId(event.data.orderId, event.data.attempt);
      return docs.delete(store.collection(PAYMENT_ATTEMPTS), id);
    },
    OrderPaymentVoided(event: Data<OrderPaymentVoided>, store) {
      const id = paymentAttemptDocId(event.data.orderId, event.data.attempt);
      return docs.delete(store.collection(PAYMENT_ATTEMPTS), id);
    },
    // The attempt the order was placed with is the one authorizing (OrderPlaced does not name it).
    OrderPlaced(event: Data<OrderPlaced>, store) {
      const attempts = store.collection<PaymentAttemptDoc>(PAYMENT_ATTEMPTS);
      const authorizing = docs.find(attempts, { order_id: event.data.orderId, status: 'AUTHORIZING' });
      return andThen(authorizing, (found) => eachInOrder(found, (doc) => docs.delete(attempts, doc._id)));
    },
  },
};
