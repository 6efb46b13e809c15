import type { OrderPlacedData, OrderState } from '../../domain/order/order';
import { fault, issueTickets, unexpected, type Saga, type SagaAction } from './saga';

/**
 * Payment (on OrderPlaced): the seats are sold on the event stream, the authorization captured (and recorded), the
 * tickets issued, then the order confirmed together with its tickets (one append: a confirmed order always has
 * them). Hold expired or event cancelled before the sale: the authorization is voided and the order fails.
 * Capture declined: the seats go back on sale, the authorization is voided and the order fails. The order failed
 * while its tickets were being issued (the watchdog gave up on it): those tickets are voided.
 */
export const paymentSaga: Saga<OrderPlacedData, OrderState> = {
  name: 'payment',

  parse(message) {
    const order = message.data as OrderPlacedData;
    if (!order?.orderId || !order.eventId || !Array.isArray(order.seats))
      throw new Error('Malformed OrderPlaced message');
    return order;
  },

  decide(order, state) {
    // Failed after its capture (the watchdog gave up): tickets this saga may have issued before must not stay valid.
    if (state.status === 'FAILED' && capturedOnce(state)) return [voidTickets(order, 'order_failed')];
    if (state.status !== 'PENDING') return []; // done before (a redelivery)
    // Captured before a crash: the tickets and the confirmation are left.
    if (state.paymentStatus !== 'AUTHORIZED') return issueTickets(order);
    return [
      fault('before-sell'),
      {
        type: 'EventCommand',
        eventId: order.eventId,
        command: {
          type: 'SellHold',
          holdId: order.reservationId,
          orderId: order.orderId,
          totalCents: order.totalCents,
        },
        onRefused: 'react',
      },
      fault('after-sell'),
      {
        type: 'Capture',
        authorizationId: order.authorizationId,
        amountCents: order.totalCents,
        idempotencyKey: `capture:${order.orderId}`,
      },
    ];
  },

  react(outcome, order) {
    switch (outcome.type) {
      case 'Captured':
        return [
          fault('after-capture'),
          {
            type: 'OrderCommand',
            orderId: order.orderId,
            command: { type: 'RecordCapture', captureId: outcome.captureId },
          },
          ...issueTickets(order),
        ];
      case 'TicketsIssued':
        return [
          fault('after-tickets'),
          fault('before-confirm'),
          {
            type: 'OrderCommand',
            orderId: order.orderId,
            command: { type: 'ConfirmOrder', tickets: outcome.tickets },
            onRefused: 'react',
          },
        ];
      case 'Refused':
        // The order failed meanwhile: the tickets just issued are voided (its refund step voids them too).
        if (outcome.command === 'ConfirmOrder' && outcome.code === 'ORDER_NOT_PENDING')
          return [voidTickets(order, 'order_failed')];
        if (outcome.command !== 'SellHold') return unexpected('payment', outcome);
        // The sale was refused (hold expired, event cancelled): nothing was taken.
        return [voidAuthorization(order), failOrder(order, outcome.code)];
      case 'CaptureDeclined':
        return failBeforeCapture(order, `capture_${outcome.reason}`);
      default:
        return unexpected('payment', outcome);
    }
  },
};

/** Whether the order's payment was captured at some point (refunded or owed back since). */
const capturedOnce = (state: OrderState): boolean => state.captureId !== null;

const voidTickets = (order: OrderPlacedData, reason: string): SagaAction => ({
  type: 'VoidTickets',
  orderId: order.orderId,
  seatIds: order.seats.map((seat) => seat.seatId),
  reason,
});

const voidAuthorization = (order: OrderPlacedData): SagaAction => ({
  type: 'VoidAuthorization',
  authorizationId: order.authorizationId,
  idempotencyKey: `void:${order.orderId}`,
});

const failOrder = (order: OrderPlacedData, reason: string): SagaAction => ({
  type: 'OrderCommand',
  orderId: order.orderId,
  command: { type: 'FailOrder', reason, authorizationVoided: true },
});

/**
 * Ends an order before its money was taken (capture declined, or the watchdog gave up on it): seats sold to it go
 * back on sale (a no-op when the sale never happened), the authorization is voided and the order fails.
 */
export const failBeforeCapture = (order: OrderPlacedData, reason: string): SagaAction[] => [
  { type: 'EventCommand', eventId: order.eventId, command: { type: 'ReturnSeats', orderId: order.orderId } },
  voidAuthorization(order),
  failOrder(order, reason),
];
