import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { createEvent } from '../support/fixtures';
import { startTestApp, type TestApp } from '../support/test-app';

// Admin commands (venues, events, publish, cancel) and their errors: catalog.spec.test.ts (given events).
// Left here: the read side customers use (search, details, seat map, visibility) and the operational endpoints.
describe('catalog over HTTP: customers find', () => {
  let t: TestApp;
  let admin: string;
  let fan: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.adminToken();
    fan = (await t.customerToken()).token;
  });
  afterAll(() => t.close());

  it('publish, then search, details and seat map in the seed shapes', async () => {
    const { eventId, position } = await createEvent(t.call, admin, {
      name: 'Eras Replay',
      artist: 'Taylor Swift',
      city: 'New York',
    });
    const headers = { 'x-min-log-position': String(position) };

    const search = await t.call(
      'GET',
      '/v1/events/search?query=taylor+swift&city=new+york&date_from=2026-06-01',
      { token: fan, headers },
    );
    expect(search.status).toBe(200);
    expect(search.body.pagination).toEqual({ page: 1, per_page: 20, total: 1 });
    expect(search.body.events[0]).toMatchObject({
      event_id: eventId,
      name: 'Eras Replay',
      artist: 'Taylor Swift',
      venue: { name: 'Test Arena', city: 'New York', state: 'IL' },
      date: '2030-08-15T19:00:00.000Z',
      on_sale_date: '2020-01-01T10:00:00.000Z',
      price_range: { min: 80.25, max: 150 },
      availability: 'ON_SALE',
    });

    const details = await t.call('GET', `/v1/events/${eventId}`, { headers });
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      event_id: eventId,
      name: 'Eras Replay',
      description: 'A night of assertions',
      category: 'Concert',
      date: '2030-08-15T19:00:00.000Z',
      total_capacity: 28,
      available_seats: 28,
      sale_info: { general_sale_start: '2020-01-01T10:00:00.000Z', status: 'ON_SALE' },
    });
    expect(details.body.pricing_tiers).toEqual([
      expect.objectContaining({ name: 'Floor', price: 150, fees: 22.5, total: 172.5, available_seats: 20 }),
      expect.objectContaining({ name: 'Balcony', price: 80.25, fees: 12, total: 92.25, available_seats: 8 }),
    ]);

    const seats = await t.call('GET', `/v1/events/${eventId}/seats`, { headers });
    expect(seats.status).toBe(200);
    expect(seats.body.event_id).toBe(eventId);
    expect(seats.body.sections.map((s: { name: string }) => s.name)).toEqual(['Floor', 'Balcony']);
    expect(seats.body.sections[0].rows[0].seats[0]).toEqual({
      seat_id: 's1:A:1',
      number: '1',
      status: 'AVAILABLE',
      price: 150,
    });
    expect(seats.body.sections[1].rows[0].seats).toHaveLength(8);
    expect(typeof seats.body.last_updated).toBe('string');
  });

  it('a retried admin create with its Idempotency-Key makes one venue, answered again', async () => {
    const body = {
      name: 'Retry Hall',
      city: 'Springfield',
      state: 'IL',
      country: 'US',
      sections: [{ name: 'Main', rows: [{ row: 'A', seats: 4 }] }],
    };
    const send = (key: string, name = body.name) =>
      t.call('POST', '/v1/admin/venues', {
        token: admin,
        body: { ...body, name },
        headers: { 'idempotency-key': key },
      });
    const [first, again] = [await send('venue-1'), await send('venue-1')];
    expect([first.status, again.status]).toEqual([201, 201]);
    expect(again.body.venue_id).toBe(first.body.venue_id);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await send('venue-1', 'Another Hall');
    expect([other.status, other.body.error?.code]).toEqual([422, 'IDEMPOTENCY_KEY_REUSED']);
  });

  it('a seat map filtered by section: by id or name; a section the event lacks is 404 SECTION_NOT_FOUND, not an empty map', async () => {
    const { eventId } = await createEvent(t.call, admin, { name: 'Sections' });
    const names = async (query: string) => {
      const res = await t.call('GET', `/v1/events/${eventId}/seats?${query}`);
      return [res.status, res.body.sections?.map((s: { name: string }) => s.name) ?? res.body.error.code];
    };
    expect(await names('section=s1')).toEqual([200, ['Floor']]);
    expect(await names('section=Balcony')).toEqual([200, ['Balcony']]);
    // A section with no seat of the status asked for is still there, with no seats.
    expect((await names('section=s2&status=SOLD'))[0]).toBe(200);
    for (const query of ['section=s9', 'section=zz', 'section=floor%20'])
      expect(await names(query)).toEqual([404, 'SECTION_NOT_FOUND']);
  });

  it("a cancelled event's seat map shows every seat unavailable, and its old ETag no longer matches", async () => {
    const { eventId } = await createEvent(t.call, admin, { name: 'Called Off' });
    const before = await t.call('GET', `/v1/events/${eventId}/seats`);
    expect(before.status).toBe(200);
    const tag = before.headers.get('etag')!;
    const statuses = (res: typeof before) =>
      new Set(
        res.body.sections.flatMap((s: { rows: Array<{ seats: Array<{ status: string }> }> }) =>
          s.rows.flatMap((r) => r.seats.map((seat) => seat.status)),
        ),
      );
    expect(statuses(before)).toEqual(new Set(['AVAILABLE']));
    const cancel = await t.call('POST', `/v1/admin/events/${eventId}/cancel`, { token: admin, body: {} });
    expect(cancel.status).toBe(200);
    const after = await t.call('GET', `/v1/events/${eventId}/seats`, {
      headers: { 'if-none-match': tag, 'x-min-log-position': cancel.headers.get('x-log-position')! },
    });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(tag);
    expect(statuses(after)).toEqual(new Set(['UNAVAILABLE']));
    // The cancellation is the map's last change.
    expect(after.body.last_updated > before.body.last_updated).toBe(true);
    const available = await t.call('GET', `/v1/events/${eventId}/seats?status=AVAILABLE`);
    expect(
      available.body.sections.every((s: { rows: Array<{ seats: unknown[] }> }) =>
        s.rows.every((r) => r.seats.length === 0),
      ),
    ).toBe(true);
    // Every count a buyer sees agrees with the map: nothing left to get.
    const details = await t.call('GET', `/v1/events/${eventId}`);
    expect(details.body.sale_info.status).toBe('CANCELLED');
    expect(details.body.total_capacity).toBeGreaterThan(0);
    expect(details.body.available_seats).toBe(0);
    expect(
      details.body.pricing_tiers.map((tier: { available_seats: number }) => tier.available_seats),
    ).toEqual(details.body.pricing_tiers.map(() => 0));
    const found = await t.call('GET', `/v1/events/search?query=${encodeURIComponent('Called Off')}`);
    expect(found.body.events.map((e: { available_seats: number }) => e.available_seats)).toEqual([0]);
  });

  it('unpublished events are invisible to customers but visible to admins', async () => {
    const { eventId, position } = await createEvent(t.call, admin, {
      name: 'Secret Show',
      artist: 'Nobody Yet',
      publish: false,
    });
    const headers = { 'x-min-log-position': String(position) };
    expect((await t.call('GET', `/v1/events/${eventId}`, { token: fan, headers })).status).toBe(404);
    expect((await t.call('GET', `/v1/events/${eventId}/seats`, { token: fan, headers })).status).toBe(404);
    const search = await t.call('GET', '/v1/events/search?query=secret', { token: fan, headers });
    expect(search.body.events).toEqual([]);
    expect((await t.call('GET', `/v1/admin/events/${eventId}`, { token: admin, headers })).body.status).toBe(
      'DRAFT',
    );
  });

  it('search filters by category, dates and pages', async () => {
    const a = await createEvent(t.call, admin, {
      name: 'Paging One',
      artist: 'Pager',
      category: 'Comedy',
      date: '2031-01-01T20:00:00Z',
    });
    await createEvent(t.call, admin, {
      name: 'Paging Two',
      artist: 'Pager',
      category: 'Comedy',
      date: '2031-02-01T20:00:00Z',
    });
    const last = await createEvent(t.call, admin, {
      name: 'Paging Three',
      artist: 'Pager',
      category: 'Comedy',
      date: '2031-03-01T20:00:00Z',
    });
    const headers = { 'x-min-log-position': String(last.position) };
    const page2 = await t.call('GET', '/v1/events/search?query=pager&category=comedy&per_page=2&page=2', {
      headers,
    });
    expect(page2.body.pagination).toEqual({ page: 2, per_page: 2, total: 3 });
    expect(page2.body.events.map((e: { name: string }) => e.name)).toEqual(['Paging Three']);
    const window = await t.call(
      'GET',
      '/v1/events/search?query=pager&date_from=2031-01-15&date_to=2031-02-15',
      { headers },
    );
    expect(window.body.events.map((e: { name: string }) => e.name)).toEqual(['Paging Two']);
    expect(a.eventId).toEqual(expect.any(String));
  });

  it('HEAD is answered where GET is, without the body; on a path with no GET it is 404', async () => {
    const unchecked = { uncheckedBecause: 'HEAD is HTTP semantics, not an operation of the contract' };
    const get = await t.call('GET', '/v1/events/search?query=nothing-such');
    const head = await t.call('HEAD', '/v1/events/search?query=nothing-such', unchecked);
    expect([head.status, head.text]).toEqual([200, '']);
    expect(head.headers.get('content-length')).toBe(get.headers.get('content-length'));
    expect((await t.call('HEAD', '/v1/events/no/such/path', unchecked)).status).toBe(404);
    expect((await t.call('HEAD', '/v1/seats/reserve', unchecked)).status).toBe(404); // POST only
  });

  it('serves health, readiness, metrics and the API docs', async () => {
    expect((await t.call('GET', '/healthz')).body).toEqual({ status: 'ok' });
    const ready = await t.call('GET', '/readyz');
    expect(ready.status).toBe(200);
    expect(ready.body.projection_lag).toEqual(expect.any(Number));
    expect((await t.call('GET', '/metrics')).status).toBe(401); // admin token or METRICS_TOKEN (issue 8)
    const metrics = await t.call('GET', '/metrics', { token: admin });
    expect(metrics.text).toContain('http_requests_total');
    expect(metrics.text).toContain('projection_lag_events');
    expect(metrics.text).toContain('eventstore_appends_total');
    const openapi = await t.call('GET', '/openapi.json');
    expect(openapi.body.openapi).toMatch(/^3\./);
    const docs = await t.call('GET', '/docs/');
    expect(docs.status).toBe(200);
    expect(docs.text).toContain('swagger');
  });
});

describe('catalog over HTTP: search looks ahead', () => {
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(() => t.close());

  it('leaves out events that have started unless date_from asks for them', async () => {
    const admin = await t.adminToken();
    const event = await createEvent(t.call, admin, { name: 'Looking Back', date: '2026-06-15T19:00:00Z' });
    const headers = { 'x-min-log-position': String(event.position) };
    const names = async (query: string) => {
      const res = await t.call('GET', `/v1/events/search?${query}`, { headers });
      expect(res.status).toBe(200);
      return res.body.events.map((e: { name: string; availability: string }) => [e.name, e.availability]);
    };
    expect(await names('query=looking+back')).toEqual([['Looking Back', 'ON_SALE']]);

    clock.advance(15 * 86_400_000); // 2026-06-16: the show is over
    expect(await names('query=looking+back')).toEqual([]);
    expect(await names('query=looking+back&date_to=2026-06-30')).toEqual([]);
    expect(await names('query=looking+back&date_from=2026-06-01')).toEqual([['Looking Back', 'PAST']]);
  });
});
