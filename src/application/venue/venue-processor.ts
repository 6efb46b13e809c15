import { SeatIndex } from '../../domain/venue/seat-index';
import {
  venueDecider,
  type VenueCommand,
  type VenueEvent,
  type VenueLayout,
  type VenueState,
} from '../../domain/venue/venue';
import type { EventStore } from '../ports/event-store';
import { StreamCommandProcessor } from '../shared/stream-command-processor';

/** The one command path of `venue-{id}`. */
export type VenueProcessor = StreamCommandProcessor<VenueCommand, VenueEvent, VenueState, void>;

export const venueStream = (id: string) => `venue-${id}`;

export function createVenueProcessor(store: EventStore): VenueProcessor {
  return new StreamCommandProcessor(store, {
    streamName: venueStream,
    decider: venueDecider,
    context: () => undefined,
  });
}

/** Seat indexes per venue, built once from the venue's stream: venues never change after creation. */
export class SeatIndexes {
  private readonly indexes = new Map<string, Promise<SeatIndex | undefined>>();
  constructor(private readonly venues: VenueProcessor) {}

  get(venueId: string): Promise<SeatIndex | undefined> {
    let index = this.indexes.get(venueId);
    if (!index) {
      index = this.venues
        .read(venueId)
        .then(({ state }) => (state.exists ? new SeatIndex(state.layout) : undefined));
      index
        .then((found) => found === undefined && this.indexes.delete(venueId))
        .catch(() => this.indexes.delete(venueId));
      this.indexes.set(venueId, index);
    }
    return index;
  }

  async layout(venueId: string): Promise<VenueLayout | undefined> {
    return (await this.get(venueId))?.layout;
  }
}
