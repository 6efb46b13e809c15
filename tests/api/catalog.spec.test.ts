import { ManualClock } from '../../src/infrastructure/clock/system-clock';
import {
  apiSpecification,
  eventCancelled,
  eventCreated,
  eventPublished,
  publishedEvent,
  seatsHeld,
  streams,
  venueCreated,
  type ApiSpecification,
} from '../support/api-spec';

// Catalog administration: given events on `venue-{id}` and `event-{id}`, one admin request, the events it
// appends or the error it answers. The rules are the venue and ticketed-event deciders' (tests/unit).

const NOW = '2026-06-01T12:00:00.000Z';

describe('catalog admin: given events, one request, new events or an error', () => {
  const clock = new ManualClock(NOW);
  let spec: ApiSpecification;
  let admin: string;
  let n = 0;
  const id = (prefix: string) => `${prefix}-cat-spec-${++n}`;
  const post = (path: string, body: unknown = {}) => ({ method: 'POST', path, token: admin, body });

  beforeAll(async () => {
    spec = await apiSpecification({ clock });
    admin = await spec.t.adminToken();
  });
  afterAll(() => spec?.close());

  describe('POST /v1/admin/venues', () => {
    it('201 with section ids and capacity; VenueCreated on venue-{venue_id}', async () => {
      await spec
        .given()
        .when(
          post('/v1/admin/venues', {
            name: 'Hall',
            city: 'Boston',
            state: 'MA',
            country: 'US',
            sections: [
              {
                name: 'Main',
                rows: [
                  { row: 'A', seats: 20 },
                  { row: 'B', seats: 5 },
                ],
              },
              { name: 'Box', rows: [{ row: 'K', seats: 2 }] },
            ],
          }),
        )
        .then({
          status: 201,
          body: {
            venue_id: expect.any(String),
            name: 'Hall',
            city: 'Boston',
            state: 'MA',
            country: 'US',
            capacity: 27,
            sections: [
              {
                section_id: 's1',
                name: 'Main',
                rows: [
                  { row: 'A', seat_count: 20 },
                  { row: 'B', seat_count: 5 },
                ],
              },
              { section_id: 's2', name: 'Box', rows: [{ row: 'K', seat_count: 2 }] },
            ],
          },
          events: (res) => ({
            [streams.venue(res.body.venue_id)]: [
              {
                type: 'VenueCreated',
                data: {
                  venueId: res.body.venue_id,
                  name: 'Hall',
                  city: 'Boston',
                  state: 'MA',
                  country: 'US',
                  capacity: 27,
                  sections: [
                    {
                      sectionId: 's1',
                      name: 'Main',
                      rows: [
                        { row: 'A', seatCount: 20 },
                        { row: 'B', seatCount: 5 },
                      ],
                    },
                    { sectionId: 's2', name: 'Box', rows: [{ row: 'K', seatCount: 2 }] },
                  ],
                },
              },
            ],
          }),
        });
    });

    it('403 FORBIDDEN for a customer, and nothing is written', async () => {
      await spec
        .given()
        .when({
          method: 'POST',
          path: '/v1/admin/venues',
          token: spec.t.mintToken('not-an-admin'),
          body: { name: 'x' },
        })
        .thenError(403, 'FORBIDDEN');
    });
  });

  describe('POST /v1/admin/events', () => {
    const body = (venueId: string, eventId?: string) => ({
      ...(eventId ? { event_id: eventId } : {}),
      name: 'The Test Tour',
      artist: 'The Testers',
      description: 'A night of assertions',
      category: 'Concert',
      venue_id: venueId,
      date: '2030-08-15T19:00:00Z',
      general_sale_start: '2020-01-01T10:00:00Z',
      pricing_tiers: [
        { name: 'Floor', price: 150, fees: 22.5, sections: ['Floor'] },
        { name: 'Balcony', price: 80.25, fees: 12, sections: ['Balcony'] },
      ],
    });

    it('201 DRAFT keeping the given event_id; EventCreated with tier ids, cents and section ids', async () => {
      const venueId = id('v');
      const eventId = id('E');
      await spec
        .given({ [streams.venue(venueId)]: [venueCreated(venueId)] })
        .when(post('/v1/admin/events', body(venueId, eventId)))
        .then({
          status: 201,
          body: {
            event_id: eventId,
            name: 'The Test Tour',
            artist: 'The Testers',
            description: 'A night of assertions',
            category: 'Concert',
            venue_id: venueId,
            date: '2030-08-15T19:00:00.000Z',
            doors_open: null,
            presale_start: null,
            general_sale_start: '2020-01-01T10:00:00.000Z',
            pricing_tiers: [
              { tier_id: `${eventId}-t1`, name: 'Floor', price: 150, fees: 22.5, section_ids: ['s1'] },
              { tier_id: `${eventId}-t2`, name: 'Balcony', price: 80.25, fees: 12, section_ids: ['s2'] },
            ],
            max_tickets_per_order: 8,
            restrict_single_seat: true,
            queue: {
              enabled: false,
              admission_per_minute: 100,
              capacity: 100_000,
              access_seconds: 600,
              challenge_max_number: 100_000,
              max_entries_per_device: 3,
            },
            internet_enabled: true,
            emits_barcodes: true,
            captcha_required: false,
            total_capacity: 28,
            status: 'DRAFT',
          },
          events: {
            [streams.event(eventId)]: [
              eventCreated(eventId, venueId, {
                // The defaults are recorded with the event (src/domain/queue/settings.ts).
                queue: {
                  enabled: false,
                  admissionPerMinute: 100,
                  capacity: 100_000,
                  accessSeconds: 600,
                  challengeMaxNumber: 100_000,
                  maxEntriesPerDevice: 3,
                },
                createdAt: NOW,
                // The partner channel flags, recorded with their defaults.
                internetEnabled: true,
                emitsBarcodes: true,
                captchaRequired: false,
              }),
            ],
          },
        });
    });

    it('an event id is generated when none is given', async () => {
      const venueId = id('v');
      await spec
        .given({ [streams.venue(venueId)]: [venueCreated(venueId)] })
        .when(post('/v1/admin/events', body(venueId)))
        .then({
          status: 201,
          body: expect.objectContaining({ event_id: expect.any(String), status: 'DRAFT' }),
          events: (res) => ({
            [streams.event(res.body.event_id)]: [
              expect.objectContaining({
                type: 'EventCreated',
                data: expect.objectContaining({ eventId: res.body.event_id, venueId }),
              }),
            ],
          }),
        });
    });

    it('409 EVENT_EXISTS for an event id already taken', async () => {
      const eventId = id('E');
      await spec
        .given(publishedEvent(eventId))
        .when(post('/v1/admin/events', body(`venue-of-${eventId}`, eventId)))
        .thenError(409, 'EVENT_EXISTS', { event_id: eventId });
    });

    it('400 VALIDATION_ERROR for an event_id that does not start with a letter or digit', async () => {
      const eventId = id('E');
      for (const given of ['-', '-leading', ''])
        await spec
          .given(publishedEvent(eventId))
          .when(post('/v1/admin/events', body(`venue-of-${eventId}`, given || ' ')))
          .thenError(400, 'VALIDATION_ERROR');
    });

    it('404 VENUE_NOT_FOUND for an unknown venue', async () => {
      await spec
        .given()
        .when(post('/v1/admin/events', body('no-such-venue')))
        .thenError(404, 'VENUE_NOT_FOUND', { venue_id: 'no-such-venue' });
    });

    it('400 VALIDATION_ERROR for a tier naming a section the venue lacks', async () => {
      const venueId = id('v');
      const bad = body(venueId);
      bad.pricing_tiers[1].sections = ['Mezzanine'];
      await spec
        .given({ [streams.venue(venueId)]: [venueCreated(venueId)] })
        .when(post('/v1/admin/events', bad))
        .thenError(400, 'VALIDATION_ERROR');
    });
  });

  describe('POST /v1/admin/events/{id}/publish and /cancel', () => {
    it('publish: 200 PUBLISHED and EventPublished; publishing again appends nothing', async () => {
      const eventId = id('E');
      const venueId = id('v');
      const draft = {
        [streams.venue(venueId)]: [venueCreated(venueId)],
        [streams.event(eventId)]: [eventCreated(eventId, venueId)],
      };
      const expected = { event_id: eventId, status: 'PUBLISHED' };
      await spec
        .given(draft)
        .when(post(`/v1/admin/events/${eventId}/publish`))
        .then({
          status: 200,
          body: expected,
          events: { [streams.event(eventId)]: [eventPublished(eventId, NOW)] },
        });
      await spec
        .given()
        .when(post(`/v1/admin/events/${eventId}/publish`))
        .then({ status: 200, body: expected, events: {} });
    });

    it('publish: 404 EVENT_NOT_FOUND for an unknown event, 409 EVENT_CANCELLED for a cancelled one', async () => {
      await spec
        .given()
        .when(post('/v1/admin/events/no-such-event/publish'))
        .thenError(404, 'EVENT_NOT_FOUND');
      const eventId = id('E');
      await spec
        .given(publishedEvent(eventId), { [streams.event(eventId)]: [eventCancelled(eventId)] })
        .when(post(`/v1/admin/events/${eventId}/publish`))
        .thenError(409, 'EVENT_CANCELLED');
    });

    it('cancel: 200 CANCELLED; live holds released (event_cancelled), then EventCancelled with the reason', async () => {
      const eventId = id('E');
      const hold = seatsHeld({
        eventId,
        holdId: 'h-live',
        userId: 'fan',
        seatIds: ['s1:A:1', 's1:A:2'],
        heldAt: '2026-06-01T11:59:00.000Z',
        expiresAt: '2026-06-01T12:09:00.000Z',
      });
      await spec
        .given(publishedEvent(eventId), { [streams.event(eventId)]: [hold] })
        .when(post(`/v1/admin/events/${eventId}/cancel`, { reason: 'Storm' }))
        .then({
          status: 200,
          body: { event_id: eventId, status: 'CANCELLED' },
          events: {
            [streams.event(eventId)]: [
              {
                type: 'HoldReleased',
                data: {
                  eventId,
                  holdId: 'h-live',
                  userId: 'fan',
                  seatIds: ['s1:A:1', 's1:A:2'],
                  reason: 'event_cancelled',
                  releasedAt: NOW,
                },
              },
              { type: 'EventCancelled', data: { eventId, cancelledAt: NOW, reason: 'Storm' } },
            ],
          },
        });
      await spec
        .given()
        .when(post(`/v1/admin/events/${eventId}/cancel`))
        .thenError(409, 'EVENT_CANCELLED');
    });
  });
});
