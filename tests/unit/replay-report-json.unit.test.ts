import { replayReportJson } from '../../src/application/audit/replay-report-json';
import type { ReplayReport } from '../../src/application/audit/replay';

const report = {
  events: 3,
  headPosition: 3,
  seats: {
    holds: 1,
    sales: 1,
    violations: [
      {
        eventId: 'evA',
        seatId: 's1:A:1',
        position: 3,
        stream: 'event-evA',
        revision: 2,
        problem: 'sold_while_taken',
      },
    ],
  },
  money: {
    capturedCents: 100,
    refundedCents: 0,
    confirmedOrderCents: 100,
    perEvent: {
      evA: { netCapturedCents: 100, revenueCents: 100 },
      someEventId: { netCapturedCents: 0, revenueCents: 0 },
    },
    problems: [],
  },
  orders: {
    total: 1,
    confirmed: 1,
    cancelled: 0,
    failed: 0,
    pending: 0,
    missingTickets: [],
    ticketsPending: ['o1'],
    authorizing: 0,
  },
  violations: [],
  ok: true,
  scope: { event_id: null },
  duration_ms: 1,
  events_per_s: 3000,
  threads: 1,
  read_models: { audit_correlations: 1, seat_maps: 1 },
  projection_errors: [],
  comparison: {
    equal: false,
    collections: [
      { collection: 'orders', rebuilt: 1, live: 0, onlyRebuilt: ['o1'], onlyLive: [], different: [] },
    ],
  },
} as unknown as ReplayReport;

describe('replayReportJson (npm run replay -- --json)', () => {
  const json = replayReportJson(report) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

  it('names every field in snake_case, in nested objects and arrays too', () => {
    expect(json).toMatchObject({
      head_position: 3,
      seats: { violations: [{ event_id: 'evA', seat_id: 's1:A:1', problem: 'sold_while_taken' }] },
      money: { captured_cents: 100, refunded_cents: 0, confirmed_order_cents: 100 },
      orders: { missing_tickets: [], tickets_pending: ['o1'] },
      comparison: { collections: [{ only_rebuilt: ['o1'], only_live: [] }] },
      events_per_s: 3000,
    });
    expect(Object.keys(json)).not.toContain('headPosition');
  });

  it('keeps keys that are data: event ids of the money per event, collection names of the counts', () => {
    expect(Object.keys(json.money.per_event)).toEqual(['evA', 'someEventId']);
    expect(json.money.per_event.someEventId).toEqual({ net_captured_cents: 0, revenue_cents: 0 });
    expect(json.read_models).toEqual({ audit_correlations: 1, seat_maps: 1 });
  });
});
