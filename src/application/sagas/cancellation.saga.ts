import type { OrderCancelled, OrderState } from '../../domain/order/order';
import { fault, unexpected, type Saga, type SagaAction } from './saga';

/**
 * Cancellation (on OrderCancelled; the watchdog also drives it for a failed order whose captured payment is
 * owed back): the payment is refunded (or, never captured, the authorization voided), the seats go back on sale,
 * the order's tickets are voided, and then the refund is recorded: an order shown REFUNDED has nothing left to do.
 */
export const cancellationSaga: Saga<OrderCancelled['data'], OrderState> = {
  name: 'cancellation',

  parse(message) {
    const cancelled = message.data as OrderCancelled['data'];
    if (!cancelled?.orderId) throw new Error('Malformed OrderCancelled message');
    return cancelled;
  },

  decide(cancelled, state) {
    if (state.paymentStatus !== 'REFUND_PENDING') return release(cancelled, state);
    if (state.captureId)
      return [
        {
          type: 'Refund',
          captureId: state.captureId,
          amountCents: cancelled.refundAmountCents,
          idempotencyKey: `refund:${cancelled.orderId}`,
        },
      ];
    return [
      {
        type: 'VoidAuthorization',
        authorizationId: cancelled.authorizationId,
        idempotencyKey: `void:${cancelled.orderId}`,
      },
      ...release(cancelled, state),
      recordRefund(cancelled, null),
    ];
  },

  react(outcome, cancelled, state) {
    if (outcome.type !== 'Refunded') return unexpected('cancellation', outcome);
    return [fault('after-refund'), ...release(cancelled, state), recordRefund(cancelled, outcome.refundId)];
  },
};

const recordRefund = (cancelled: OrderCancelled['data'], refundId: string | null): SagaAction => ({
  type: 'OrderCommand',
  orderId: cancelled.orderId,
  command: { type: 'RecordRefund', refundId, voided: refundId === null },
});

/**
 * Seats back on sale, tickets void. Every seat of the order is named: this also voids tickets issued by a
 * fulfillment that crashed before recording them on the order (ids never issued are skipped).
 */
const release = (cancelled: OrderCancelled['data'], state: OrderState): SagaAction[] => [
  {
    type: 'EventCommand',
    eventId: cancelled.eventId,
    command: { type: 'ReturnSeats', orderId: cancelled.orderId },
  },
  {
    type: 'VoidTickets',
    orderId: cancelled.orderId,
    seatIds: (state.placed?.seats ?? []).map((seat) => seat.seatId),
    reason: 'order_cancelled',
  },
];
