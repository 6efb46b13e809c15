import {
  ticketedEventDecider,
  type TicketedEventCommand,
  type TicketedEventContext,
} from '../../domain/ticketed-event/decide';
import type { TicketedEventEvent } from '../../domain/ticketed-event/events';
import { ticketedEventSnapshots, type TicketedEventState } from '../../domain/ticketed-event/state';
import type { Clock } from '../ports/clock';
import type { EventStore } from '../ports/event-store';
import type { SnapshotStore } from '../ports/snapshot-store';
import { ProcessorOptions, StreamCommandProcessor } from '../shared/stream-command-processor';
import type { SeatIndexes } from '../venue/venue-processor';

/**
 * The one command path of `event-{id}`: the event's schedule and prices, and every hold, release, sale and
 * return of its seats (holds are "reservations" at the API; see reservations/reservation-view.ts).
 */
export type TicketedEventProcessor = StreamCommandProcessor<
  TicketedEventCommand,
  TicketedEventEvent,
  TicketedEventState,
  TicketedEventContext
>;

export const eventStream = (id: string) => `event-${id}`;

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
