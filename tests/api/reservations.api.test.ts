import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { createEvent } from '../support/fixtures';
import { seatStatuses } from '../support/log-audit';
import { startTestApp, type TestApp } from '../support/test-app';

const HOLD_SECONDS = 120;

// The reservation rules and errors are API specifications (given events, one request): reservations.spec.test.ts.
// Left here: what only a running server shows (validation envelopes, the expiry job, idempotency, read your writes).
describe('reservations over HTTP: validation, expiry job, idempotency, read your writes', () => {
  let t: TestApp;
  let admin: string;
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  const reserve = (token: string, eventId: string, seatIds: string[], headers: Record<string, string> = {}) =>
    t.call('POST', '/v1/seats/reserve', { token, body: { event_id: eventId, seat_ids: seatIds }, headers });

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { HOLD_SECONDS: String(HOLD_SECONDS), EXPIRY_SWEEP_MS: '50' } });
    admin = await t.adminToken();
  });
  afterAll(() => t.close());

  it('400 for malformed requests, 401 without a token', async () => {
    const fan = t.mintToken('sloppy');
    const cases = [
      { event_id: 'x' },
      { event_id: 'x', seat_ids: [] },
      { event_id: 'x', seat_ids: 'A1' },
      { event_id: 'x', seat_ids: ['a', 'a'] },
      { event_id: 5, seat_ids: ['a'] },
      { event_id: 'x', seat_ids: ['a'], surprise: true },
    ];
    for (const body of cases) {
      const res = await t.call('POST', '/v1/seats/reserve', { token: fan, body });
      expect([JSON.stringify(body), res.status, res.body.error.code]).toEqual([
        JSON.stringify(body),
        400,
        'VALIDATION_ERROR',
      ]);
    }
    expect(
      (await t.call('POST', '/v1/seats/reserve', { body: { event_id: 'x', seat_ids: ['a'] } })).status,
    ).toBe(401);
  });

  // Lazy expiry (an expired hold frees its seats for the next buyer) is the decider's rule and has its
  // API spec in reservations.spec.test.ts; what stays here is the job, which runs on a timer.
  it('the expiry job releases a hold nobody touches, so the seat map catches up', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const idle = await reserve(t.mintToken('idle'), eventId, ['s2:A:7', 's2:A:8']);
    const headers = { 'x-min-log-position': idle.headers.get('x-log-position')! };
    const before = await t.call('GET', `/v1/events/${eventId}/seats`, { headers });
    expect(seatStatuses(before.body).get('s2:A:7')).not.toBe('AVAILABLE');
    clock.advance((HOLD_SECONDS + 1) * 1000);
    let status = '';
    for (let i = 0; i < 100 && status !== 'AVAILABLE'; i += 1) {
      await new Promise((r) => setTimeout(r, 50));
      status = seatStatuses((await t.call('GET', `/v1/events/${eventId}/seats`)).body).get('s2:A:7')!;
    }
    expect(status).toBe('AVAILABLE');
    expect(
      (await t.call('GET', `/v1/reservations/${idle.body.reservation_id}`, { token: admin })).body.status,
    ).toBe('EXPIRED');
  });

  it('Idempotency-Key returns the first answer again, and refuses a different body', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const fan = t.mintToken('retrier');
    const key = { 'idempotency-key': 'retry-123' };
    const first = await reserve(fan, eventId, ['s1:B:1', 's1:B:2'], key);
    const second = await reserve(fan, eventId, ['s1:B:1', 's1:B:2'], key);
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    expect(second.body).toEqual(first.body);
    expect(second.headers.get('idempotent-replayed')).toBe('true');
    // The same request with its fields in another order is the same request.
    const reordered = await t.call('POST', '/v1/seats/reserve', {
      token: fan,
      body: { seat_ids: ['s1:B:1', 's1:B:2'], event_id: eventId },
      headers: key,
    });
    expect([reordered.status, reordered.body.reservation_id]).toEqual([201, first.body.reservation_id]);
    const other = await reserve(fan, eventId, ['s1:B:5', 's1:B:6'], key);
    expect(other.status).toBe(422);
    expect(other.body.error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    // Concurrent retries with one key make one hold.
    const racing = await Promise.all(
      Array.from({ length: 5 }, () =>
        reserve(fan, eventId, ['s1:B:8', 's1:B:9'], { 'idempotency-key': 'race-1' }),
      ),
    );
    expect(new Set(racing.map((r) => r.body.reservation_id)).size).toBe(1);
  });

  it('read your writes: X-Min-Log-Position waits for the projections', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const held = await reserve(t.mintToken('reader'), eventId, ['s1:A:9', 's1:A:10']);
    const position = held.headers.get('x-log-position')!;
    const details = await t.call('GET', `/v1/events/${eventId}`, {
      headers: { 'x-min-log-position': position },
    });
    expect(Number(details.headers.get('x-read-model-position'))).toBeGreaterThanOrEqual(Number(position));
    expect(details.body.pricing_tiers[0].available_seats).toBe(18);
    const future = await t.call('GET', `/v1/events/${eventId}`, {
      headers: { 'x-min-log-position': String(Number(position) + 1_000_000) },
    });
    expect(future.status).toBe(200);
    expect(future.headers.get('x-read-model-stale')).toBe('true');
    expect(
      (await t.call('GET', `/v1/events/${eventId}`, { headers: { 'x-min-log-position': 'abc' } })).status,
    ).toBe(400);
  });
});
