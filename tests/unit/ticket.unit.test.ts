import { pendingTransfer, ticketDecider } from '../../src/domain/ticket/ticket';
import { spec } from '../support/given-when-then';
import {
  NOW,
  EVENT_DATE,
  at,
  shift,
  OWNER,
  FRIEND,
  issue,
  issued,
  request,
  requested,
  accept,
  transferred,
  cancelled,
  voided,
} from './fixtures/ticket';

const ticket = spec(ticketDecider);

describe('ticket decider: issuing', () => {
  it('records TicketIssued with the time of issue', () => {
    ticket.given([], at()).when(issue()).then([issued]);
  });

  it('records a reissue with its previous ticket and no email', () => {
    const [event] = ticket
      .given([], at())
      .when(issue({ ownerEmail: undefined, previousTicketId: 't-0' }))
      .events();
    expect(event).toMatchObject({
      type: 'TicketIssued',
      data: { ownerEmail: null, previousTicketId: 't-0' },
    });
  });

  it('issuing twice records nothing (sagas deliver at least once)', () => {
    ticket.given([issued], at()).when(issue()).thenNothing();
    ticket
      .given([issued], at())
      .when(issue({ barcode: '555555555555' }))
      .thenNothing();
  });

  it('folds into an ACTIVE ticket', () => {
    const state = ticket.given([issued]).state();
    expect(state).toMatchObject({
      exists: true,
      status: 'ACTIVE',
      ownerUserId: OWNER,
      barcode: '123456789012',
      successorTicketId: null,
    });
  });
});

describe('ticket decider: requesting a transfer', () => {
  it('records TransferRequested', () => {
    ticket.given([issued], at()).when(request()).then([requested()]);
  });

  it('caps the expiry at the event start', () => {
    const late = shift(NOW, 400 * 24 * 3600);
    ticket
      .given([issued], at())
      .when(request({ expiresAt: late }))
      .then([requested({ expiresAt: EVENT_DATE })]);
  });

  it('TICKET_NOT_FOUND for a ticket never issued', () => {
    ticket.given([], at()).when(request()).thenThrows('TICKET_NOT_FOUND');
  });

  it('refused after notAfter (the order counts a started transfer as open only until then)', () => {
    ticket
      .given([issued], at())
      .when(request({ notAfter: NOW }))
      .then([requested()]);
    ticket
      .given([issued], at(shift(NOW, 1)))
      .when(request({ notAfter: NOW }))
      .thenThrows('TICKET_NOT_TRANSFERABLE');
  });

  it('FORBIDDEN for anyone but the holder', () => {
    ticket
      .given([issued], at())
      .when(request({ fromUserId: 'u-stranger' }))
      .thenThrows('FORBIDDEN');
  });

  it('TICKET_NOT_TRANSFERABLE once voided', () => {
    ticket.given([issued, voided], at()).when(request()).thenThrows('TICKET_NOT_TRANSFERABLE');
  });

  it('TICKET_NOT_TRANSFERABLE once transferred', () => {
    ticket
      .given([issued, requested(), transferred()], at())
      .when(request({ transferId: 'x-2' }))
      .thenThrows('TICKET_NOT_TRANSFERABLE');
  });

  it('TICKET_NOT_TRANSFERABLE once the event started (at its very start too)', () => {
    ticket.given([issued]).when(request(), at(EVENT_DATE)).thenThrows('TICKET_NOT_TRANSFERABLE');
    ticket
      .given([issued])
      .when(request({ expiresAt: shift(EVENT_DATE, 3600) }), at(shift(EVENT_DATE, 60)))
      .thenThrows('TICKET_NOT_TRANSFERABLE');
  });

  it('TICKET_NOT_TRANSFERABLE while another transfer is pending', () => {
    ticket
      .given([issued, requested()], at())
      .when(request({ transferId: 'x-2', recipientEmail: 'other@example.com' }))
      .thenThrows('TICKET_NOT_TRANSFERABLE');
  });

  it('an expired pending transfer no longer blocks a new one', () => {
    const first = requested({ expiresAt: shift(NOW, 60) });
    const later = shift(NOW, 120);
    const events = ticket
      .given([issued, first])
      .when(request({ transferId: 'x-2', expiresAt: shift(later, 3600) }), at(later))
      .events();
    expect(events).toEqual([
      expect.objectContaining({
        type: 'TransferRequested',
        data: expect.objectContaining({ transferId: 'x-2' }),
      }),
    ]);
  });

  it('a cancelled transfer no longer blocks a new one', () => {
    ticket
      .given([issued, requested(), cancelled()], at())
      .when(request({ transferId: 'x-2' }))
      .then([requested({ transferId: 'x-2' })]);
  });

  it('TICKET_NOT_TRANSFERABLE to the holder themselves', () => {
    ticket
      .given([issued], at())
      .when(request({ recipientEmail: 'owner@example.com' }))
      .thenThrows('TICKET_NOT_TRANSFERABLE');
  });

  it('the same request again records nothing', () => {
    ticket.given([issued, requested()], at()).when(request()).thenNothing();
  });

  it('VALIDATION_ERROR for an expiry in the past', () => {
    ticket
      .given([issued], at())
      .when(request({ expiresAt: shift(NOW, -1) }))
      .thenThrows('VALIDATION_ERROR');
  });

  it('pendingTransfer finds the live one only', () => {
    const state = ticket.given([issued, requested({ expiresAt: shift(NOW, 60) })]).state();
    expect(pendingTransfer(state, new Date(NOW))?.transferId).toBe('x-1');
    expect(pendingTransfer(state, new Date(shift(NOW, 60)))).toBeUndefined();
  });
});

describe('ticket decider: accepting a transfer', () => {
  it('records TicketTransferred on the old ticket and folds to TRANSFERRED with its successor', () => {
    ticket.given([issued, requested()], at()).when(accept()).then([transferred()]);
    const state = ticket.given([issued, requested(), transferred()]).state();
    expect(state).toMatchObject({ status: 'TRANSFERRED', successorTicketId: 't-2' });
  });

  it('TRANSFER_NOT_FOUND for an unknown transfer or ticket', () => {
    ticket
      .given([issued, requested()], at())
      .when(accept({ transferId: 'x-9' }))
      .thenThrows('TRANSFER_NOT_FOUND');
    ticket.given([], at()).when(accept()).thenThrows('TRANSFER_NOT_FOUND');
  });

  it('TRANSFER_NOT_FOUND for an account with another email', () => {
    ticket
      .given([issued, requested()], at())
      .when(accept({ recipientUserId: 'u-other', recipientEmail: 'other@example.com' }))
      .thenThrows('TRANSFER_NOT_FOUND');
  });

  it('TRANSFER_EXPIRED after expiresAt (and at it)', () => {
    const expiresAt = shift(NOW, 3600);
    ticket
      .given([issued, requested({ expiresAt })])
      .when(accept(), at(expiresAt))
      .thenThrows('TRANSFER_EXPIRED');
  });

  it('TRANSFER_NOT_FOUND once cancelled', () => {
    ticket.given([issued, requested(), cancelled()], at()).when(accept()).thenThrows('TRANSFER_NOT_FOUND');
  });

  it('accepting again (same recipient, same new ticket) records nothing; anyone else: TRANSFER_NOT_FOUND', () => {
    ticket.given([issued, requested(), transferred()], at()).when(accept()).thenNothing();
    ticket
      .given([issued, requested(), transferred()], at())
      .when(accept({ recipientUserId: 'u-other' }))
      .thenThrows('TRANSFER_NOT_FOUND');
  });

  it('TICKET_NOT_TRANSFERABLE once the event started', () => {
    const justBefore = shift(EVENT_DATE, -0.001);
    ticket
      .given([issued, requested({ expiresAt: EVENT_DATE })])
      .when(accept(), at(justBefore))
      .then([transferred(justBefore)]);
    // (The decider caps expiresAt at the start; a transfer recorded without the cap is still refused.)
    ticket
      .given([issued, requested({ expiresAt: shift(EVENT_DATE, 3600) })])
      .when(accept(), at(EVENT_DATE))
      .thenThrows('TICKET_NOT_TRANSFERABLE');
  });

  it('TICKET_NOT_TRANSFERABLE when the recipient is the holder', () => {
    ticket
      .given([issued, requested()], at())
      .when(accept({ recipientUserId: OWNER }))
      .thenThrows('TICKET_NOT_TRANSFERABLE');
  });
});

describe('ticket decider: cancelling a transfer', () => {
  it('records TransferCancelled by the sender', () => {
    ticket
      .given([issued, requested()], at())
      .when({ type: 'CancelTransfer', transferId: 'x-1', byUserId: OWNER })
      .then([cancelled()]);
  });

  it('TRANSFER_NOT_FOUND for anyone else, or an unknown transfer', () => {
    ticket
      .given([issued, requested()], at())
      .when({ type: 'CancelTransfer', transferId: 'x-1', byUserId: FRIEND })
      .thenThrows('TRANSFER_NOT_FOUND');
    ticket
      .given([issued, requested()], at())
      .when({ type: 'CancelTransfer', transferId: 'x-9', byUserId: OWNER })
      .thenThrows('TRANSFER_NOT_FOUND');
  });

  it('cancelling twice records nothing; an accepted transfer cannot be cancelled', () => {
    ticket
      .given([issued, requested(), cancelled()], at())
      .when({ type: 'CancelTransfer', transferId: 'x-1', byUserId: OWNER })
      .thenNothing();
    ticket
      .given([issued, requested(), transferred()], at())
      .when({ type: 'CancelTransfer', transferId: 'x-1', byUserId: OWNER })
      .thenThrows('TICKET_NOT_TRANSFERABLE');
  });
});

describe('ticket decider: voiding', () => {
  it('records TicketVoided', () => {
    ticket.given([issued], at()).when({ type: 'VoidTicket', reason: 'order_cancelled' }).then([voided]);
  });

  it('cancels a pending transfer first', () => {
    ticket
      .given([issued, requested()], at())
      .when({ type: 'VoidTicket', reason: 'order_cancelled' })
      .then([cancelled('ticket_voided', 'system'), voided]);
  });

  it('voiding twice records nothing; a transferred ticket records nothing', () => {
    ticket.given([issued, voided], at()).when({ type: 'VoidTicket', reason: 'again' }).thenNothing();
    ticket
      .given([issued, requested(), transferred()], at())
      .when({ type: 'VoidTicket', reason: 'order_cancelled' })
      .thenNothing();
  });

  it('TICKET_NOT_FOUND for a ticket never issued', () => {
    ticket.given([], at()).when({ type: 'VoidTicket', reason: 'x' }).thenThrows('TICKET_NOT_FOUND');
  });
});
