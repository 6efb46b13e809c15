import { LogAuditor, type AuditOptions } from '../../src/application/audit/invariants';
import type { RecordedEvent } from '../../src/application/ports/event-store';
import { recordedLog } from '../support/recorded-log';

// In logs of earlier versions a confirmed order's tickets follow its confirmation (the fulfillment saga): the
// auditor judges a confirmed order without tickets only once the log has gone on past the fulfillment grace, so a
// replay during an on-sale or just after a crash does not flag orders whose tickets are on their way.

const T0 = Date.parse('2026-06-01T12:00:00.000Z');
const EVENT = 'ev-1';
const ORDER = 'order-1';

function logOf(orderTicketed: boolean, lastEventAfterMs: number): RecordedEvent[] {
  const { log, add } = recordedLog(T0);
  const seatIds = ['s1:A:1', 's1:A:2'];
  add(`event-${EVENT}`, 'SeatsHeld', {
    eventId: EVENT,
    holdId: 'hold-1',
    userId: 'u',
    seatIds,
    expiresAt: new Date(T0 + 600_000).toISOString(),
  });
  add(`order-${ORDER}`, 'OrderPlaced', {
    orderId: ORDER,
    eventId: EVENT,
    totalCents: 10_900,
    seats: seatIds.map((seatId) => ({ seatId })),
  });
  add(`order-${ORDER}`, 'PaymentCaptured', { orderId: ORDER, amountCents: 10_900 });
  add(`event-${EVENT}`, 'SeatsSold', {
    eventId: EVENT,
    holdId: 'hold-1',
    orderId: ORDER,
    userId: 'u',
    seatIds,
    totalCents: 10_900,
    soldAt: new Date(T0).toISOString(),
  });
  add(`order-${ORDER}`, 'OrderConfirmed', { orderId: ORDER });
  if (orderTicketed) add(`order-${ORDER}`, 'TicketsIssued', { orderId: ORDER, tickets: [{}, {}] }, T0 + 10);
  // Something else happens later (another buyer's hold): how far the log goes on after the confirmation.
  add(
    `event-${EVENT}`,
    'SeatsHeld',
    {
      eventId: EVENT,
      holdId: 'hold-2',
      userId: 'v',
      seatIds: ['s1:B:1'],
      expiresAt: new Date(T0 + lastEventAfterMs + 600_000).toISOString(),
    },
    T0 + lastEventAfterMs,
  );
  return log;
}

function audit(log: RecordedEvent[], options: AuditOptions) {
  const auditor = new LogAuditor(options);
  for (const e of log) auditor.apply(e);
  return auditor.report();
}

describe('LogAuditor: a confirmed order and its tickets', () => {
  it('within the grace, a confirmed order without tickets is in flight, not a violation', () => {
    const report = audit(logOf(false, 1_000), { fulfillmentGraceMs: 60_000 });
    expect(report.violations).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.orders).toMatchObject({ confirmed: 1, ticketsPending: [ORDER], missingTickets: [] });
  });

  it('once the log goes on past the grace, it is confirmed_without_tickets, named by its confirmation', () => {
    const report = audit(logOf(false, 120_000), { fulfillmentGraceMs: 60_000 });
    expect(report.ok).toBe(false);
    expect(report.violations).toEqual([
      expect.objectContaining({
        invariant: 'confirmed_without_tickets',
        stream: `order-${ORDER}`,
        revision: 2,
      }),
    ]);
    expect(report.orders).toMatchObject({ ticketsPending: [], missingTickets: [ORDER] });
  });

  it('without a grace, every confirmed order must have its tickets by the end of the log', () => {
    const report = audit(logOf(false, 1_000), {});
    expect(report.violations.map((v) => v.invariant)).toEqual(['confirmed_without_tickets']);
  });

  it('an order with its tickets is neither pending nor missing, whatever the grace', () => {
    for (const options of [{}, { fulfillmentGraceMs: 60_000 }, { fulfillmentGraceMs: 0 }]) {
      const report = audit(logOf(true, 120_000), options);
      expect(report.violations).toEqual([]);
      expect(report.orders).toMatchObject({ confirmed: 1, ticketsPending: [], missingTickets: [] });
    }
  });
});
