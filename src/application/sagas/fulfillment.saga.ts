import type { OrderConfirmed, OrderState } from '../../domain/order/order';
import { fault, issueTickets, unexpected, type Saga } from './saga';

/**
 * Fulfillment (on OrderConfirmed): the tickets are issued, then recorded on the order. Since the payment saga
 * confirms an order together with its tickets, this finishes only orders that earlier versions confirmed first
 * (their logs, or their OrderConfirmed messages still queued); the watchdog drives those.
 */
export const fulfillmentSaga: Saga<OrderConfirmed['data'], OrderState> = {
  name: 'fulfillment',

  parse(message) {
    const order = message.data as OrderConfirmed['data'];
    if (!order?.orderId || !Array.isArray(order.seats)) throw new Error('Malformed OrderConfirmed message');
    return order;
  },

  decide(order, state) {
    if (state.tickets.length > 0 || state.status !== 'CONFIRMED') return []; // done before, or cancelled
    return issueTickets(order);
  },

  react(outcome, order) {
    if (outcome.type !== 'TicketsIssued') return unexpected('fulfillment', outcome);
    return [
      fault('after-tickets'),
      {
        type: 'OrderCommand',
        orderId: order.orderId,
        command: { type: 'RecordTickets', tickets: outcome.tickets },
      },
    ];
  },
};
