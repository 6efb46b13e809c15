import type { OrderConfirmed, OrderState } from '../../domain/order/order';
import { fault, unexpected, type Saga } from './saga';

/** Fulfillment (on OrderConfirmed): the tickets are issued, then recorded on the order. */
export const fulfillmentSaga: Saga<OrderConfirmed['data'], OrderState> = {
  name: 'fulfillment',

  parse(message) {
    const order = message.data as OrderConfirmed['data'];
    if (!order?.orderId || !Array.isArray(order.seats)) throw new Error('Malformed OrderConfirmed message');
    return order;
  },

  decide(order, state) {
    if (state.tickets.length > 0 || state.status !== 'CONFIRMED') return []; // done before, or cancelled
    return [
      fault('before-tickets'),
      {
        type: 'IssueTickets',
        order: {
          orderId: order.orderId,
          eventId: order.eventId,
          userId: order.userId,
          eventName: order.eventName,
          eventDate: order.eventDate,
          venueName: order.venueName,
          seats: order.seats.map(({ seatId, section, row, seat }) => ({ seatId, section, row, seat })),
        },
      },
    ];
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
