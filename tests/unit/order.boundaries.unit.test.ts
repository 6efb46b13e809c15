// The order decider at its edges: the payment status after each way an order ends (failed with the
// authorization voided or not, failed after the capture, cancelled, refunded or voided), totals that do not add
// up, and cancellations judged from the tickets' own facts (or refused without them).
import { orderDecider, type OrderEvent, type TicketTransferFacts } from '../../src/domain/order/order';
import { orderTotals } from '../../src/domain/order/pricing';
import { spec } from '../support/given-when-then';
import {
  at,
  authorizing,
  cancel,
  cancelled,
  captured,
  confirmed,
  ctx,
  heldTicket,
  orderPlaced,
  place,
  ticketsIssued,
} from './fixtures/order';

const order = spec(orderDecider);

const failed = (data: Partial<Extract<OrderEvent, { type: 'OrderFailed' }>['data']> = {}): OrderEvent => ({
  type: 'OrderFailed',
  data: {
    orderId: 'o1',
    userId: 'u1',
    reason: 'HOLD_EXPIRED',
    authorizationVoided: false,
    failedAt: at,
    ...data,
  },
});
const refundCompleted = (voided: boolean): OrderEvent => ({
  type: 'RefundCompleted',
  data: { orderId: 'o1', refundId: voided ? null : 're_1', amountCents: 12400, voided, refundedAt: at },
});
const paymentStatus = (history: OrderEvent[]) => order.given(history).state().paymentStatus;

describe('the payment status after each ending', () => {
  test('a failure that voided the authorization leaves the payment VOIDED', () => {
    expect(paymentStatus([orderPlaced, failed({ authorizationVoided: true })])).toBe('VOIDED');
  });

  test('a failure that did not void the authorization leaves it AUTHORIZED', () => {
    expect(paymentStatus([orderPlaced, failed({ authorizationVoided: false })])).toBe('AUTHORIZED');
  });

  test('a pending order failing after its capture records a refund due, never a void, whatever the command says', () => {
    order
      .given([orderPlaced, captured], ctx)
      .when({ type: 'FailOrder', reason: 'HOLD_EXPIRED', authorizationVoided: true })
      .then([failed({ authorizationVoided: false, refundDue: true })]);
  });

  test('a failure with a refund due leaves the payment REFUND_PENDING, and the refund is then recorded once', () => {
    const history = [orderPlaced, captured, failed({ refundDue: true })];
    expect(paymentStatus(history)).toBe('REFUND_PENDING');
    order
      .given(history, ctx)
      .when({ type: 'RecordRefund', refundId: 're_1', voided: false })
      .then([refundCompleted(false)]);
    expect(paymentStatus([...history, refundCompleted(false)])).toBe('REFUNDED');
  });

  test('a failure before the capture owes no refund: its event says nothing of one', () => {
    const [event] = order
      .given([orderPlaced], ctx)
      .when({ type: 'FailOrder', reason: 'HOLD_EXPIRED', authorizationVoided: false })
      .events();
    expect(event).toEqual(failed({ authorizationVoided: false }));
    expect(event.data).not.toHaveProperty('refundDue');
  });

  test('a cancelled order waits for its refund (REFUND_PENDING); a refund that voided the payment leaves it VOIDED', () => {
    const history = [orderPlaced, captured, confirmed, cancelled];
    expect(paymentStatus(history)).toBe('REFUND_PENDING');
    expect(paymentStatus([...history, refundCompleted(true)])).toBe('VOIDED');
    expect(paymentStatus([...history, refundCompleted(false)])).toBe('REFUNDED');
  });

  test('no refund is recorded while nothing is owed: authorized, captured, voided or refunded', () => {
    const refund = { type: 'RecordRefund' as const, refundId: 're_1', voided: false };
    for (const history of [
      [orderPlaced],
      [orderPlaced, captured, confirmed],
      [orderPlaced, failed({ authorizationVoided: true })],
      [orderPlaced, captured, confirmed, cancelled, refundCompleted(false)],
    ])
      order.given(history, ctx).when(refund).thenNothing();
  });

  test('a capture is recorded only while the payment is AUTHORIZED', () => {
    order
      .given([orderPlaced, failed({ authorizationVoided: true })], ctx)
      .when({ type: 'RecordCapture', captureId: 'cap_2' })
      .thenNothing();
  });
});

describe('placing an order: the totals must add up', () => {
  const totals = orderTotals(place.subtotalCents, place.feesCents);

  test('the fixture is priced as the pricing rule says', () => {
    expect(totals).toEqual({ subtotalCents: 10000, feesCents: 1500, taxesCents: 900, totalCents: 12400 });
  });

  test('taxes other than the rule’s fail with VALIDATION_ERROR, even when the total matches', () => {
    order
      .given([authorizing], ctx)
      .when({ ...place, taxesCents: 901, feesCents: 1499, totalCents: 12400 })
      .thenThrows('VALIDATION_ERROR', { taxesCents: 900, totalCents: 12399 });
    order
      .given([authorizing], ctx)
      .when({ ...place, taxesCents: 899 })
      .thenThrows('VALIDATION_ERROR', {
        subtotalCents: 10000,
        feesCents: 1500,
        taxesCents: 900,
        totalCents: 12400,
      });
  });

  test('a total other than subtotal + fees + taxes fails with VALIDATION_ERROR', () => {
    order
      .given([authorizing], ctx)
      .when({ ...place, totalCents: 12401 })
      .thenThrows('VALIDATION_ERROR', { totalCents: 12400 });
  });
});

describe('transfers and cancellations judged from the tickets', () => {
  const base = [orderPlaced, captured, confirmed, ticketsIssued];
  const inFuture = '2030-01-08T12:00:00.000Z';
  const { tickets: _omitted, ...blind } = cancel;

  test('a transfer of a ticket whose order stream does not exist records nothing', () => {
    order
      .given([], ctx)
      .when({ type: 'StartTicketTransfer', ticketId: 't1', transferId: 'x1' })
      .thenNothing();
  });

  test('without ticket facts, a confirmed order with no tickets and no transfer started can be cancelled', () => {
    const [event] = order.given([orderPlaced, captured, confirmed], ctx).when(blind).events();
    expect(event).toMatchObject({ type: 'OrderCancelled', data: { ticketIds: [] } });
  });

  test('without ticket facts, a transfer started on the order refuses the cancellation, tickets recorded or not', () => {
    const started: OrderEvent = {
      type: 'TicketTransferStarted',
      data: { orderId: 'o1', ticketId: 't1', transferId: 'x1', startedAt: at },
    };
    order
      .given([orderPlaced, captured, confirmed, started], ctx)
      .when(blind)
      .thenThrows('ORDER_NOT_CANCELLABLE');
  });

  test('a ticket TRANSFERRED on its stream blocks, even when its transfer list is empty', () => {
    const gone: TicketTransferFacts = { ticketId: 't1', status: 'TRANSFERRED', transfers: [] };
    order
      .given(base, ctx)
      .when({ ...cancel, tickets: [gone] })
      .thenThrows('ORDER_HAS_TRANSFERRED_TICKETS', { ticket_ids: ['t1'] });
  });

  test('an ACCEPTED transfer blocks even when the ticket still says ACTIVE; only such tickets are named', () => {
    const accepted: TicketTransferFacts = {
      ticketId: 't2',
      status: 'ACTIVE',
      transfers: [
        { transferId: 'x0', status: 'CANCELLED', expiresAt: inFuture },
        { transferId: 'x1', status: 'ACCEPTED', expiresAt: inFuture },
      ],
    };
    order
      .given(base, ctx)
      .when({ ...cancel, tickets: [heldTicket, accepted] })
      .thenThrows('ORDER_HAS_TRANSFERRED_TICKETS', { ticket_ids: ['t2'] });
  });

  test('tickets that are active with only cancelled transfers do not block', () => {
    const takenBack: TicketTransferFacts = {
      ticketId: 't1',
      status: 'ACTIVE',
      transfers: [{ transferId: 'x0', status: 'CANCELLED', expiresAt: inFuture }],
    };
    order
      .given(base, ctx)
      .when({ ...cancel, tickets: [takenBack] })
      .then([cancelled]);
  });
});
