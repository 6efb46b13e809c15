import { eventCancellationSaga } from '../../../src/application/sagas/event-cancellation.saga';
import type { SagaAction } from '../../../src/application/sagas/saga';
import { busMessage, workflow } from '../../support/workflow-spec';

const eventCancellation = workflow(eventCancellationSaga);
const message = busMessage('EventCancelled', { eventId: 'e1', cancelledAt: '2030-01-01T00:00:00.000Z' });

const cancel = (orderId: string): SagaAction => ({
  type: 'OrderCommand',
  orderId,
  command: {
    type: 'CancelOrder',
    reason: 'The event was cancelled',
    eventCancelled: true,
    byUserId: 'system',
  },
  onRefused: 'ignore',
});

describe('event cancellation saga', () => {
  it('cancels every confirmed order of the event (a refusal, e.g. cancelled meanwhile, is ignored)', () => {
    eventCancellation
      .given({
        orders: [
          { orderId: 'o1', status: 'CONFIRMED' },
          { orderId: 'o2', status: 'CONFIRMED' },
        ],
      })
      .when(message)
      .then([cancel('o1'), cancel('o2')]);
  });

  it('orders still in payment: the confirmed ones are cancelled now, then the step is retried', () => {
    eventCancellation
      .given({
        orders: [
          { orderId: 'o1', status: 'PENDING' },
          { orderId: 'o2', status: 'CONFIRMED' },
          { orderId: 'o3', status: 'PENDING' },
        ],
      })
      .when(message)
      .then([
        cancel('o2'),
        { type: 'Retry', reason: '2 order(s) of cancelled event e1 still in payment; retrying' },
      ]);
  });

  it('orders already cancelled or failed (the read model lagged behind their streams) are left alone', () => {
    eventCancellation
      .given({
        orders: [
          { orderId: 'o1', status: 'CANCELLED' },
          { orderId: 'o2', status: 'FAILED' },
          { orderId: 'o3', status: undefined },
        ],
      })
      .when(message)
      .thenNothing();
  });

  it('a malformed message is refused; no outcome is ever expected', () => {
    eventCancellation
      .given({ orders: [] })
      .when(busMessage('EventCancelled', {}))
      .thenThrows(/Malformed EventCancelled/);
    eventCancellation
      .given({ orders: [] })
      .when(message)
      .after({ type: 'Refused', command: 'CancelOrder', code: 'X' })
      .thenThrows(/does not expect outcome Refused/);
  });
});
