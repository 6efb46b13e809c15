import { systemMetadata } from '../../src/application/shared/command-metadata';
import { IDS, resolve } from '../../src/composition/identifiers';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { createEvent } from '../support/fixtures';
import { seatStatuses } from '../support/log-audit';
import { createPartnerClient, type PartnerClientFixture } from '../support/partner-client';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Seat maps, event details and availability carry a weak ETag keyed by the read model's version of what they show;
 * a request whose If-None-Match names it is answered 304 before any body is built (the spies count the builds), and
 * a change (a hold, the clock opening the sale) gives a new tag. Every answer is checked against /openapi.json by
 * the test client, so the 304s are documented too.
 */
describe('conditional reads: ETag, If-None-Match, 304', () => {
  let t: TestApp;
  let admin: string;
  let partner: PartnerClientFixture;
  let eventId: string;
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  const get = (path: string, headers: Record<string, string> = {}, token?: string) =>
    t.call('GET', path, { headers, token });
  const reserve = async (seatIds: string[]) => {
    const res = await t.call('POST', '/v1/seats/reserve', {
      token: t.mintToken(`fan-${seatIds.join('-')}`),
      body: { event_id: eventId, seat_ids: seatIds },
    });
    expect(res.status).toBe(201);
    return { 'x-min-log-position': res.headers.get('x-log-position')! };
  };

  beforeAll(async () => {
    t = await startTestApp({ clock, env: { READ_YOUR_WRITES_TIMEOUT_MS: '100' } });
    admin = await t.adminToken();
    partner = await createPartnerClient(t);
    const event = await createEvent(t.call, admin, { restrictSingleSeat: false });
    eventId = event.eventId;
    await t.app.runner.waitFor(event.position, 5000);
  });
  afterAll(() => t.close());

  it('a second request for an unchanged seat map is 304 without building the body', async () => {
    const queries = resolve(t.app.container, IDS.catalogQueries);
    const builds = jest.spyOn(queries, 'seatMapJson');
    try {
      const first = await get(`/v1/events/${eventId}/seats`);
      expect(first.status).toBe(200);
      const etag = first.headers.get('etag')!;
      expect(etag).toMatch(/^W\/"[A-Za-z0-9._-]+"$/);
      expect(first.headers.get('cache-control')).toBe('public, max-age=1');
      expect(first.headers.get('vary')).toMatch(/X-Min-Log-Position/i);
      expect(builds).toHaveBeenCalledTimes(1);

      const again = await get(`/v1/events/${eventId}/seats`, { 'if-none-match': etag });
      expect([again.status, again.text]).toEqual([304, '']);
      expect(again.headers.get('etag')).toBe(etag);
      expect(again.headers.get('cache-control')).toBe('public, max-age=1');
      expect(again.headers.get('x-read-model-position')).toMatch(/^\d+$/);
      // Weak comparison: the strong form, a list holding it, and `*` name it too.
      for (const condition of [etag.slice(2), `W/"not-this-one", ${etag}`, '*']) {
        const res = await get(`/v1/events/${eventId}/seats`, { 'if-none-match': condition });
        expect([condition, res.status]).toEqual([condition, 304]);
      }
      expect(builds).toHaveBeenCalledTimes(1);

      // Another tag is not a match: the body comes, built once more, with the current tag.
      const other = await get(`/v1/events/${eventId}/seats`, { 'if-none-match': 'W/"m1-1-00000000"' });
      expect([other.status, other.headers.get('etag')]).toEqual([200, etag]);
      expect(other.body.event_id).toBe(eventId);
      expect(builds).toHaveBeenCalledTimes(2);
    } finally {
      builds.mockRestore();
    }
  });

  it('a hold changes the tag; read-your-writes still holds with If-None-Match', async () => {
    const before = await get(`/v1/events/${eventId}/seats`);
    const etag = before.headers.get('etag')!;
    expect(seatStatuses(before.body).get('s1:A:1')).toBe('AVAILABLE');

    const afterHold = await reserve(['s1:A:1', 's1:A:2']);
    const after = await get(`/v1/events/${eventId}/seats`, { 'if-none-match': etag, ...afterHold });
    expect(after.status).toBe(200);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect(seatStatuses(after.body).get('s1:A:1')).toBe('RESERVED');

    const unchanged = await get(`/v1/events/${eventId}/seats`, {
      'if-none-match': after.headers.get('etag')!,
      ...afterHold,
    });
    expect(unchanged.status).toBe(304);
  });

  it('the tag follows the filter: each section and status filter has its own, and a hold elsewhere leaves it', async () => {
    const whole = (await get(`/v1/events/${eventId}/seats`)).headers.get('etag')!;
    const floor = await get(`/v1/events/${eventId}/seats?section=s1`);
    const floorFree = await get(`/v1/events/${eventId}/seats?section=s1&status=AVAILABLE`);
    const balcony = await get(`/v1/events/${eventId}/seats?section=s2`);
    const tags = [whole, floor, floorFree, balcony].map((r) =>
      typeof r === 'string' ? r : r.headers.get('etag')!,
    );
    expect(new Set(tags).size).toBe(4);
    // The whole map's tag is not the filtered answer's.
    const crossed = await get(`/v1/events/${eventId}/seats?section=s1`, { 'if-none-match': whole });
    expect(crossed.status).toBe(200);

    // A hold in the balcony changes the balcony and the whole map, not the floor section.
    const afterHold = await reserve(['s2:A:1', 's2:A:2']);
    const floorAgain = await get(`/v1/events/${eventId}/seats?section=s1`, {
      'if-none-match': tags[1],
      ...afterHold,
    });
    expect(floorAgain.status).toBe(304);
    const balconyAgain = await get(`/v1/events/${eventId}/seats?section=s2`, {
      'if-none-match': tags[3],
      ...afterHold,
    });
    expect(balconyAgain.status).toBe(200);
    expect(seatStatuses(balconyAgain.body).get('s2:A:1')).toBe('RESERVED');
    const wholeAgain = await get(`/v1/events/${eventId}/seats`, { 'if-none-match': whole, ...afterHold });
    expect(wholeAgain.status).toBe(200);
  });

  it("another event's tag never names this event's answer; a section neither has is 404 whatever the tag", async () => {
    const other = await createEvent(t.call, admin, { restrictSingleSeat: false });
    await t.app.runner.waitFor(other.position, 5000);
    for (const query of ['', '?section=s1', '?section=s1&status=AVAILABLE']) {
      const theirs = await get(`/v1/events/${other.eventId}/seats${query}`);
      const ours = await get(`/v1/events/${eventId}/seats${query}`, {
        'if-none-match': theirs.headers.get('etag')!,
      });
      expect([query, ours.status]).toEqual([query, 200]);
      expect(ours.body.event_id).toBe(eventId);
    }
    for (const query of ['?section=nowhere', '?section=nowhere&status=AVAILABLE'])
      for (const tag of ['*', 'W/"m0-0"']) {
        const res = await get(`/v1/events/${eventId}/seats${query}`, { 'if-none-match': tag });
        expect([query, tag, res.status, res.body.error.code]).toEqual([query, tag, 404, 'SECTION_NOT_FOUND']);
      }
  });

  it('event details: 304 without building, a new tag after a hold and when the clock opens the sale', async () => {
    const queries = resolve(t.app.container, IDS.catalogQueries);
    const builds = jest.spyOn(queries, 'details');
    try {
      const first = await get(`/v1/events/${eventId}`);
      expect(first.status).toBe(200);
      const etag = first.headers.get('etag')!;
      expect(first.headers.get('cache-control')).toBe('public, max-age=1');
      const again = await get(`/v1/events/${eventId}`, { 'if-none-match': etag });
      expect([again.status, again.text]).toEqual([304, '']);
      expect(builds).toHaveBeenCalledTimes(1);

      const afterHold = await reserve(['s1:B:1']);
      const after = await get(`/v1/events/${eventId}`, { 'if-none-match': etag, ...afterHold });
      expect(after.status).toBe(200);
      expect(after.body.available_seats).toBe(first.body.available_seats - 1);
      expect(after.headers.get('etag')).not.toBe(etag);
    } finally {
      builds.mockRestore();
    }

    // Nothing in the log changes, but the sale opens: the answer (sale_info.status) and so the tag change.
    const later = await createEvent(t.call, admin, { generalSaleStart: '2026-06-01T13:00:00Z' });
    await t.app.runner.waitFor(later.position, 5000);
    const scheduled = await get(`/v1/events/${later.eventId}`);
    expect(scheduled.body.sale_info.status).toBe('SCHEDULED');
    clock.advance(2 * 3600_000);
    const open = await get(`/v1/events/${later.eventId}`, {
      'if-none-match': scheduled.headers.get('etag')!,
    });
    expect(open.status).toBe(200);
    expect(open.body.sale_info.status).toBe('ON_SALE');
    expect(open.headers.get('etag')).not.toBe(scheduled.headers.get('etag'));
  });

  it('an unpublished event (admins only) is private; a stale read-your-writes 304 still says it is stale', async () => {
    const draft = await createEvent(t.call, admin, { publish: false });
    await t.app.runner.waitFor(draft.position, 5000);
    for (const path of [`/v1/events/${draft.eventId}`, `/v1/events/${draft.eventId}/seats`]) {
      const res = await get(path, {}, admin);
      expect([path, res.status, res.headers.get('cache-control')]).toEqual([path, 200, 'private, no-cache']);
    }

    // The draft's seat map: nothing else in this suite changes it while the read waits for a position never reached.
    const current = await get(`/v1/events/${draft.eventId}/seats`, {}, admin);
    const ahead = String(t.app.runner.position + 1_000_000);
    const stale = await get(
      `/v1/events/${draft.eventId}/seats`,
      { 'if-none-match': current.headers.get('etag')!, 'x-min-log-position': ahead },
      admin,
    );
    expect(stale.status).toBe(304);
    expect(stale.headers.get('x-read-model-stale')).toBe('true');
  });

  it('partner details and availability: private, 304 without counting, a new tag after a hold', async () => {
    // The clock moved past the earlier tests' holds: released here, not by the expiry job between our two counts.
    await t.app.reservations.releaseExpired(systemMetadata('expiry-job', 'conditional-reads'));
    await t.app.runner.waitFor(await t.app.store.headPosition(), 5000);
    const events = resolve(t.app.container, IDS.partnerEvents);
    const counts = jest.spyOn(events, 'availability');
    try {
      const path = `/partners/v1/events/${eventId}/availability`;
      const first = await get(path, {}, partner.token);
      expect(first.status).toBe(200);
      expect(first.headers.get('cache-control')).toBe('private, no-cache');
      const etag = first.headers.get('etag')!;
      const again = await get(path, { 'if-none-match': etag }, partner.token);
      expect([again.status, again.text]).toEqual([304, '']);
      // The partner's quota headers come with the 304 too.
      expect(again.headers.get('ratelimit-quota-used')).toMatch(/^\d+$/);
      expect(counts).toHaveBeenCalledTimes(1);

      const afterHold = await reserve(['s1:B:5', 's1:B:6']);
      const after = await get(path, { 'if-none-match': etag, ...afterHold }, partner.token);
      expect(after.status).toBe(200);
      expect(after.body.available_seats).toBe(first.body.available_seats - 2);
      expect(counts).toHaveBeenCalledTimes(2);
    } finally {
      counts.mockRestore();
    }

    const details = await get(`/partners/v1/events/${eventId}`, {}, partner.token);
    expect(details.headers.get('cache-control')).toBe('private, no-cache');
    const unchanged = await get(
      `/partners/v1/events/${eventId}`,
      { 'if-none-match': details.headers.get('etag')! },
      partner.token,
    );
    expect(unchanged.status).toBe(304);
  });

  it('no other read carries an ETag or answers 304: the contract lists 304 on the conditional ones only', async () => {
    const doc = (await get('/openapi.json')).body;
    const reads = Object.entries(doc.paths as Record<string, Record<string, { responses: object }>>).filter(
      ([, ops]) => ops.get,
    );
    const conditional = reads.filter(([, ops]) => '304' in ops.get.responses).map(([path]) => path);
    expect(conditional.sort()).toEqual([
      '/partners/v1/events/{event_id}',
      '/partners/v1/events/{event_id}/availability',
      '/v1/events/{event_id}',
      '/v1/events/{event_id}/seats',
    ]);
    const fan = t.mintToken('etag-fan');
    for (const [path, token] of [
      ['/v1/events/search', undefined],
      ['/v1/orders', fan],
      ['/v1/payment-methods', fan],
      ['/v1/auth/info', fan],
      ['/v1/audit/log?limit=1', admin],
      [`/v1/analytics/events/${eventId}/sales`, admin],
      ['/healthz', undefined],
      ['/openapi.json', undefined],
    ] as Array<[string, string | undefined]>) {
      const first = await get(path, {}, token);
      expect([path, first.status, first.headers.get('etag')]).toEqual([path, 200, null]);
      const again = await get(path, { 'if-none-match': '*' }, token);
      expect([path, again.status]).toEqual([path, 200]);
    }
  });

  it('/openapi.json documents If-None-Match, the ETag and the 304 on each of these reads', async () => {
    const doc = (await get('/openapi.json')).body;
    for (const [path, caching] of [
      ['/v1/events/{event_id}', 'public, max-age=1'],
      ['/v1/events/{event_id}/seats', 'public, max-age=1'],
      ['/partners/v1/events/{event_id}', 'private, no-cache'],
      ['/partners/v1/events/{event_id}/availability', 'private, no-cache'],
    ]) {
      const op = doc.paths[path].get;
      expect([path, op.parameters]).toEqual([
        path,
        expect.arrayContaining([{ $ref: '#/components/parameters/IfNoneMatch' }]),
      ]);
      expect([path, op.responses['200'].headers.ETag]).toEqual([path, { $ref: '#/components/headers/ETag' }]);
      expect([path, op.responses['304'].headers.ETag]).toEqual([path, { $ref: '#/components/headers/ETag' }]);
      expect([path, op.responses['304'].description]).toEqual([path, expect.stringContaining(caching)]);
    }
    expect(doc.components.parameters.IfNoneMatch.name).toBe('If-None-Match');
  });
});
