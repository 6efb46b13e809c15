import type { OrderStatus } from '../../domain/order/order';
import type { Saga, SagaAction } from './saga';

export interface EventCancellationInput {
  eventId: string;
}

/** The event's orders that may still need cancelling, each with its status as its own stream says. */
export interface EventOrders {
  orders: Array<{ orderId: string; status?: OrderStatus }>;
}

/**
 * Event cancellation (on EventCancelled): every confirmed order of the event is cancelled (which starts its
 * refund). Orders still in payment either fail (their seats can no longer be sold) or confirm: the step is
 * retried until none is left pending, and the retry cancels the ones that confirmed.
 */
export const eventCancellationSaga: Saga<EventCancellationInput, EventOrders> = {
  name: 'event-cancellation',

  parse(message) {
    const data = message.data as { eventId?: string };
    if (!data?.eventId) throw new Error('Malformed EventCancelled message');
    return { eventId: data.eventId };
  },

  decide({ eventId }, { orders }) {
    const actions: SagaAction[] = orders
      .filter((order) => order.status === 'CONFIRMED')
      .map((order) => ({
        type: 'OrderCommand',
        orderId: order.orderId,
        command: {
          type: 'CancelOrder',
          reason: 'The event was cancelled',
          eventCancelled: true,
          byUserId: 'system',
        },
        // Cancelled meanwhile (by its buyer): nothing left to do for it.
        onRefused: 'ignore',
      }));
    const pending = orders.filter((order) => order.status === 'PENDING').length;
    if (pending > 0)
      actions.push({
        type: 'Retry',
        reason: `${pending} order(s) of cancelled event ${eventId} still in payment; retrying`,
      });
    return actions;
  },

  react(outcome) {
    throw new Error(`The event-cancellation saga does not expect outcome ${outcome.type}`);
  },
};
