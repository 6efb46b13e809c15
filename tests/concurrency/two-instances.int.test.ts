import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createEvent } from '../support/fixtures';
import { replaySeats } from '../support/log-audit';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Two independent application instances (separate caches and processors) on ONE SQLite file race for the
 * same seats: optimistic concurrency on the event stream must still prevent any double hold.
 */
describe('two application instances sharing one event store', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-two-'));
  let a: TestApp;
  let b: TestApp;

  beforeAll(async () => {
    a = await startTestApp({ dataDir });
    b = await startTestApp({ dataDir });
  });
  afterAll(async () => {
    await a.close();
    await b.close();
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('never double-holds, and the conflict path runs', async () => {
    const { eventId } = await createEvent(a.call, await a.adminToken(), {
      sections: [{ name: 'Main', rows: ['A', 'B', 'C'].map((row) => ({ row, seats: 20 })) }],
      tiers: [{ name: 'Main', price: 40, fees: 4, sections: ['Main'] }],
      maxTicketsPerOrder: 100,
      restrictSingleSeat: false,
    });
    const seats = ['A', 'B', 'C'].flatMap((row) =>
      Array.from({ length: 20 }, (_, i) => `s1:${row}:${i + 1}`),
    );
    const conflictsBefore = a.app.ticketedEvents.stats.conflicts + b.app.ticketedEvents.stats.conflicts;

    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const instance = i % 2 === 0 ? a : b;
        const start = (i * 7) % (seats.length - 2);
        return instance.call('POST', '/v1/seats/reserve', {
          token: instance.mintToken(`racer-${i}`),
          body: { event_id: eventId, seat_ids: seats.slice(start, start + 2) },
        });
      }),
    );

    expect(results.every((r) => r.status === 201 || r.status === 409)).toBe(true);
    const winners = results.filter((r) => r.status === 201);
    expect(winners.length).toBeGreaterThan(0);
    const taken = winners.flatMap((w) => w.body.seat_ids as string[]);
    expect(new Set(taken).size).toBe(taken.length);
    // Both instances won some races, and at least one had to reload after the other wrote.
    const byA = results.filter((r, i) => i % 2 === 0 && r.status === 201).length;
    expect(byA).toBeGreaterThan(0);
    expect(winners.length - byA).toBeGreaterThan(0);
    expect(a.app.ticketedEvents.stats.conflicts + b.app.ticketedEvents.stats.conflicts).toBeGreaterThan(
      conflictsBefore,
    );

    const ledger = await replaySeats(a.app.store);
    expect(ledger.violations).toEqual([]);
    expect(ledger.holds).toBe(winners.length);
  });
});
