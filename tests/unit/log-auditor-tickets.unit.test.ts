import { LogAuditor, type AuditOptions } from '../../src/application/audit/invariants';
import type { RecordedEvent } from '../../src/application/ports/event-store';
import { recordedLog } from '../support/recorded-log';

// Tickets are issued before their order is confirmed; an order that fails (or is cancelled) afterwards must see
// them voided, or a barcode would still admit someone to a seat that went back on sale. The auditor judges that
// once the order's refund is recorded (the refund step voids first), or once the grace has passed.

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const ORDER = 'order-1';
const TICKETS = ['t-1', 't-2'];

/** Placed, captured, its two tickets issued, then failed by the watchdog with its refund owed. */
function failedAfterTickets() {
  const b = recordedLog(T0);
  b.add(`order-${ORDER}`, 'OrderPlaced', {
    orderId: ORDER,
    eventId: 'ev-1',
    totalCents: 10_900,
    seats: [{ seatId: 's1:A:1' }, { seatId: 's1:A:2' }],
  });
  b.add(`order-${ORDER}`, 'PaymentCaptured', { orderId: ORDER, amountCents: 10_900 });
  for (const ticketId of TICKETS) b.add(`ticket-${ticketId}`, 'TicketIssued', { ticketId, orderId: ORDER });
  b.add(`order-${ORDER}`, 'OrderFailed', {
    orderId: ORDER,
    reason: 'watchdog_timeout',
    authorizationVoided: false,
    refundDue: true,
  });
  return b;
}

const refunded = (b: ReturnType<typeof recordedLog>) =>
  b.add(`order-${ORDER}`, 'RefundCompleted', { orderId: ORDER, amountCents: 10_900, voided: false });
const voided = (b: ReturnType<typeof recordedLog>, ticketId: string) =>
  b.add(`ticket-${ticketId}`, 'TicketVoided', { ticketId, orderId: ORDER });

function audit(log: RecordedEvent[], options: AuditOptions = {}) {
  const auditor = new LogAuditor(options);
  for (const e of log) auditor.apply(e);
  return auditor.report();
}

describe('LogAuditor: tickets of failed and cancelled orders', () => {
  it('refund recorded with the tickets still valid: ticket_of_ended_order, named by each TicketIssued', () => {
    const b = failedAfterTickets();
    voided(b, 't-1');
    refunded(b);
    const report = audit(b.log);
    expect(report.ok).toBe(false);
    expect(report.violations).toEqual([
      expect.objectContaining({ invariant: 'ticket_of_ended_order', stream: 'ticket-t-2', revision: 0 }),
    ]);
    expect(report.violations[0].detail).toMatch(/ticket t-2 is still valid; its order order-1 failed/);
  });

  it('tickets voided, then the refund recorded: no violation', () => {
    const b = failedAfterTickets();
    for (const ticketId of TICKETS) voided(b, ticketId);
    refunded(b);
    expect(audit(b.log).violations).toEqual([]);
  });

  it('refund still to come: in flight until the grace has passed since the order ended', () => {
    const within = failedAfterTickets();
    within.add('event-ev-1', 'SeatsHeld', { eventId: 'ev-1', seatIds: [] }, T0 + 1_000);
    expect(audit(within.log).violations).toEqual([]);
    expect(audit(within.log, { fulfillmentGraceMs: 60_000 }).violations).toEqual([]);

    const past = failedAfterTickets();
    past.add('event-ev-1', 'SeatsHeld', { eventId: 'ev-1', seatIds: [] }, T0 + 120_000);
    expect(
      audit(past.log, { fulfillmentGraceMs: 60_000 }).violations.map((v) => [v.invariant, v.stream]),
    ).toEqual([
      ['ticket_of_ended_order', 'ticket-t-1'],
      ['ticket_of_ended_order', 'ticket-t-2'],
    ]);
  });

  it("a transferred ticket's recipient holds a ticket of their own: it too must be voided", () => {
    const b = failedAfterTickets();
    b.add('ticket-t-1', 'TicketTransferred', { ticketId: 't-1', newTicketId: 't-1b' });
    b.add('ticket-t-1b', 'TicketIssued', { ticketId: 't-1b', orderId: ORDER });
    voided(b, 't-2');
    refunded(b);
    expect(audit(b.log).violations.map((v) => v.stream)).toEqual(['ticket-t-1b']);
  });
});
