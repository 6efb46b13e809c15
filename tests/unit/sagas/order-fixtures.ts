import type { SagaAction } from '../../../src/application/sagas/saga';
import type { OrderEvent, OrderPlacedData } from '../../../src/domain/order/order';

/** One order of two seats, and the events its stream can hold, for the saga specs. */
export const at = '2030-01-01T12:00:00.000Z';

export const placed: OrderPlacedData = {
  orderId: 'o1',
  userId: 'u1',
  eventId: 'e1',
  reservationId: 'r1',
  eventName: 'Show',
  eventDate: '2030-06-01T20:00:00.000Z',
  venueName: 'Hall',
  seats: [
    { seatId: 's1:A:1', section: 'Floor', row: 'A', seat: '1', priceCents: 10000, feesCents: 1500 },
    { seatId: 's1:A:2', section: 'Floor', row: 'A', seat: '2', priceCents: 10000, feesCents: 1500 },
  ],
  subtotalCents: 20000,
  feesCents: 3000,
  taxesCents: 1800,
  totalCents: 24800,
  paymentMethodId: 'pm1',
  cardToken: 'tok_visa',
  authorizationId: 'auth_1',
  deliveryMethod: 'MOBILE',
  billingAddress: null,
  placedAt: at,
};

export const orderPlaced: OrderEvent = { type: 'OrderPlaced', data: placed };
export const captured: OrderEvent = {
  type: 'PaymentCaptured',
  data: { orderId: 'o1', captureId: 'cap_1', amountCents: 24800, capturedAt: at },
};
export const confirmed: OrderEvent = { type: 'OrderConfirmed', data: { ...placed, confirmedAt: at } };
export const tickets = [
  { ticketId: 't1', seatId: 's1:A:1', barcode: '111111111111' },
  { ticketId: 't2', seatId: 's1:A:2', barcode: '222222222222' },
];
export const ticketsIssued: OrderEvent = {
  type: 'TicketsIssued',
  data: { orderId: 'o1', tickets, issuedAt: at },
};
export const failedVoided: OrderEvent = {
  type: 'OrderFailed',
  data: { orderId: 'o1', userId: 'u1', reason: 'HOLD_EXPIRED', authorizationVoided: true, failedAt: at },
};
export const failedRefundDue: OrderEvent = {
  type: 'OrderFailed',
  data: {
    orderId: 'o1',
    userId: 'u1',
    reason: 'watchdog_timeout',
    authorizationVoided: false,
    refundDue: true,
    failedAt: at,
  },
};
export const cancelledData = (captureId: string | null) => ({
  orderId: 'o1',
  userId: 'u1',
  eventId: 'e1',
  reason: 'Cancelled by the customer',
  refundAmountCents: 24800,
  captureId,
  authorizationId: 'auth_1',
  ticketIds: captureId ? ['t1', 't2'] : [],
  cancelledAt: at,
});
export const cancelled: OrderEvent = { type: 'OrderCancelled', data: cancelledData('cap_1') };
export const refunded: OrderEvent = {
  type: 'RefundCompleted',
  data: { orderId: 'o1', refundId: 're_1', amountCents: 24800, voided: false, refundedAt: at },
};

/** The tickets of `placed` issued: one per seat, no prices passed on, after the 'before-tickets' fault point. */
export const issueTicketsOfPlaced: SagaAction[] = [
  { type: 'Fault', point: 'before-tickets' },
  {
    type: 'IssueTickets',
    order: {
      orderId: 'o1',
      eventId: 'e1',
      userId: 'u1',
      eventName: 'Show',
      eventDate: '2030-06-01T20:00:00.000Z',
      venueName: 'Hall',
      seats: [
        { seatId: 's1:A:1', section: 'Floor', row: 'A', seat: '1' },
        { seatId: 's1:A:2', section: 'Floor', row: 'A', seat: '2' },
      ],
    },
  },
];
