import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { startChildServer, tokensFor, type ChildServer } from '../support/child-server';
import { createEvent } from '../support/fixtures';
import { apiClient } from '../support/http';
import { replaySeats, seatStatuses } from '../support/log-audit';

/**
 * Crash safety: SIGKILL the server in the middle of a reservation race, restart it on the same data directory.
 * Every reservation it answered 201 is still held, the seat map equals a fresh replay of the log, no seat twice.
 */
describe('SIGKILL during a reservation race', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-crash-'));
  const env = { ADMIN_EMAIL: 'admin@crash.test', ADMIN_PASSWORD: 'admin-password-123' };
  let server: ChildServer | undefined;

  afterAll(async () => {
    if (server && server.process.exitCode === null) {
      server.process.kill('SIGKILL');
      await server.exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every answered hold and rebuilds the same seat map', async () => {
    server = await startChildServer(dataDir, env);
    let call = apiClient(server.baseUrl);
    const login = await call('POST', '/v1/auth/token', {
      body: { grant_type: 'password', email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD },
    });
    expect(login.status).toBe(200);
    const rows = ['A', 'B', 'C', 'D', 'E', 'F', 'G', 'H'];
    const { eventId } = await createEvent(call, login.body.access_token, {
      sections: [{ name: 'Main', rows: rows.map((row) => ({ row, seats: 25 })) }],
      tiers: [{ name: 'Main', price: 50, fees: 5, sections: ['Main'] }],
      maxTicketsPerOrder: 100,
      restrictSingleSeat: false,
    });
    const tokens = tokensFor(dataDir);
    const seats = rows.flatMap((row) => Array.from({ length: 25 }, (_, i) => `s1:${row}:${i + 1}`));

    // Buyers keep firing overlapping requests; the server is killed while they are in flight.
    const answered: Array<{ reservationId: string; seatIds: string[] }> = [];
    let killed = false;
    let sent = 0;
    const buyer = async (n: number) => {
      const token = tokens.issue(
        { sub: `crash-buyer-${n}`, email: `b${n}@crash.test`, role: 'customer' },
        3600,
      ).token;
      while (!killed) {
        const start = (n * 7 + sent++ * 13) % (seats.length - 2);
        const seatIds = seats.slice(start, start + 1 + (sent % 2));
        try {
          const res = await call('POST', '/v1/seats/reserve', {
            token,
            body: { event_id: eventId, seat_ids: seatIds },
          });
          if (res.status === 201)
            answered.push({ reservationId: res.body.reservation_id, seatIds: res.body.seat_ids });
        } catch {
          return; // connection reset by the kill
        }
      }
    };
    const buyers = Array.from({ length: 40 }, (_, n) => buyer(n));
    while (answered.length < 40) await new Promise((r) => setTimeout(r, 5));
    server.process.kill('SIGKILL');
    killed = true;
    await server.exited;
    await Promise.all(buyers);
    expect(answered.length).toBeGreaterThanOrEqual(40);

    // Restart on the same data directory.
    server = await startChildServer(dataDir, env);
    call = apiClient(server.baseUrl);
    const map = await call('GET', `/v1/events/${eventId}/seats`);
    expect(map.status).toBe(200);
    const statuses = seatStatuses(map.body);
    const admin = tokens.issue({ sub: 'auditor', email: 'a@crash.test', role: 'admin' }, 3600).token;
    for (const hold of answered) {
      const res = await call('GET', `/v1/reservations/${hold.reservationId}`, { token: admin });
      expect([hold.reservationId, res.status, res.body.status]).toEqual([hold.reservationId, 200, 'HELD']);
      for (const seatId of hold.seatIds) expect([seatId, statuses.get(seatId)]).toEqual([seatId, 'RESERVED']);
    }

    // The served seat map equals an independent replay of the log.
    const store = new SqliteEventStore(path.join(dataDir, 'events.sqlite'));
    const ledger = await replaySeats(store);
    await store.close();
    expect(ledger.violations).toEqual([]);
    const fromLog = new Set(
      [...ledger.claims().keys()]
        .filter((k) => k.startsWith(`${eventId}/`))
        .map((k) => k.slice(eventId.length + 1)),
    );
    for (const seatId of seats)
      expect([seatId, statuses.get(seatId)]).toEqual([
        seatId,
        fromLog.has(seatId) ? 'RESERVED' : 'AVAILABLE',
      ]);

    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
  });
});
