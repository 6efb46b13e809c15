import type { ApiCall } from './http';

export interface EventFixture {
  venueId: string;
  eventId: string;
  position: number;
}

export interface EventOptions {
  name?: string;
  artist?: string;
  city?: string;
  category?: string;
  /** Sections: name -> rows of seat counts. Default: Floor (A:10, B:10) and Balcony (A:8). */
  sections?: Array<{ name: string; rows: Array<{ row: string; seats: number }> }>;
  tiers?: Array<{ name: string; price: number; fees: number; sections: string[] }>;
  date?: string;
  generalSaleStart?: string;
  presaleStart?: string;
  maxTicketsPerOrder?: number;
  restrictSingleSeat?: boolean;
  publish?: boolean;
  eventId?: string;
  /** More fields of POST /v1/admin/events as the API takes them (`internet_enabled`, `captcha_required`, ...). */
  extra?: Record<string, unknown>;
  /** The event's waiting room, as the API takes it (`{enabled, admission_per_minute, capacity, ...}`). */
  queue?: Record<string, unknown>;
}

/** Creates a venue and an event through the admin API (and publishes it unless told not to). */
export async function createEvent(
  call: ApiCall,
  adminToken: string,
  options: EventOptions = {},
): Promise<EventFixture> {
  const sections = options.sections ?? [
    {
      name: 'Floor',
      rows: [
        { row: 'A', seats: 10 },
        { row: 'B', seats: 10 },
      ],
    },
    { name: 'Balcony', rows: [{ row: 'A', seats: 8 }] },
  ];
  const venue = await call('POST', '/v1/admin/venues', {
    token: adminToken,
    body: { name: 'Test Arena', city: options.city ?? 'Springfield', state: 'IL', country: 'US', sections },
  });
  if (venue.status !== 201) throw new Error(`venue: ${venue.status} ${venue.text}`);
  const tiers = options.tiers ?? [
    { name: 'Floor', price: 150, fees: 22.5, sections: ['Floor'] },
    { name: 'Balcony', price: 80.25, fees: 12, sections: ['Balcony'] },
  ];
  const event = await call('POST', '/v1/admin/events', {
    token: adminToken,
    body: {
      ...(options.eventId ? { event_id: options.eventId } : {}),
      name: options.name ?? 'The Test Tour',
      artist: options.artist ?? 'The Testers',
      description: 'A night of assertions',
      category: options.category ?? 'Concert',
      venue_id: venue.body.venue_id,
      date: options.date ?? '2030-08-15T19:00:00Z',
      doors_open: undefined,
      ...(options.presaleStart ? { presale_start: options.presaleStart } : {}),
      general_sale_start: options.generalSaleStart ?? '2020-01-01T10:00:00Z',
      pricing_tiers: tiers,
      ...(options.maxTicketsPerOrder !== undefined
        ? { max_tickets_per_order: options.maxTicketsPerOrder }
        : {}),
      ...(options.restrictSingleSeat !== undefined
        ? { restrict_single_seat: options.restrictSingleSeat }
        : {}),
      ...(options.queue ? { queue: options.queue } : {}),
      ...options.extra,
    },
  });
  if (event.status !== 201) throw new Error(`event: ${event.status} ${event.text}`);
  let position = Number(event.headers.get('x-log-position'));
  if (options.publish !== false) {
    const published = await call('POST', `/v1/admin/events/${event.body.event_id}/publish`, {
      token: adminToken,
    });
    if (published.status !== 200) throw new Error(`publish: ${published.status} ${published.text}`);
    position = Number(published.headers.get('x-log-position'));
  }
  return { venueId: venue.body.venue_id, eventId: event.body.event_id, position };
}
