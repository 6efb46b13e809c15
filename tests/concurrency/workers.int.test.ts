import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SqliteEventStore } from '../../src/infrastructure/eventstore/sqlite/sqlite-event-store';
import { jsonLogLines, startChildServer, tokensFor, type ChildServer } from '../support/child-server';
import { createEvent } from '../support/fixtures';
import { apiClient, type ApiCall, type ApiResponse } from '../support/http';
import { replaySeats } from '../support/log-audit';
import { addCard, pollUntil } from '../support/purchase';

/**
 * WORKERS=2: the built server forks two API processes (node:cluster) on one port and one data directory. Requests
 * reach both (each answer names its worker in X-Worker); a reservation race through both holds no seat twice (an
 * independent replay of the log says so); the jobs that must run once run in worker 1, and an order placed through
 * worker 2 is still confirmed by the sagas there; a worker that dies is replaced (worker 1 taking its jobs back);
 * SIGTERM stops every worker cleanly.
 */
describe('WORKERS=2: two API processes on one data directory', () => {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ticketing-workers-'));
  const env = {
    WORKERS: '2',
    ADMIN_EMAIL: 'admin@workers.test',
    ADMIN_PASSWORD: 'admin-password-123',
    // Short holds, so the expiry job's work can be seen; long enough for a hold to be paid for.
    HOLD_SECONDS: '10',
    EXPIRY_SWEEP_MS: '100',
  };
  let server: ChildServer;
  let call: ApiCall;
  let adminToken: string;
  let eventId: string;
  const tokens = () => tokensFor(dataDir);
  /** Each request on a new connection: the primary hands every new connection to the next worker in turn. */
  const fresh = { connection: 'close' };

  /** The JSON log lines the server wrote so far (primary and workers share stdout). */
  const logLines = () => jsonLogLines(server.output());
  const readyLines = () => logLines().filter((l) => /^worker \d ready/.test(String(l.msg)));

  /** Reserves through the given worker: asks on new connections until that worker answers (each try new seats). */
  const reserveThrough = async (worker: string, seats: () => string[]): Promise<ApiResponse> => {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const res = await call('POST', '/v1/seats/reserve', {
        token: tokens().issue(
          { sub: `via-${worker}-${attempt}`, email: 'w@workers.test', role: 'customer' },
          3600,
        ).token,
        body: { event_id: eventId, seat_ids: seats() },
        headers: fresh,
      });
      expect(res.status).toBe(201);
      if (res.headers.get('x-worker') === worker) return res;
    }
    throw new Error(`worker ${worker} never answered`);
  };

  const releasedByExpiry = async (holdId: string) => {
    const store = new SqliteEventStore(path.join(dataDir, 'events.sqlite'));
    try {
      return (await store.readStream(`event-${eventId}`)).filter(
        (e) =>
          e.type === 'HoldReleased' &&
          (e.data as { holdId: string; reason: string }).holdId === holdId &&
          (e.data as { reason: string }).reason === 'expired',
      ).length;
    } finally {
      await store.close();
    }
  };
  const untilReleased = async (holdId: string) => {
    const deadline = Date.now() + 30_000;
    while ((await releasedByExpiry(holdId)) === 0) {
      if (Date.now() > deadline) throw new Error(`hold ${holdId} was not released by the expiry job`);
      await new Promise((r) => setTimeout(r, 100));
    }
    return releasedByExpiry(holdId);
  };

  beforeAll(async () => {
    server = await startChildServer(dataDir, env);
    call = apiClient(server.baseUrl);
    const login = await call('POST', '/v1/auth/token', {
      body: { grant_type: 'password', email: env.ADMIN_EMAIL, password: env.ADMIN_PASSWORD },
    });
    expect(login.status).toBe(200);
    adminToken = login.body.access_token as string;
    const rows = ['A', 'B', 'C', 'D', 'E', 'F'];
    eventId = (
      await createEvent(call, adminToken, {
        sections: [{ name: 'Main', rows: rows.map((row) => ({ row, seats: 25 })) }],
        tiers: [{ name: 'Main', price: 40, fees: 4, sections: ['Main'] }],
        maxTicketsPerOrder: 100,
        restrictSingleSeat: false,
      })
    ).eventId;
  }, 120_000);

  afterAll(async () => {
    if (server.process.exitCode === null && server.process.signalCode === null) {
      // The primary and its workers: SIGKILL on the primary would leave the workers to notice it is gone.
      server.process.kill('SIGTERM');
      await server.exited;
    }
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts two workers, announces one address, and only worker 1 runs the jobs', () => {
    const ready = readyLines();
    expect(ready.map((l) => [l.worker, l.jobs]).sort()).toEqual([
      [1, true],
      [2, false],
    ]);
    expect(server.output()).toMatch(/listening on http:\/\/127\.0\.0\.1:\d+ \(2 workers\)/);
  });

  it('/metrics adds up every worker, whichever answers the scrape: a counter never falls between scrapes', async () => {
    const healthz = async () => {
      const res = await fetch(`${server.baseUrl}/healthz`, { headers: fresh });
      expect(res.status).toBe(200);
      return res.headers.get('x-worker');
    };
    const servedBy = new Set<string | null>();
    for (let i = 0; i < 10; i += 1) servedBy.add(await healthz());
    expect(servedBy).toEqual(new Set(['1', '2']));

    const scrapes: Array<{ worker: string | null; healthz: number; text: string }> = [];
    for (let i = 0; i < 12 && new Set(scrapes.map((s) => s.worker)).size < 2; i += 1) {
      const res = await fetch(`${server.baseUrl}/metrics`, {
        headers: { ...fresh, authorization: `Bearer ${adminToken}` },
      });
      expect(res.status).toBe(200);
      const text = await res.text();
      const line = /^http_requests_total\{method="GET",route="\/healthz",status="200"\} (\d+)$/m.exec(text);
      scrapes.push({ worker: res.headers.get('x-worker'), healthz: Number(line?.[1]), text });
    }
    expect(new Set(scrapes.map((s) => s.worker))).toEqual(new Set(['1', '2']));
    for (const [i, scrape] of scrapes.entries()) {
      expect(scrape.healthz).toBeGreaterThanOrEqual(10); // both workers' requests, whoever answered
      if (i > 0) expect(scrape.healthz).toBeGreaterThanOrEqual(scrapes[i - 1].healthz);
      // The watchdog runs in worker 1 only: its counter is there whichever worker answers.
      expect(scrape.text).toMatch(/^ticketing_watchdog_redriven_total \d+$/m);
    }
  });

  it('races reservations through both workers: both win some, no seat is held twice', async () => {
    const seats = ['A', 'B', 'C'].flatMap((row) =>
      Array.from({ length: 25 }, (_, i) => `s1:${row}:${i + 1}`),
    );
    const issuer = tokens();
    const results = await Promise.all(
      Array.from({ length: 300 }, (_, i) => {
        const start = (i * 7) % (seats.length - 2);
        return call('POST', '/v1/seats/reserve', {
          token: issuer.issue({ sub: `racer-${i}`, email: `r${i}@workers.test`, role: 'customer' }, 3600)
            .token,
          body: { event_id: eventId, seat_ids: seats.slice(start, start + 2) },
          // Every fourth on its own connection, so both workers see requests even if the pool reuses few.
          headers: i % 4 === 0 ? fresh : {},
        });
      }),
    );
    expect(results.map((r) => r.status).filter((s) => s !== 201 && s !== 409)).toEqual([]);
    const winners = results.filter((r) => r.status === 201);
    const winsBy = (worker: string) => winners.filter((r) => r.headers.get('x-worker') === worker).length;
    expect(winsBy('1')).toBeGreaterThan(0);
    expect(winsBy('2')).toBeGreaterThan(0);
    expect(winsBy('1') + winsBy('2')).toBe(winners.length);

    // The log is the proof (an answered seat may legitimately be won again once its 10 s hold expired).
    const store = new SqliteEventStore(path.join(dataDir, 'events.sqlite'));
    const ledger = await replaySeats(store);
    await store.close();
    expect(ledger.violations).toEqual([]);
    expect(ledger.holds).toBe(winners.length);
  }, 120_000);

  it('an order placed through worker 2 is confirmed by the sagas in worker 1', async () => {
    const email = `buyer-${Date.now()}@workers.test`;
    const password = 'buyer-password-123';
    expect(
      (await call('POST', '/v1/auth/register', { body: { email, password, name: 'Buyer' } })).status,
    ).toBe(201);
    const login = await call('POST', '/v1/auth/token', { body: { grant_type: 'password', email, password } });
    const token = login.body.access_token as string;
    const card = await addCard(call, token);
    // Place (and retry, with a new hold each time) until worker 2 took the order.
    for (let attempt = 0; attempt < 12; attempt += 1) {
      const hold = await call('POST', '/v1/seats/reserve', {
        token,
        body: { event_id: eventId, seat_ids: [`s1:F:${2 * attempt + 1}`, `s1:F:${2 * attempt + 2}`] },
        headers: fresh,
      });
      expect([hold.status, hold.text]).toEqual([201, expect.any(String)]);
      const placed = await call('POST', '/v1/orders', {
        token,
        body: {
          reservation_id: hold.body.reservation_id,
          payment_method_id: card,
          delivery_method: 'MOBILE',
        },
        headers: fresh,
      });
      expect([placed.status, placed.text]).toEqual([201, expect.any(String)]);
      if (placed.headers.get('x-worker') !== '2') {
        // The primary hands new connections to the workers in turn: one more request shifts the next order's turn.
        await call('GET', '/healthz', { headers: fresh });
        continue;
      }
      // Confirmed, then its tickets issued (the fulfillment saga, after the confirmation).
      const order = await pollUntil(
        call,
        `/v1/orders/${placed.body.order_id}`,
        token,
        (r) => ['FAILED', 'CANCELLED'].includes(r.body.status) || r.body.tickets?.length > 0,
      );
      expect(order.body.status).toBe('CONFIRMED');
      expect(order.body.tickets).toHaveLength(2);
      return;
    }
    throw new Error('worker 2 never took an order');
  }, 120_000);

  it('a hold made through worker 2 is released by the expiry job, which runs in worker 1', async () => {
    let next = 0;
    const hold = await reserveThrough('2', () => [`s1:E:${++next}`]);
    expect(await untilReleased(hold.body.reservation_id)).toBe(1);
  }, 60_000);

  it('a worker that dies is replaced; a new worker 1 runs the jobs again', async () => {
    const before = readyLines();
    const first = before.find((l) => l.worker === 1)!;
    process.kill(first.pid as number, 'SIGKILL');
    // Worker 2 keeps serving while worker 1 comes back. Node's cluster caveat: a connection the primary was
    // handing to the dying worker is lost, so a try may fail or hang (bounded here), and a pooled connection to
    // the dead worker is reset.
    const answeredBy = async (): Promise<string | null> => {
      try {
        const res = await fetch(`${server.baseUrl}/healthz`, {
          headers: fresh,
          signal: AbortSignal.timeout(3000),
        });
        return res.headers.get('x-worker');
      } catch {
        return null;
      }
    };
    const seen = new Set<string | null>();
    for (let i = 0; i < 20 && !seen.has('2'); i += 1) seen.add(await answeredBy());
    expect(seen).toContain('2');
    const deadline = Date.now() + 90_000;
    while (readyLines().filter((l) => l.worker === 1).length < 2) {
      if (Date.now() > deadline) throw new Error(`worker 1 was not restarted:\n${server.output()}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    const restarted = readyLines().filter((l) => l.worker === 1)[1];
    expect(restarted.pid).not.toBe(first.pid);
    expect(restarted.jobs).toBe(true);
    expect(server.output()).toContain('worker 1 died; starting a new one');
    const after = new Set<string | null>();
    for (let i = 0; i < 20 && after.size < 2; i += 1) {
      const worker = await answeredBy();
      if (worker) after.add(worker);
    }
    expect(after).toEqual(new Set(['1', '2']));

    // The jobs came back with it: a new hold expires and is released.
    let next = 10;
    const hold = await reserveThrough('2', () => [`s1:E:${++next}`]);
    expect(await untilReleased(hold.body.reservation_id)).toBe(1);
  }, 180_000);

  it('SIGTERM stops every worker cleanly, then the primary (exit 0)', async () => {
    server.process.kill('SIGTERM');
    expect(await server.exited).toBe(0);
    const stopped = logLines().filter((l) => l.msg === 'stopped cleanly');
    expect(stopped.map((l) => l.worker).sort()).toEqual([1, 2]);
    expect(server.output()).toContain('all workers stopped cleanly');
  }, 60_000);
});
