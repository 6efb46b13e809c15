import { v7 as uuidv7 } from 'uuid';
import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import { createEvent } from '../support/fixtures';
import { createPartnerClient, type PartnerClientFixture } from '../support/partner-client';
import { reserve } from '../support/purchase';
import { startTestApp, type TestApp } from '../support/test-app';

/**
 * Events as partners see them (the FAQ's Events, Event Details and Event Availability answers): only published,
 * internet-enabled events; details carry `onsale` exactly when the event has a public sale date set up; availability
 * per section and per price level. Events recorded before the partner flags existed are listed with the defaults.
 */
const DATE = '2030-08-15T19:00:00.000Z';
const GENERAL_SALE = '2020-01-01T10:00:00.000Z';

describe('partner events', () => {
  let t: TestApp;
  let admin: string;
  let partner: PartnerClientFixture;
  let listed: string;
  let draft: string;
  let offline: string;
  let presaleOnly: string;

  const get = (path: string, position?: number) =>
    t.call('GET', path, {
      token: partner.token,
      headers: position === undefined ? {} : { 'x-min-log-position': String(position) },
    });

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.adminToken();
    partner = await createPartnerClient(t);
    listed = (
      await createEvent(t.call, admin, { name: 'Listed', date: DATE, generalSaleStart: GENERAL_SALE })
    ).eventId;
    draft = (await createEvent(t.call, admin, { name: 'Draft', publish: false })).eventId;
    offline = (
      await createEvent(t.call, admin, { name: 'Box office only', extra: { internet_enabled: false } })
    ).eventId;
    const fanClub = await createEvent(t.call, admin, {
      name: 'Fan club night',
      date: DATE,
      presaleStart: '2020-01-01T09:00:00Z',
      extra: { general_sale_start: undefined },
    });
    presaleOnly = fanClub.eventId;
    await t.app.runner.waitFor(fanClub.position, 5000);
  });
  afterAll(() => t.close());

  it('lists published, internet-enabled events only, by date, a page at a time', async () => {
    const res = await get('/partners/v1/events');
    expect(res.status).toBe(200);
    const ids = res.body.events.map((e: { event_id: string }) => e.event_id);
    expect(ids).toEqual(expect.arrayContaining([listed, presaleOnly]));
    expect(ids).not.toContain(draft);
    expect(ids).not.toContain(offline);
    expect(res.body.pagination).toEqual({ page: 1, per_page: 20, total: ids.length });

    const page = await get('/partners/v1/events?per_page=1&page=2');
    expect(page.body.events).toHaveLength(1);
    expect(page.body.pagination).toMatchObject({ page: 2, per_page: 1, total: ids.length });
    const bad = await get('/partners/v1/events?per_page=0');
    expect(bad.status).toBe(400);
  });

  it('an unpublished or not internet-enabled event is not found (the admin view says why)', async () => {
    const adminView = await t.call('GET', `/v1/admin/events/${offline}`, { token: admin });
    expect(adminView.body).toMatchObject({
      status: 'PUBLISHED',
      internet_enabled: false,
      emits_barcodes: true,
    });
    for (const id of [draft, offline, 'no-such-event']) {
      for (const path of [`/partners/v1/events/${id}`, `/partners/v1/events/${id}/availability`]) {
        const res = await get(path);
        expect({ path, status: res.status, code: res.body.error?.code }).toEqual({
          path,
          status: 404,
          code: 'EVENT_NOT_FOUND',
        });
      }
    }
  });

  it('details carry `onsale` when the event has a public sale date', async () => {
    const res = await get(`/partners/v1/events/${listed}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      event_id: listed,
      name: 'Listed',
      status: 'PUBLISHED',
      sale_status: 'ON_SALE',
      onsale: { start: GENERAL_SALE, end: DATE },
      captcha_required: false,
      emits_barcodes: true,
      price_levels: [
        { tier_id: `${listed}-t1`, name: 'Floor', price: 150, fees: 22.5, total: 172.5, section_ids: ['s1'] },
        {
          tier_id: `${listed}-t2`,
          name: 'Balcony',
          price: 80.25,
          fees: 12,
          total: 92.25,
          section_ids: ['s2'],
        },
      ],
    });
    expect(res.body).not.toHaveProperty('presale');
  });

  it('a presale-only event has no public sale date set up: no `onsale` key, its `presale` instead', async () => {
    const res = await get(`/partners/v1/events/${presaleOnly}`);
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty('onsale');
    expect(res.body.presale).toEqual({ start: '2020-01-01T09:00:00.000Z', end: DATE });
    expect(res.body.sale_status).toBe('PRESALE');
    const listedOne = (await get('/partners/v1/events')).body.events.find(
      (e: { event_id: string }) => e.event_id === presaleOnly,
    );
    expect(listedOne).not.toHaveProperty('onsale');
    // Fans see the same event with no general sale date.
    const consumer = await t.call('GET', `/v1/events/${presaleOnly}`);
    expect(consumer.body.sale_info).toEqual({
      presale_start: '2020-01-01T09:00:00.000Z',
      general_sale_start: null,
      status: 'PRESALE',
    });
  });

  it('an event needs a sale date of some kind', async () => {
    const venue = await t.call('POST', '/v1/admin/venues', {
      token: admin,
      body: {
        name: 'Hall',
        city: 'X',
        state: 'Y',
        country: 'US',
        sections: [{ name: 'Main', rows: [{ row: 'A', seats: 2 }] }],
      },
    });
    const res = await t.call('POST', '/v1/admin/events', {
      token: admin,
      body: {
        name: 'No sale',
        artist: 'Nobody',
        category: 'Concert',
        venue_id: venue.body.venue_id,
        date: DATE,
        pricing_tiers: [{ name: 'All', price: 10, fees: 1, sections: ['Main'] }],
      },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
  });

  it('availability per price level and per section follows holds', async () => {
    const before = await get(`/partners/v1/events/${listed}/availability`);
    expect(before.status).toBe(200);
    expect(before.body).toEqual({
      event_id: listed,
      available_seats: 28,
      price_levels: [
        expect.objectContaining({ tier_id: `${listed}-t1`, available_seats: 20, capacity: 20, price: 150 }),
        expect.objectContaining({ tier_id: `${listed}-t2`, available_seats: 8, capacity: 8, price: 80.25 }),
      ],
      sections: [
        {
          section_id: 's1',
          name: 'Floor',
          tier_id: `${listed}-t1`,
          price: 150,
          available_seats: 20,
          capacity: 20,
        },
        {
          section_id: 's2',
          name: 'Balcony',
          tier_id: `${listed}-t2`,
          price: 80.25,
          available_seats: 8,
          capacity: 8,
        },
      ],
    });
    const fan = await t.customerToken();
    await reserve(t.call, fan.token, listed, ['s2:A:1', 's2:A:2']);
    const position = Number(await t.app.store.headPosition());
    const after = await get(`/partners/v1/events/${listed}/availability`, position);
    expect(after.body.available_seats).toBe(26);
    expect(after.body.price_levels[1].available_seats).toBe(6);
    expect(after.body.sections[1].available_seats).toBe(6);
    expect(after.body.sections[0].available_seats).toBe(20);
  });

  it('details keep their ETag through holds (they show no seat counts); a cancellation changes it', async () => {
    const { eventId } = await createEvent(t.call, admin, {
      name: 'Steady',
      date: DATE,
      generalSaleStart: GENERAL_SALE,
    });
    const first = await get(`/partners/v1/events/${eventId}`);
    expect(first.status).toBe(200);
    const tag = first.headers.get('etag')!;
    const fan = await t.customerToken();
    await reserve(t.call, fan.token, eventId, ['s1:A:1', 's1:A:2']);
    const held = Number(await t.app.store.headPosition());
    const again = await t.call('GET', `/partners/v1/events/${eventId}`, {
      token: partner.token,
      headers: { 'if-none-match': tag, 'x-min-log-position': String(held) },
    });
    expect(again.status).toBe(304);
    const cancel = await t.call('POST', `/v1/admin/events/${eventId}/cancel`, { token: admin, body: {} });
    expect(cancel.status).toBe(200);
    const cancelled = await t.call('GET', `/partners/v1/events/${eventId}`, {
      token: partner.token,
      headers: { 'if-none-match': tag, 'x-min-log-position': cancel.headers.get('x-log-position')! },
    });
    expect(cancelled.status).toBe(200);
    expect(cancelled.body.status).toBe('CANCELLED');
    expect(cancelled.headers.get('etag')).not.toBe(tag);
  });

  it("a cancelled event's availability is 0 everywhere, as its seat map shows", async () => {
    const { eventId } = await createEvent(t.call, admin, {
      name: 'Off',
      date: DATE,
      generalSaleStart: GENERAL_SALE,
    });
    const fan = await t.customerToken();
    await reserve(t.call, fan.token, eventId, ['s1:A:1', 's1:A:2']);
    const cancel = await t.call('POST', `/v1/admin/events/${eventId}/cancel`, { token: admin, body: {} });
    expect(cancel.status).toBe(200);
    const res = await get(
      `/partners/v1/events/${eventId}/availability`,
      Number(cancel.headers.get('x-log-position')),
    );
    expect(res.status).toBe(200);
    const counts = [
      res.body.available_seats,
      ...res.body.price_levels.map((p: { available_seats: number }) => p.available_seats),
      ...res.body.sections.map((s: { available_seats: number }) => s.available_seats),
    ];
    expect(counts).toEqual(counts.map(() => 0));
    expect(res.body.sections.map((s: { capacity: number }) => s.capacity)).toEqual([20, 8]);
  });

  it('an event recorded before the partner flags existed is listed, with the defaults', async () => {
    const venue = await t.call('POST', '/v1/admin/venues', {
      token: admin,
      body: {
        name: 'Old Hall',
        city: 'X',
        state: 'Y',
        country: 'US',
        sections: [{ name: 'Main', rows: [{ row: 'A', seats: 4 }] }],
      },
    });
    const eventId = `old-${uuidv7()}`;
    const meta = { correlationId: 'c', causationId: 'c', userId: 'admin', schemaVersion: 1 };
    // EventCreated as the code before the flags wrote it: no internetEnabled, emitsBarcodes or captchaRequired.
    const { position } = await t.app.store.append(`event-${eventId}`, [
      {
        id: uuidv7(),
        type: 'EventCreated',
        metadata: meta,
        data: {
          eventId,
          name: 'Old Night',
          artist: 'Old Band',
          description: '',
          category: 'Concert',
          venueId: venue.body.venue_id,
          venueName: 'Old Hall',
          city: 'X',
          state: 'Y',
          country: 'US',
          date: DATE,
          doorsOpen: null,
          presaleStart: null,
          generalSaleStart: GENERAL_SALE,
          tiers: [
            { tierId: `${eventId}-t1`, name: 'All', priceCents: 1000, feesCents: 100, sectionIds: ['s1'] },
          ],
          maxTicketsPerOrder: 8,
          restrictSingleSeat: true,
          queue: { enabled: false, admissionPerMinute: 1000 },
          capacity: 4,
          createdAt: GENERAL_SALE,
        },
      },
      { id: uuidv7(), type: 'EventPublished', metadata: meta, data: { eventId, publishedAt: GENERAL_SALE } },
    ]);
    const details = await get(`/partners/v1/events/${eventId}`, position);
    expect(details.status).toBe(200);
    expect(details.body).toMatchObject({
      onsale: { start: GENERAL_SALE, end: DATE },
      captcha_required: false,
      emits_barcodes: true,
    });
    const ids = (await get('/partners/v1/events?per_page=100')).body.events.map(
      (e: { event_id: string }) => e.event_id,
    );
    expect(ids).toContain(eventId);
  });
});

describe('partner events: the list', () => {
  // Before the wall clock: tokens are signed with an expiry on the wall clock, and checked on this one.
  const clock = new ManualClock('2026-06-01T12:00:00Z');
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ clock });
  });
  afterAll(() => t.close());

  it('leaves out an event once it has started: nothing of it can be sold any more', async () => {
    const admin = await t.adminToken();
    const partner = await createPartnerClient(t);
    const event = await createEvent(t.call, admin, { name: 'Tonight', date: '2026-06-15T19:00:00Z' });
    await t.app.runner.waitFor(event.position, 5000);
    const list = async () => {
      const res = await t.call('GET', '/partners/v1/events', { token: partner.token });
      expect(res.status).toBe(200);
      return res.body;
    };
    expect((await list()).events.map((e: { event_id: string }) => e.event_id)).toEqual([event.eventId]);

    clock.advance(14 * 86_400_000 + 7 * 3_600_000); // 19:00 on the day: the show starts
    expect(await list()).toMatchObject({ events: [], pagination: { total: 0 } });
    // Its details stay readable (a partner following up on orders it sold).
    const details = await t.call('GET', `/partners/v1/events/${event.eventId}`, { token: partner.token });
    expect(details.status).toBe(200);
  });

  it('an event with a waiting room is neither listed nor sold through carts: fans in the queue are not passed', async () => {
    const admin = await t.adminToken();
    const partner = await createPartnerClient(t);
    const queued = await createEvent(t.call, admin, {
      name: 'Queued',
      date: '2026-07-01T19:00:00Z',
      extra: { queue: { enabled: true, admission_per_minute: 100 } },
    });
    await t.app.runner.waitFor(queued.position, 5000);
    const list = await t.call('GET', '/partners/v1/events', { token: partner.token });
    expect(list.body.events.map((e: { event_id: string }) => e.event_id)).not.toContain(queued.eventId);

    const cart = await t.call('POST', `/partners/v1/events/${queued.eventId}/cart`, {
      token: partner.token,
      body: { tier_id: `${queued.eventId}-t1`, quantity: 2 },
    });
    expect([cart.status, cart.body.error?.code]).toEqual([403, 'QUEUE_REQUIRED']);
    const availability = await t.call('GET', `/partners/v1/events/${queued.eventId}/availability`, {
      token: partner.token,
    });
    expect(availability.status).toBe(200);
    const free = await t.call('GET', `/v1/events/${queued.eventId}/seats?status=RESERVED`);
    expect(
      free.body.sections.flatMap((s: { rows: Array<{ seats: unknown[] }> }) =>
        s.rows.flatMap((r) => r.seats),
      ),
    ).toEqual([]);
  });
});
