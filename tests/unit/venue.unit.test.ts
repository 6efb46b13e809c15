import { SeatIndex, seatId } from '../../src/domain/venue/seat-index';
import {
  MAX_SEATS_PER_VENUE,
  venueCapacity,
  venueDecider,
  type CreateVenue,
  type VenueCreated,
  type VenueLayout,
} from '../../src/domain/venue/venue';
import { spec } from '../support/given-when-then';

const createVenue = (overrides: Partial<CreateVenue> = {}): CreateVenue => ({
  type: 'CreateVenue',
  venueId: 'venue-1',
  name: 'Harbour Hall',
  city: 'Portland',
  state: 'OR',
  country: 'US',
  sections: [
    {
      name: 'Floor',
      rows: [
        { row: 'A', seats: 6 },
        { row: 'B', seats: 2 },
      ],
    },
    { name: 'Balcony', rows: [{ row: 'A', seats: 4 }] },
  ],
  ...overrides,
});

const layout: VenueLayout = {
  venueId: 'venue-1',
  name: 'Harbour Hall',
  city: 'Portland',
  state: 'OR',
  country: 'US',
  sections: [
    {
      sectionId: 's1',
      name: 'Floor',
      rows: [
        { row: 'A', seatCount: 6 },
        { row: 'B', seatCount: 2 },
      ],
    },
    { sectionId: 's2', name: 'Balcony', rows: [{ row: 'A', seatCount: 4 }] },
  ],
};

const venueCreated: VenueCreated = { type: 'VenueCreated', data: { ...layout, capacity: 12 } };

describe('Venue decider', () => {
  const venue = spec(venueDecider);

  test('CreateVenue records VenueCreated with sections numbered s1, s2... and their seat counts', () => {
    venue.given([]).when(createVenue()).then([venueCreated]);
  });

  test('a venue stream with no events holds no venue', () => {
    expect(venue.given([]).state()).toEqual({ exists: false });
  });

  test('VenueCreated makes the venue exist with its layout', () => {
    expect(venue.given([venueCreated]).state()).toEqual({ exists: true, layout: venueCreated.data });
  });

  test('creating a venue that exists fails with VENUE_EXISTS', () => {
    venue.given([venueCreated]).when(createVenue()).thenThrows('VENUE_EXISTS', { venue_id: 'venue-1' });
  });

  test('section names must be unique, ignoring case and surrounding spaces', () => {
    venue
      .given([])
      .when(
        createVenue({
          sections: [
            { name: 'Floor', rows: [{ row: 'A', seats: 2 }] },
            { name: ' floor ', rows: [{ row: 'B', seats: 2 }] },
          ],
        }),
      )
      .thenThrows('VALIDATION_ERROR', { field: 'sections' });
  });

  test('section names are compared lower-cased, as tiers look them up: "Straße" and "STRASSE" are two sections', () => {
    const [event] = venue
      .given([])
      .when(
        createVenue({
          sections: [
            { name: 'Straße', rows: [{ row: 'A', seats: 1 }] },
            { name: 'STRASSE', rows: [{ row: 'A', seats: 1 }] },
          ],
        }),
      )
      .events();
    expect(event.data.sections.map((s) => s.name)).toEqual(['Straße', 'STRASSE']);
  });

  test.each([0, -1, 1.5, Number.NaN])('a row of %p seats fails with VALIDATION_ERROR', (seats) => {
    venue
      .given([])
      .when(createVenue({ sections: [{ name: 'Floor', rows: [{ row: 'A', seats }] }] }))
      .thenThrows('VALIDATION_ERROR', { field: 'sections' });
  });

  test('a row of a single seat is fine', () => {
    const [event] = venue
      .given([])
      .when(createVenue({ sections: [{ name: 'Floor', rows: [{ row: 'A', seats: 1 }] }] }))
      .events();
    expect(venueCapacity(event.data)).toBe(1);
  });

  test('a row may appear only once in a section', () => {
    venue
      .given([])
      .when(
        createVenue({
          sections: [
            {
              name: 'Floor',
              rows: [
                { row: 'A', seats: 2 },
                { row: 'A', seats: 3 },
              ],
            },
          ],
        }),
      )
      .thenThrows('VALIDATION_ERROR', { field: 'sections' });
  });

  test('the same row label in two different sections is fine', () => {
    const events = venue
      .given([])
      .when(
        createVenue({
          sections: [
            { name: 'Floor', rows: [{ row: 'A', seats: 1 }] },
            { name: 'Balcony', rows: [{ row: 'A', seats: 1 }] },
          ],
        }),
      )
      .events();
    expect(events).toHaveLength(1);
    expect(events[0].data.sections.map((s) => s.sectionId)).toEqual(['s1', 's2']);
  });

  test(`a venue holds at most ${MAX_SEATS_PER_VENUE} seats, counted over all sections`, () => {
    venue
      .given([])
      .when(
        createVenue({
          sections: [
            { name: 'Floor', rows: [{ row: 'A', seats: MAX_SEATS_PER_VENUE - 10 }] },
            { name: 'Balcony', rows: [{ row: 'A', seats: 11 }] },
          ],
        }),
      )
      .thenThrows('VALIDATION_ERROR', { field: 'sections', capacity: MAX_SEATS_PER_VENUE + 1 });
  });

  test('a venue of exactly the maximum capacity is accepted', () => {
    const [event] = venue
      .given([])
      .when(createVenue({ sections: [{ name: 'Field', rows: [{ row: 'A', seats: MAX_SEATS_PER_VENUE }] }] }))
      .events();
    expect(event.type).toBe('VenueCreated');
    expect(venueCapacity(event.data)).toBe(MAX_SEATS_PER_VENUE);
  });
});

describe('SeatIndex', () => {
  test('seat ids are section id, row and number', () => {
    const index = new SeatIndex(layout);
    expect(seatId('s3', 'B', 12)).toBe('s3:B:12');
    expect(index.seats.get('s1:A:1')).toEqual({
      seatId: 's1:A:1',
      sectionId: 's1',
      sectionName: 'Floor',
      row: 'A',
      number: 1,
      rowKey: 's1:A',
    });
    expect(index.seats.get('s2:A:4')).toMatchObject({
      sectionId: 's2',
      sectionName: 'Balcony',
      row: 'A',
      number: 4,
    });
    expect(index.seats.has('s1:A:7')).toBe(false);
    expect(index.seats.has('s2:B:1')).toBe(false);
  });

  test('each row lists its seat ids in seat-number order', () => {
    const index = new SeatIndex(layout);
    expect([...index.rows.keys()]).toEqual(['s1:A', 's1:B', 's2:A']);
    expect(index.rows.get('s1:A')).toEqual(['s1:A:1', 's1:A:2', 's1:A:3', 's1:A:4', 's1:A:5', 's1:A:6']);
    expect(index.rows.get('s1:B')).toEqual(['s1:B:1', 's1:B:2']);
    expect(index.rows.get('s2:A')).toEqual(['s2:A:1', 's2:A:2', 's2:A:3', 's2:A:4']);
  });

  test('capacity is the number of seats, as venueCapacity counts them', () => {
    const index = new SeatIndex(layout);
    expect(index.capacity).toBe(12);
    expect(venueCapacity(layout)).toBe(12);
  });
});
