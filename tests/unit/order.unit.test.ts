import {
  orderDecider,
  type OrderEvent,
  type TicketTransferFacts,
  TRANSFER_START_WINDOW_MS,
} from '../../src/domain/order/order';
import { spec } from '../support/given-when-then';
import {
  at,
  ctx,
  placed,
  place,
  authorizing,
  orderPlaced,
  captured,
  confirmed,
  ticketsIssued,
  cancelled,
  cancel,
  later,
} from './fixtures/order';
import { failedRefundDue } from './sagas/order-fixtures';

describe('order decider', () => {
  const order = spec(orderDecider);

  it('PlaceOrder records OrderPlaced (PENDING, AUTHORIZED) with the payment attempt authorizing', () => {
    order.given([authorizing], ctx).when(place).then([orderPlaced]);
    expect(order.given([orderPlaced]).state()).toMatchObject({
      status: 'PENDING',
      paymentStatus: 'AUTHORIZED',
    });
  });

  it('a reservation cannot be ordered twice', () => {
    order.given([orderPlaced], ctx).when(place).thenThrows('RESERVATION_ALREADY_ORDERED', { order_id: 'o1' });
  });

  const issued = [{ ticketId: 't1', seatId: 's1:A:1', barcode: '123456789012' }];
  const confirm = { type: 'ConfirmOrder' as const, tickets: issued };

  it('commands on a missing order -> ORDER_NOT_FOUND', () => {
    order.given([], ctx).when(confirm).thenThrows('ORDER_NOT_FOUND');
  });

  it('capture is recorded once', () => {
    order.given([orderPlaced], ctx).when({ type: 'RecordCapture', captureId: 'cap_1' }).then([captured]);
    order
      .given([orderPlaced, captured], ctx)
      .when({ type: 'RecordCapture', captureId: 'cap_2' })
      .thenNothing();
  });

  it('confirmation needs the capture, records the tickets with it, and happens once', () => {
    order.given([orderPlaced], ctx).when(confirm).thenThrows('PAYMENT_NOT_CAPTURED');
    order.given([orderPlaced, captured], ctx).when(confirm).then([confirmed, ticketsIssued]);
    expect(order.given([orderPlaced, captured, confirmed, ticketsIssued]).state()).toMatchObject({
      status: 'CONFIRMED',
      tickets: issued,
    });
    order.given([orderPlaced, captured, confirmed, ticketsIssued], ctx).when(confirm).thenNothing();
    // Confirmed by an earlier version, which recorded the tickets afterwards: the tickets are recorded.
    order.given([orderPlaced, captured, confirmed], ctx).when(confirm).then([ticketsIssued]);
  });

  it('an order that failed while its tickets were issued is not confirmed: ORDER_NOT_PENDING', () => {
    order
      .given([orderPlaced, captured, failedRefundDue], ctx)
      .when(confirm)
      .thenThrows('ORDER_NOT_PENDING', { status: 'FAILED' });
  });

  it('a pending order can fail (authorization voided); a confirmed one cannot', () => {
    order
      .given([orderPlaced], ctx)
      .when({ type: 'FailOrder', reason: 'HOLD_EXPIRED', authorizationVoided: true })
      .then([
        {
          type: 'OrderFailed',
          data: {
            orderId: 'o1',
            userId: 'u1',
            reason: 'HOLD_EXPIRED',
            authorizationVoided: true,
            failedAt: at,
          },
        },
      ]);
    order
      .given([orderPlaced, captured, confirmed], ctx)
      .when({ type: 'FailOrder', reason: 'x', authorizationVoided: true })
      .thenNothing();
  });

  it('tickets are recorded once, only for a confirmed order', () => {
    const tickets = [{ ticketId: 't1', seatId: 's1:A:1', barcode: '123456789012' }];
    order.given([orderPlaced], ctx).when({ type: 'RecordTickets', tickets }).thenNothing();
    order
      .given([orderPlaced, captured, confirmed], ctx)
      .when({ type: 'RecordTickets', tickets })
      .then([ticketsIssued]);
    order
      .given([orderPlaced, captured, confirmed, ticketsIssued], ctx)
      .when({ type: 'RecordTickets', tickets })
      .thenNothing();
  });

  it('cancel: refund amount is the total; tickets listed; only the buyer', () => {
    order.given([orderPlaced, captured, confirmed, ticketsIssued], ctx).when(cancel).then([cancelled]);
    order
      .given([orderPlaced, captured, confirmed], ctx)
      .when({ ...cancel, byUserId: 'someone-else' })
      .thenThrows('ORDER_NOT_FOUND');
  });

  it('cancel twice -> ORDER_ALREADY_CANCELLED; pending -> ORDER_PENDING; failed -> ORDER_NOT_CANCELLABLE', () => {
    order
      .given([orderPlaced, captured, confirmed, ticketsIssued, cancelled], ctx)
      .when(cancel)
      .thenThrows('ORDER_ALREADY_CANCELLED');
    order.given([orderPlaced], ctx).when(cancel).thenThrows('ORDER_PENDING');
    const failed: OrderEvent = {
      type: 'OrderFailed',
      data: { orderId: 'o1', userId: 'u1', reason: 'x', authorizationVoided: true, failedAt: at },
    };
    order.given([orderPlaced, failed], ctx).when(cancel).thenThrows('ORDER_NOT_CANCELLABLE');
  });

  it('after the event started the customer cannot cancel (400), but an event cancellation can', () => {
    const late = { now: new Date('2030-06-01T20:00:00.000Z') };
    order
      .given([orderPlaced, captured, confirmed], late)
      .when(cancel)
      .thenThrows('ORDER_NOT_CANCELLABLE', { event_date: placed.eventDate });
    const events = order
      .given([orderPlaced, captured, confirmed], late)
      .when({ ...cancel, eventCancelled: true, byUserId: 'system' })
      .events();
    expect(events.map((e) => e.type)).toEqual(['OrderCancelled']);
  });

  it('the refund is recorded once, as refunded or voided', () => {
    order
      .given([orderPlaced, captured, confirmed, cancelled], ctx)
      .when({ type: 'RecordRefund', refundId: 're_1', voided: false })
      .then([
        {
          type: 'RefundCompleted',
          data: { orderId: 'o1', refundId: 're_1', amountCents: 12400, voided: false, refundedAt: at },
        },
      ]);
    const refunded: OrderEvent = {
      type: 'RefundCompleted',
      data: { orderId: 'o1', refundId: 're_1', amountCents: 12400, voided: false, refundedAt: at },
    };
    order
      .given([orderPlaced, captured, confirmed, cancelled, refunded], ctx)
      .when({ type: 'RecordRefund', refundId: 're_2', voided: false })
      .thenNothing();
    expect(order.given([orderPlaced, captured, confirmed, cancelled, refunded]).state().paymentStatus).toBe(
      'REFUNDED',
    );
  });
  describe('cancellation after transfers (item 6: the whole order or nothing)', () => {
    const base = [orderPlaced, captured, confirmed, ticketsIssued];
    const transferStarted: OrderEvent = {
      type: 'TicketTransferStarted',
      data: { orderId: 'o1', ticketId: 't1', transferId: 'x1', startedAt: at },
    };
    const inFuture = '2030-01-08T12:00:00.000Z';

    it('a transferred ticket (accepted) -> 409 ORDER_HAS_TRANSFERRED_TICKETS, nothing refunded', () => {
      const gone: TicketTransferFacts = {
        ticketId: 't1',
        status: 'TRANSFERRED',
        transfers: [{ transferId: 'x1', status: 'ACCEPTED', expiresAt: inFuture }],
      };
      order
        .given([...base, transferStarted], ctx)
        .when({ ...cancel, tickets: [gone] })
        .thenThrows('ORDER_HAS_TRANSFERRED_TICKETS', { ticket_ids: ['t1'] });
    });

    it('a pending transfer blocks until cancelled or expired', () => {
      const pending = (status: 'PENDING' | 'CANCELLED', expiresAt = inFuture): TicketTransferFacts => ({
        ticketId: 't1',
        status: 'ACTIVE',
        transfers: [{ transferId: 'x1', status, expiresAt }],
      });
      order
        .given([...base, transferStarted], ctx)
        .when({ ...cancel, tickets: [pending('PENDING')] })
        .thenThrows('TRANSFER_PENDING', { transfer_ids: ['x1'] });
      // Taken back by the sender: the order can be cancelled (the ticket is the buyer's again).
      expect(
        order
          .given([...base, transferStarted], ctx)
          .when({ ...cancel, tickets: [pending('CANCELLED')] })
          .events()
          .map((e) => e.type),
      ).toEqual(['OrderCancelled']);
      // Expired unaccepted: the ticket refuses acceptance from then on, so it no longer blocks.
      expect(
        order
          .given([...base, transferStarted], ctx)
          .when({ ...cancel, tickets: [pending('PENDING', at)] })
          .events()
          .map((e) => e.type),
      ).toEqual(['OrderCancelled']);
    });

    it('a transfer started on the order but not yet on the ticket blocks within the window only', () => {
      order
        .given([...base, transferStarted], ctx)
        .when(cancel, later(TRANSFER_START_WINDOW_MS - 1))
        .thenThrows('TRANSFER_PENDING', { transfer_ids: ['x1'] });
      expect(
        order
          .given([...base, transferStarted], ctx)
          .when(cancel, later(TRANSFER_START_WINDOW_MS))
          .events()
          .map((e) => e.type),
      ).toEqual(['OrderCancelled']);
    });

    it("without the tickets' facts a customer cancellation is refused, never guessed", () => {
      const { tickets: _omitted, ...blind } = cancel;
      order.given(base, ctx).when(blind).thenThrows('ORDER_NOT_CANCELLABLE');
    });

    it('an event cancellation refunds the buyer in full whatever was transferred', () => {
      const [event] = order
        .given([...base, transferStarted], ctx)
        .when({ ...cancel, eventCancelled: true, byUserId: 'system', tickets: undefined })
        .events();
      expect(event).toMatchObject({ type: 'OrderCancelled', data: { refundAmountCents: 12400 } });
    });

    it('a transfer starts only on a confirmed order, once per transfer id', () => {
      order
        .given(base, ctx)
        .when({ type: 'StartTicketTransfer', ticketId: 't1', transferId: 'x1' })
        .then([transferStarted]);
      order
        .given([...base, transferStarted], ctx)
        .when({ type: 'StartTicketTransfer', ticketId: 't1', transferId: 'x1' })
        .thenNothing();
      order
        .given([...base, cancelled], ctx)
        .when({ type: 'StartTicketTransfer', ticketId: 't1', transferId: 'x2' })
        .thenThrows('TICKET_NOT_TRANSFERABLE');
      order
        .given([orderPlaced], ctx)
        .when({ type: 'StartTicketTransfer', ticketId: 't1', transferId: 'x2' })
        .thenThrows('TICKET_NOT_TRANSFERABLE');
    });
  });
});
