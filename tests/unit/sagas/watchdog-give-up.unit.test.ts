import { giveUp, stuckAt } from '../../../src/application/orders/order-watchdog';
import { orderDecider, type OrderEvent } from '../../../src/domain/order/order';
import { spec } from '../../support/given-when-then';
import { orderAfter } from '../../support/workflow-spec';
import {
  at,
  cancelled,
  captured,
  confirmed,
  failedRefundDue,
  failedVoided,
  orderPlaced,
  refunded,
  ticketsIssued,
} from './order-fixtures';

const order = spec(orderDecider);
const ctx = { now: new Date(at) };

describe('a captured order that is never confirmed fails with its refund owed (domain rule)', () => {
  it('FailOrder on a captured pending order records the refund as due, whatever the command says of voiding', () => {
    order
      .given([orderPlaced, captured], ctx)
      .when({ type: 'FailOrder', reason: 'watchdog_timeout', authorizationVoided: true })
      .then([failedRefundDue]);
    const state = order.given([orderPlaced, captured, failedRefundDue], ctx).state();
    expect(state).toMatchObject({ status: 'FAILED', paymentStatus: 'REFUND_PENDING', captureId: 'cap_1' });
  });

  it('the refund then completes it like a cancellation refund', () => {
    order
      .given([orderPlaced, captured, failedRefundDue], ctx)
      .when({ type: 'RecordRefund', refundId: 're_1', voided: false })
      .then([refunded]);
    expect(order.given([orderPlaced, captured, failedRefundDue, refunded], ctx).state().paymentStatus).toBe(
      'REFUNDED',
    );
  });

  it('an authorized order still fails with its authorization voided (no refund due)', () => {
    order
      .given([orderPlaced], ctx)
      .when({ type: 'FailOrder', reason: 'HOLD_EXPIRED', authorizationVoided: true })
      .then([failedVoided]);
    expect(order.given([orderPlaced, failedVoided], ctx).state().paymentStatus).toBe('VOIDED');
    // Not voided (e.g. the void is still to come): the payment status stays as it was.
    const notVoided: OrderEvent = {
      type: 'OrderFailed',
      data: { orderId: 'o1', userId: 'u1', reason: 'HOLD_EXPIRED', authorizationVoided: false, failedAt: at },
    };
    expect(order.given([orderPlaced, notVoided], ctx).state().paymentStatus).toBe('AUTHORIZED');
  });
});

describe('order watchdog: what is stuck, and how it gives up', () => {
  it('stuck: pending (payment), confirmed without tickets (fulfillment), refund owed (refund); else nothing', () => {
    expect(stuckAt(orderAfter(orderPlaced)())).toBe('payment');
    expect(stuckAt(orderAfter(orderPlaced, captured)())).toBe('payment');
    expect(stuckAt(orderAfter(orderPlaced, captured, confirmed)())).toBe('fulfillment');
    expect(stuckAt(orderAfter(orderPlaced, captured, confirmed, ticketsIssued, cancelled)())).toBe('refund');
    expect(stuckAt(orderAfter(orderPlaced, captured, failedRefundDue)())).toBe('refund');
    expect(stuckAt(orderAfter(orderPlaced, captured, confirmed, ticketsIssued)())).toBeUndefined();
    expect(stuckAt(orderAfter(orderPlaced, failedVoided)())).toBeUndefined();
    expect(stuckAt(orderAfter(orderPlaced, captured, failedRefundDue, refunded)())).toBeUndefined();
    expect(stuckAt(orderAfter()())).toBeUndefined();
  });

  it('authorized: seats back, authorization voided, order failed', () => {
    expect(giveUp(orderAfter(orderPlaced)())).toEqual({
      actions: [
        { type: 'EventCommand', eventId: 'e1', command: { type: 'ReturnSeats', orderId: 'o1' } },
        { type: 'VoidAuthorization', authorizationId: 'auth_1', idempotencyKey: 'void:o1' },
        {
          type: 'OrderCommand',
          orderId: 'o1',
          command: { type: 'FailOrder', reason: 'watchdog_timeout', authorizationVoided: true },
        },
      ],
      thenRefund: false,
    });
  });

  it('captured, never confirmed: the order fails first (refund owed), then the refund step runs', () => {
    expect(giveUp(orderAfter(orderPlaced, captured)())).toEqual({
      actions: [
        {
          type: 'OrderCommand',
          orderId: 'o1',
          command: { type: 'FailOrder', reason: 'watchdog_timeout', authorizationVoided: false },
        },
      ],
      thenRefund: true,
    });
  });

  it('confirmed without tickets: cancelled by its buyer, so the cancellation saga refunds', () => {
    expect(giveUp(orderAfter(orderPlaced, captured, confirmed)())).toEqual({
      actions: [
        {
          type: 'OrderCommand',
          orderId: 'o1',
          command: {
            type: 'CancelOrder',
            reason: 'Tickets could not be issued',
            eventCancelled: false,
            byUserId: 'u1',
          },
        },
      ],
      thenRefund: false,
    });
  });

  it('a refund that keeps failing has no clean failure: an operator looks', () => {
    expect(giveUp(orderAfter(orderPlaced, captured, failedRefundDue)())).toEqual({
      operator: 'no_clean_failure_path',
    });
    expect(giveUp(orderAfter(orderPlaced, captured, confirmed, cancelled)())).toEqual({
      operator: 'no_clean_failure_path',
    });
  });

  it('nothing stuck: nothing to do', () => {
    expect(giveUp(orderAfter(orderPlaced, captured, confirmed, ticketsIssued)())).toEqual({
      actions: [],
      thenRefund: false,
    });
  });
});
