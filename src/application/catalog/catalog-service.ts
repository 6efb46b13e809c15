import type { CreateEvent } from '../../domain/ticketed-event/decide';
import type { EventCreated } from '../../domain/ticketed-event/events';
import { fail } from '../../domain/shared/errors';
import type { VenueCreated, VenueLayout } from '../../domain/venue/venue';
import type { IdGenerator } from '../ports/id-generator';
import type { CommandMetadata } from '../shared/command-metadata';
import type { TicketedEventProcessor } from '../ticketed-event/ticketed-event-processor';
import type { SeatIndexes, VenueProcessor } from '../venue/venue-processor';

export interface NewVenue {
  /** Given by scripts that must be idempotent (the seed); otherwise a new UUID. */
  venueId?: string;
  name: string;
  city: string;
  state: string;
  country: string;
  sections: Array<{ name: string; rows: Array<{ row: string; seats: number }> }>;
}

export type NewEvent = Omit<CreateEvent, 'type' | 'venue' | 'eventId' | 'tiers'> & {
  eventId?: string;
  venueId: string;
  tiers: Array<{ name: string; priceCents: number; feesCents: number; sections: string[] }>;
};

/** Admin commands on the catalog: venues and events. */
export class CatalogService {
  constructor(
    private readonly venues: VenueProcessor,
    private readonly events: TicketedEventProcessor,
    private readonly seatIndexes: SeatIndexes,
    private readonly ids: IdGenerator,
  ) {}

  async createVenue(
    input: NewVenue,
    metadata: CommandMetadata,
  ): Promise<{ venue: VenueLayout; position: number }> {
    const venueId = input.venueId ?? this.ids.uuid();
    const outcome = await this.venues.execute(venueId, { ...input, type: 'CreateVenue', venueId }, metadata);
    return { venue: (outcome.events[0] as VenueCreated).data, position: outcome.position };
  }

  async createEvent(
    input: NewEvent,
    metadata: CommandMetadata,
  ): Promise<{ event: EventCreated['data']; position: number }> {
    const venue = await this.seatIndexes.layout(input.venueId);
    if (!venue) fail('VENUE_NOT_FOUND', `Venue ${input.venueId} not found`, { venue_id: input.venueId });
    const eventId = input.eventId ?? this.ids.uuid();
    const { venueId: _venueId, tiers, ...rest } = input;
    const outcome = await this.events.execute(
      eventId,
      {
        ...rest,
        type: 'CreateEvent',
        eventId,
        venue,
        tiers: tiers.map((tier, i) => ({ ...tier, tierId: `${eventId}-t${i + 1}` })),
      },
      metadata,
    );
    return { event: (outcome.events[0] as EventCreated).data, position: outcome.position };
  }

  async publish(eventId: string, metadata: CommandMetadata): Promise<{ position: number }> {
    const { position } = await this.events.execute(eventId, { type: 'PublishEvent' }, metadata);
    return { position };
  }

  async cancel(eventId: string, reason: string, metadata: CommandMetadata): Promise<{ position: number }> {
    const { position } = await this.events.execute(eventId, { type: 'CancelEvent', reason }, metadata);
    return { position };
  }
}
