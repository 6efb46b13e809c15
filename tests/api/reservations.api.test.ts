import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { createEvent } from '../support/fixtures';
import { seatStatuses } from '../support/log-audit';
import { startTestApp, type TestApp } from '../support/test-app';

const HOLD_SECONDS = 120;

describe('reservations over HTTP: every rule and error', () => {
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

  it('201 with the seed shape, and the hold is readable by its holder only', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const fan = t.mintToken('fan-shape');
    const res = await reserve(fan, eventId, ['s1:A:1', 's1:A:2']);
    expect(res.status).toBe(201);
    expect(res.body).toEqual({
      reservation_id: expect.any(String),
      event_id: eventId,
      seat_ids: ['s1:A:1', 's1:A:2'],
      expires_at: new Date(clock.now().getTime() + HOLD_SECONDS * 1000).toISOString(),
      total_price: 300,
      fees: 45,
      total: 345,
    });
    expect(Number(res.headers.get('x-log-position'))).toBeGreaterThan(0);

    const mine = await t.call('GET', `/v1/reservations/${res.body.reservation_id}`, { token: fan });
    expect(mine.status).toBe(200);
    expect(mine.body).toMatchObject({
      reservation_id: res.body.reservation_id,
      status: 'HELD',
      seat_ids: ['s1:A:1', 's1:A:2'],
      total: 345,
    });
    const stranger = await t.call('GET', `/v1/reservations/${res.body.reservation_id}`, {
      token: t.mintToken('someone-else'),
    });
    expect(stranger.status).toBe(404);
    const asAdmin = await t.call('GET', `/v1/reservations/${res.body.reservation_id}`, { token: admin });
    expect(asAdmin.status).toBe(200);
    expect(
      (
        await t.call('DELETE', `/v1/reservations/${res.body.reservation_id}`, {
          token: t.mintToken('someone-else'),
        })
      ).status,
    ).toBe(404);
  });

  it('409 SEATS_UNAVAILABLE with the taken seat ids', async () => {
    const { eventId } = await createEvent(t.call, admin);
    expect((await reserve(t.mintToken('first'), eventId, ['s1:A:3', 's1:A:4'])).status).toBe(201);
    const res = await reserve(t.mintToken('second'), eventId, ['s1:A:4', 's1:A:5']);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'SEATS_UNAVAILABLE', details: { seat_ids: ['s1:A:4'] } });
    expect(res.body.error.request_id).toEqual(expect.any(String));
  });

  it('410 SEATS_GONE once the event is cancelled', async () => {
    const { eventId } = await createEvent(t.call, admin);
    expect(
      (await t.call('POST', `/v1/admin/events/${eventId}/cancel`, { token: admin, body: {} })).status,
    ).toBe(200);
    const res = await reserve(t.mintToken('late'), eventId, ['s1:A:1', 's1:A:2']);
    expect(res.status).toBe(410);
    expect(res.body.error.code).toBe('SEATS_GONE');
  });

  it('422 PURCHASE_LIMIT_EXCEEDED across live holds', async () => {
    const { eventId } = await createEvent(t.call, admin, {
      maxTicketsPerOrder: 4,
      restrictSingleSeat: false,
    });
    const fan = t.mintToken('limited');
    expect((await reserve(fan, eventId, ['s1:A:1', 's1:A:2', 's1:A:3'])).status).toBe(201);
    const res = await reserve(fan, eventId, ['s1:B:1', 's1:B:2']);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({
      code: 'PURCHASE_LIMIT_EXCEEDED',
      details: { limit: 4, already_held_or_bought: 3, requested: 2 },
    });
  });

  it('422 SINGLE_SEAT_GAP when restrict_single_seat is on', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const res = await reserve(t.mintToken('gapper'), eventId, ['s1:A:2', 's1:A:3']);
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ code: 'SINGLE_SEAT_GAP', details: { seat_ids: ['s1:A:1'] } });
  });

  it('422 SALE_NOT_OPEN before the sale and after the event', async () => {
    const early = await createEvent(t.call, admin, { generalSaleStart: '2026-07-01T10:00:00Z' });
    const res = await reserve(t.mintToken('early'), early.eventId, ['s1:A:1', 's1:A:2']);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('SALE_NOT_OPEN');
    const past = await createEvent(t.call, admin, {
      generalSaleStart: '2026-01-01T10:00:00Z',
      date: '2026-05-01T20:00:00Z',
    });
    expect((await reserve(t.mintToken('late'), past.eventId, ['s1:A:1', 's1:A:2'])).body.error.code).toBe(
      'SALE_NOT_OPEN',
    );
  });

  it('404 for unknown events, unpublished events and unknown seats', async () => {
    const fan = t.mintToken('lost');
    expect((await reserve(fan, 'no-such-event', ['s1:A:1'])).body.error.code).toBe('EVENT_NOT_FOUND');
    const draft = await createEvent(t.call, admin, { publish: false });
    expect((await reserve(fan, draft.eventId, ['s1:A:1', 's1:A:2'])).status).toBe(404);
    const { eventId } = await createEvent(t.call, admin);
    const res = await reserve(fan, eventId, ['s1:A:1', 's9:Z:99']);
    expect(res.status).toBe(404);
    expect(res.body.error).toMatchObject({ code: 'SEAT_NOT_FOUND', details: { seat_ids: ['s9:Z:99'] } });
  });

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

  it('DELETE releases the hold: 204, seats available again, second release is harmless', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const fan = t.mintToken('releaser');
    const held = await reserve(fan, eventId, ['s2:A:1', 's2:A:2']);
    const del = await t.call('DELETE', `/v1/reservations/${held.body.reservation_id}`, { token: fan });
    expect(del.status).toBe(204);
    const headers = { 'x-min-log-position': del.headers.get('x-log-position')! };
    const map = await t.call('GET', `/v1/events/${eventId}/seats`, { headers });
    expect(seatStatuses(map.body).get('s2:A:1')).toBe('AVAILABLE');
    expect(
      (await t.call('GET', `/v1/reservations/${held.body.reservation_id}`, { token: fan, headers })).body
        .status,
    ).toBe('RELEASED');
    expect((await reserve(t.mintToken('next'), eventId, ['s2:A:1', 's2:A:2'])).status).toBe(201);
  });

  it('holds expire: lazily for new buyers, and the expiry job updates the seat map', async () => {
    const { eventId } = await createEvent(t.call, admin);
    const held = await reserve(t.mintToken('slow'), eventId, ['s2:A:3', 's2:A:4']);
    expect(held.status).toBe(201);
    expect((await reserve(t.mintToken('eager'), eventId, ['s2:A:3', 's2:A:4'])).status).toBe(409);

    clock.advance((HOLD_SECONDS + 1) * 1000);
    // Lazy: the expired hold no longer blocks anyone, even before the job ran.
    const again = await reserve(t.mintToken('eager'), eventId, ['s2:A:3', 's2:A:4']);
    expect(again.status).toBe(201);
    const old = await t.call('GET', `/v1/reservations/${held.body.reservation_id}`, {
      token: admin,
      headers: { 'x-min-log-position': again.headers.get('x-log-position')! },
    });
    expect(old.body.status).toBe('EXPIRED');

    // The job: a hold nobody touches is released explicitly so the seat map catches up.
    const idle = await reserve(t.mintToken('idle'), eventId, ['s2:A:7', 's2:A:8']);
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
