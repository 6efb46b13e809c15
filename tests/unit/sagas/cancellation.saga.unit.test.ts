import { cancellationSaga } from '../../../src/application/sagas/cancellation.saga';
import type { SagaAction } from '../../../src/application/sagas/saga';
import type { OrderEvent } from '../../../src/domain/order/order';
import { busMessage, orderAfter, workflow } from '../../support/workflow-spec';
import {
  cancelled,
  cancelledData,
  captured,
  confirmed,
  failedRefundDue,
  orderPlaced,
  refunded,
  ticketsIssued,
} from './order-fixtures';

const cancellation = workflow(cancellationSaga);
const afterCapture = busMessage('OrderCancelled', cancelledData('cap_1'));

const release: SagaAction[] = [
  { type: 'EventCommand', eventId: 'e1', command: { type: 'ReturnSeats', orderId: 'o1' } },
  // Every seat of the order, recorded tickets or not: a crashed fulfillment may have issued some.
  { type: 'VoidTickets', orderId: 'o1', seatIds: ['s1:A:1', 's1:A:2'], reason: 'order_cancelled' },
];

describe('cancellation saga', () => {
  it('a captured payment is refunded (by the capture, for the amount the cancellation names)', () => {
    cancellation
      .given(orderAfter(orderPlaced, captured, confirmed, ticketsIssued, cancelled))
      .when(afterCapture)
      .then([{ type: 'Refund', captureId: 'cap_1', amountCents: 24800, idempotencyKey: 'refund:o1' }]);
  });

  it('refunded: the seats go back and the tickets are voided, then the refund is recorded (REFUNDED = all done)', () => {
    cancellation
      .given(orderAfter(orderPlaced, captured, confirmed, ticketsIssued, cancelled))
      .when(afterCapture)
      .after({ type: 'Refunded', refundId: 're_1' })
      .then([
        { type: 'Fault', point: 'after-refund' },
        ...release,
        {
          type: 'OrderCommand',
          orderId: 'o1',
          command: { type: 'RecordRefund', refundId: 're_1', voided: false },
        },
      ]);
  });

  it('never captured: the authorization is voided instead of refunded', () => {
    // A pending order cannot be cancelled today; the step still handles a cancellation recorded before capture.
    const beforeCapture: OrderEvent = { type: 'OrderCancelled', data: cancelledData(null) };
    cancellation
      .given(orderAfter(orderPlaced, beforeCapture))
      .when(busMessage('OrderCancelled', cancelledData(null)))
      .then([
        { type: 'VoidAuthorization', authorizationId: 'auth_1', idempotencyKey: 'void:o1' },
        ...release,
        {
          type: 'OrderCommand',
          orderId: 'o1',
          command: { type: 'RecordRefund', refundId: null, voided: true },
        },
      ]);
  });

  it('redelivery after the refund was recorded: no second refund; seats and tickets again (idempotent)', () => {
    cancellation
      .given(orderAfter(orderPlaced, captured, confirmed, ticketsIssued, cancelled, refunded))
      .when(afterCapture)
      .then(release);
  });

  it('a failed order whose capture is owed back (watchdog) is refunded the same way', () => {
    cancellation
      .given(orderAfter(orderPlaced, captured, failedRefundDue))
      .when(afterCapture)
      .then([{ type: 'Refund', captureId: 'cap_1', amountCents: 24800, idempotencyKey: 'refund:o1' }]);
  });

  it('a malformed message is refused; an unexpected outcome is a programming error', () => {
    cancellation
      .given(orderAfter())
      .when(busMessage('OrderCancelled', {}))
      .thenThrows(/Malformed OrderCancelled/);
    cancellation
      .given(orderAfter(orderPlaced, captured, confirmed, cancelled))
      .when(afterCapture)
      .after({ type: 'Captured', captureId: 'x' })
      .thenThrows(/does not expect outcome Captured/);
  });
});
