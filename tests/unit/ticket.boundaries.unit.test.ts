// The ticket decider's edges: retried and reused ids, exact expiry instants, and events folded onto a stream
// that lacks what they refer to (evolve must be total: a log is replayed as it was written).
import {
  TICKET_EVENT_TYPES,
  pendingTransfer,
  ticketDecider,
  ticketStream,
  transferBlocker,
  type TicketEvent,
} from '../../src/domain/ticket/ticket';
import { spec } from '../support/given-when-then';
import {
  FRIEND,
  NOW,
  OWNER,
  accept,
  at,
  cancelled,
  issue,
  issued,
  request,
  requested,
  shift,
  transferred,
  voided,
} from './fixtures/ticket';

const ticket = spec(ticketDecider);

describe('ticket stream and event types', () => {
  test('a ticket lives on ticket-{id}', () => {
    expect(ticketStream('t-1')).toBe('ticket-t-1');
  });

  test('TICKET_EVENT_TYPES lists every ticket event type once', () => {
    // A Record over the union: adding an event type without listing it here does not compile.
    const every: Record<TicketEvent['type'], true> = {
      TicketIssued: true,
      TransferRequested: true,
      TicketTransferred: true,
      TransferCancelled: true,
      TicketVoided: true,
    };
    expect([...TICKET_EVENT_TYPES].sort()).toEqual(Object.keys(every).sort());
  });

  test('a ticket stream with no events holds no ticket, with nothing pending and nothing to transfer', () => {
    const state = ticket.given([]).state();
    expect(state).toEqual({ exists: false });
    expect(pendingTransfer(state, new Date(NOW))).toBeUndefined();
    expect(transferBlocker(state, new Date(NOW))).toBe('no such ticket');
  });
});

describe('requesting a transfer: ids and instants', () => {
  test('a transfer id already used for another recipient fails with VALIDATION_ERROR', () => {
    ticket
      .given([issued, requested()], at())
      .when(request({ recipientEmail: 'someone.else@example.com' }))
      .thenThrows('VALIDATION_ERROR');
  });

  test('the id of a cancelled transfer cannot be reused, even for the same recipient', () => {
    ticket.given([issued, requested(), cancelled()], at()).when(request()).thenThrows('VALIDATION_ERROR');
  });

  test('a transfer expiring exactly now fails with VALIDATION_ERROR; a millisecond later is fine', () => {
    ticket
      .given([issued], at())
      .when(request({ expiresAt: NOW }))
      .thenThrows('VALIDATION_ERROR');
    ticket
      .given([issued], at())
      .when(request({ expiresAt: shift(NOW, 0.001) }))
      .then([requested({ expiresAt: shift(NOW, 0.001) })]);
  });

  test('a ticket issued without its owner email can be sent to any address', () => {
    ticket
      .given([{ ...issued, data: { ...issued.data, ownerEmail: null } }], at())
      .when(request())
      .then([requested()]);
  });
});

describe('accepting a transfer: retries and defensive checks', () => {
  test('the same recipient accepting again with another new ticket id fails with TRANSFER_NOT_FOUND', () => {
    ticket
      .given([issued, requested(), transferred()], at())
      .when(accept({ newTicketId: 't-3' }))
      .thenThrows('TRANSFER_NOT_FOUND');
  });

  test('TRANSFER_EXPIRED names the transfer', () => {
    const expiresAt = shift(NOW, 60);
    ticket
      .given([issued, requested({ expiresAt })])
      .when(accept(), at(shift(NOW, 61)))
      .thenThrows('TRANSFER_EXPIRED', { transfer_id: 'x-1' });
  });

  test('a transfer still pending on a voided ticket (a log without its cancellation) cannot be accepted', () => {
    ticket.given([issued, requested(), voided], at()).when(accept()).thenThrows('TICKET_NOT_TRANSFERABLE');
  });
});

describe('cancelling and voiding', () => {
  test('cancelling a transfer of a ticket never issued fails with TRANSFER_NOT_FOUND', () => {
    ticket
      .given([], at())
      .when({ type: 'CancelTransfer', transferId: 'x-1', byUserId: OWNER })
      .thenThrows('TRANSFER_NOT_FOUND');
  });

  test('voiding cancels only the pending transfer, not one cancelled before', () => {
    ticket
      .given(
        [issued, requested(), cancelled(), requested({ transferId: 'x-2', requestedAt: shift(NOW, 1) })],
        at(),
      )
      .when({ type: 'VoidTicket', reason: 'order_cancelled' })
      .then([
        {
          type: 'TransferCancelled',
          data: { ...cancelled('ticket_voided', 'system').data, transferId: 'x-2' },
        },
        voided,
      ]);
  });
});

describe('evolve is total: events the stream cannot place are ignored', () => {
  const notIssued: TicketEvent[] = [requested(), transferred(), cancelled(), voided];

  test.each(notIssued.map((event) => [event.type, event] as const))(
    '%s on a ticket never issued leaves no ticket',
    (_type, event) => {
      expect(ticket.given([event]).state()).toEqual({ exists: false });
    },
  );

  test('a second TicketIssued does not replace the first', () => {
    const again = ticketDecider.decide(
      issue({ barcode: '555555555555', ownerUserId: FRIEND }),
      { exists: false },
      at(),
    );
    const state = ticket.given([issued, requested(), ...again]).state();
    expect(state).toMatchObject({ ownerUserId: OWNER, barcode: '123456789012' });
    expect(pendingTransfer(state, new Date(NOW))?.transferId).toBe('x-1');
  });

  test('a transfer or cancellation of an unknown transfer id still folds', () => {
    const other = { transferId: 'x-unknown' };
    const state = ticket
      .given([
        issued,
        { ...cancelled(), data: { ...cancelled().data, ...other } },
        { ...transferred(), data: { ...transferred().data, ...other } },
      ])
      .state();
    expect(state).toMatchObject({ status: 'TRANSFERRED', successorTicketId: 't-2' });
    if (!state.exists) throw new Error('the ticket exists');
    expect(state.transfers.size).toBe(0);
  });
});
