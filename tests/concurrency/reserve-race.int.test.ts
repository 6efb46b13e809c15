import { createEvent } from '../support/fixtures';
import { replaySeats, seatStatuses } from '../support/log-audit';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * The core claim: 500 buyers fire at once for overlapping seats of one event; afterwards no seat is held
 * by two reservations, in the seat map AND in the log, every loser got 409 and every winner's seats show RESERVED.
 */
describe('500 concurrent reservations for overlapping seats', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('never holds a seat twice', async () => {
    const admin = await t.adminToken();
    const { eventId } = await createEvent(t.call, admin, {
      sections: [{ name: 'Pit', rows: ['A', 'B', 'C', 'D'].map((row) => ({ row, seats: 15 })) }],
      tiers: [{ name: 'Pit', price: 99, fees: 9, sections: ['Pit'] }],
      maxTicketsPerOrder: 100,
      restrictSingleSeat: false,
    });
    const seats = ['A', 'B', 'C', 'D'].flatMap((row) =>
      Array.from({ length: 15 }, (_, i) => `s1:${row}:${i + 1}`),
    );
    let seed = 42;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const requests = Array.from({ length: 500 }, (_, i) => {
      const start = Math.floor(random() * (seats.length - 3));
      const count = 1 + Math.floor(random() * 3);
      return { token: t.mintToken(`buyer-${i % 200}`), seatIds: seats.slice(start, start + count) };
    });

    const results = await Promise.all(
      requests.map((r) =>
        t.call('POST', '/v1/seats/reserve', {
          token: r.token,
          body: { event_id: eventId, seat_ids: r.seatIds },
        }),
      ),
    );

    const winners = results.filter((r) => r.status === 201);
    const losers = results.filter((r) => r.status !== 201);
    expect(winners.length).toBeGreaterThan(0);
    expect(losers.length).toBeGreaterThan(0);
    for (const loser of losers) {
      expect(loser.status).toBe(409);
      expect(loser.body.error.code).toBe('SEATS_UNAVAILABLE');
      expect(loser.body.error.details.seat_ids.length).toBeGreaterThan(0);
    }
    // Winners' seats are pairwise disjoint.
    const claimed = new Map<string, string>();
    for (const w of winners) {
      for (const seatId of w.body.seat_ids as string[]) {
        expect(claimed.get(seatId)).toBeUndefined();
        claimed.set(seatId, w.body.reservation_id);
      }
    }

    // Seat map (read your writes) agrees with the winners exactly.
    const maxPosition = Math.max(...winners.map((w) => Number(w.headers.get('x-log-position'))));
    const map = await t.call('GET', `/v1/events/${eventId}/seats`, {
      headers: { 'x-min-log-position': String(maxPosition) },
    });
    const statuses = seatStatuses(map.body);
    for (const seatId of seats)
      expect([seatId, statuses.get(seatId)]).toEqual([
        seatId,
        claimed.has(seatId) ? 'RESERVED' : 'AVAILABLE',
      ]);

    // The log, replayed independently of the domain code, shows no seat held twice.
    const ledger = await replaySeats(t.app.store);
    expect(ledger.violations).toEqual([]);
    expect(ledger.holds).toBe(winners.length);
    const fromLog = [...ledger.claims().keys()]
      .filter((k) => k.startsWith(`${eventId}/`))
      .map((k) => k.slice(eventId.length + 1));
    expect(fromLog.sort()).toEqual([...claimed.keys()].sort());
  });
});
