import { paymentSaga } from '../../../src/application/sagas/payment.saga';
import type { SagaAction } from '../../../src/application/sagas/saga';
import { busMessage, orderAfter, workflow } from '../../support/workflow-spec';
import {
  captured,
  confirmed,
  failedRefundDue,
  failedVoided,
  issueTicketsOfPlaced,
  orderPlaced,
  placed,
  tickets,
  ticketsIssued,
} from './order-fixtures';

const payment = workflow(paymentSaga);
const message = busMessage('OrderPlaced', placed);

const sell: SagaAction = {
  type: 'EventCommand',
  eventId: 'e1',
  command: { type: 'SellHold', holdId: 'r1', orderId: 'o1', totalCents: 24800 },
  onRefused: 'react',
};
const capture: SagaAction = {
  type: 'Capture',
  authorizationId: 'auth_1',
  amountCents: 24800,
  idempotencyKey: 'capture:o1',
};
const voidAuthorization: SagaAction = {
  type: 'VoidAuthorization',
  authorizationId: 'auth_1',
  idempotencyKey: 'void:o1',
};
const voidTickets: SagaAction = {
  type: 'VoidTickets',
  orderId: 'o1',
  seatIds: ['s1:A:1', 's1:A:2'],
  reason: 'order_failed',
};

describe('payment saga', () => {
  it('an authorized order: sell the seats, then capture (the fault points around the sale fire)', () => {
    payment
      .given(orderAfter(orderPlaced))
      .when(message)
      .then([{ type: 'Fault', point: 'before-sell' }, sell, { type: 'Fault', point: 'after-sell' }, capture]);
  });

  it('captured: record the capture, then issue the tickets', () => {
    payment
      .given(orderAfter(orderPlaced))
      .when(message)
      .after({ type: 'Captured', captureId: 'cap_1' })
      .then([
        { type: 'Fault', point: 'after-capture' },
        { type: 'OrderCommand', orderId: 'o1', command: { type: 'RecordCapture', captureId: 'cap_1' } },
        ...issueTicketsOfPlaced,
      ]);
  });

  it('tickets issued: confirm the order with them (a refusal comes back to the saga)', () => {
    payment
      .given(orderAfter(orderPlaced, captured))
      .when(message)
      .after({ type: 'TicketsIssued', tickets })
      .then([
        { type: 'Fault', point: 'after-tickets' },
        { type: 'Fault', point: 'before-confirm' },
        {
          type: 'OrderCommand',
          orderId: 'o1',
          command: { type: 'ConfirmOrder', tickets },
          onRefused: 'react',
        },
      ]);
  });

  it('the order failed while its tickets were issued: the tickets are voided', () => {
    payment
      .given(orderAfter(orderPlaced, captured))
      .when(message)
      .after({ type: 'Refused', command: 'ConfirmOrder', code: 'ORDER_NOT_PENDING' })
      .then([voidTickets]);
  });

  it('any other refusal of the confirmation is a programming error (retried, then dead-lettered)', () => {
    payment
      .given(orderAfter(orderPlaced, captured))
      .when(message)
      .after({ type: 'Refused', command: 'ConfirmOrder', code: 'PAYMENT_NOT_CAPTURED' })
      .thenThrows(/does not expect outcome Refused/);
  });

  it('hold expired (the sale is refused): void the authorization, fail the order with the refusal code', () => {
    payment
      .given(orderAfter(orderPlaced))
      .when(message)
      .after({ type: 'Refused', command: 'SellHold', code: 'HOLD_EXPIRED' })
      .then([
        voidAuthorization,
        {
          type: 'OrderCommand',
          orderId: 'o1',
          command: { type: 'FailOrder', reason: 'HOLD_EXPIRED', authorizationVoided: true },
        },
      ]);
  });

  it('capture declined: seats back on sale, authorization voided, order failed', () => {
    payment
      .given(orderAfter(orderPlaced))
      .when(message)
      .after({ type: 'CaptureDeclined', reason: 'card_declined' })
      .then([
        { type: 'EventCommand', eventId: 'e1', command: { type: 'ReturnSeats', orderId: 'o1' } },
        voidAuthorization,
        {
          type: 'OrderCommand',
          orderId: 'o1',
          command: { type: 'FailOrder', reason: 'capture_card_declined', authorizationVoided: true },
        },
      ]);
  });

  it('captured before a crash but not confirmed: the tickets (issued again, idempotently) and the confirmation are left', () => {
    payment.given(orderAfter(orderPlaced, captured)).when(message).then(issueTicketsOfPlaced);
  });

  it('redelivery of a confirmed order, or of one failed before its capture: nothing to do', () => {
    payment
      .given(orderAfter(orderPlaced, captured, confirmed, ticketsIssued))
      .when(message)
      .thenNothing();
    payment.given(orderAfter(orderPlaced, failedVoided)).when(message).thenNothing();
  });

  it('redelivery of an order failed after its capture: tickets it may have issued are voided', () => {
    payment
      .given(orderAfter(orderPlaced, captured, failedRefundDue))
      .when(message)
      .then([voidTickets]);
  });

  it('no order stream (the message ran ahead of nothing): nothing to do', () => {
    payment.given(orderAfter()).when(message).thenNothing();
  });

  it('a malformed message is refused (retried, then dead-lettered)', () => {
    payment
      .given(orderAfter(orderPlaced))
      .when(busMessage('OrderPlaced', { orderId: 'o1' }))
      .thenThrows(/Malformed OrderPlaced/);
    payment
      .given(orderAfter(orderPlaced))
      .when(busMessage('OrderPlaced', null))
      .thenThrows(/Malformed OrderPlaced/);
  });

  it('an outcome the saga never asks for is a programming error', () => {
    payment
      .given(orderAfter(orderPlaced))
      .when(message)
      .after({ type: 'Refunded', refundId: 're_1' })
      .thenThrows(/does not expect outcome Refunded/);
  });
});
