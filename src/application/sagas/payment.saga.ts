import type { OrderPlacedData, OrderState } from '../../domain/order/order';
import { fault, unexpected, type Saga, type SagaAction } from './saga';

/**
 * Payment (on OrderPlaced): the seats are sold on the event stream, the authorization captured, the order
 * confirmed. Hold expired or event cancelled before the sale: the authorization is voided and the order fails.
 * Capture declined: the seats go back on sale, the authorization is voided and the order fails.
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
    if (state.status !== 'PENDING') return []; // done before (a redelivery)
    // Captured before a crash: only the confirmation is missing.
    if (state.paymentStatus !== 'AUTHORIZED') return confirm(order);
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
          ...confirm(order),
        ];
      case 'Refused':
        // The sale was refused (hold expired, event cancelled): nothing was taken.
        return [voidAuthorization(order), failOrder(order, outcome.code)];
      case 'CaptureDeclined':
        return failBeforeCapture(order, `capture_${outcome.reason}`);
      default:
        return unexpected('payment', outcome);
    }
  },
};

const confirm = (order: OrderPlacedData): SagaAction[] => [
  fault('before-confirm'),
  { type: 'OrderCommand', orderId: order.orderId, command: { type: 'ConfirmOrder' } },
];

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
