import type { TicketedEventEvent } from '../../domain/ticketed-event/events';
import {
  ticketedEventDecider,
  type TicketedEventCommand,
  type TicketedEventContext,
} from '../../domain/ticketed-event/decide';
import { ticketedEventSnapshots, type TicketedEventState } from '../../domain/ticketed-event/state';
import { SeatIndex } from '../../domain/venue/seat-index';
import {
  venueDecider,
  type VenueCommand,
  type VenueEvent,
  type VenueLayout,
  type VenueState,
} from '../../domain/venue/venue';
import type { Clock } from '../ports/clock';
import type { EventStore } from '../ports/event-store';
import type { SnapshotStore } from '../ports/snapshot-store';
import { ProcessorOptions, StreamCommandProcessor } from '../shared/stream-command-processor';

export type VenueProcessor = StreamCommandProcessor<VenueCommand, VenueEvent, VenueState, void>;
export type TicketedEventProcessor = StreamCommandProcessor<
  TicketedEventCommand,
  TicketedEventEvent,
  TicketedEventState,
  TicketedEventContext
>;

export const venueStream = (id: string) => `venue-${id}`;
export const eventStream = (id: string) => `event-${id}`;

export function createVenueProcessor(store: EventStore): VenueProcessor {
  return new StreamCommandProcessor(store, {
    streamName: venueStream,
    decider: venueDecider,
    context: () => undefined,
  });
}

/** Seat indexes per venue, built once: venues never change after creation. */
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

export function createTicketedEventProcessor(
  store: EventStore,
  snapshots: SnapshotStore | undefined,
  seatIndexes: SeatIndexes,
  clock: Clock,
  options: ProcessorOptions = {},
): TicketedEventProcessor {
  return new StreamCommandProcessor(
    store,
    {
      streamName: eventStream,
      decider: ticketedEventDecider,
      snapshots: ticketedEventSnapshots,
      context: async (state) => ({
        now: clock.now(),
        seats: state.details ? await seatIndexes.get(state.details.venueId) : undefined,
      }),
    },
    snapshots,
    options,
  );
}
