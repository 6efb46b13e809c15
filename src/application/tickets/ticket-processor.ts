import {
  ticketDecider,
  ticketStream,
  type TicketCommand,
  type TicketContext,
  type TicketEvent,
  type TicketState,
} from '../../domain/ticket/ticket';
import type { Clock } from '../ports/clock';
import type { EventStore } from '../ports/event-store';
import { clockedProcessor, StreamCommandProcessor } from '../shared/stream-command-processor';

/** The one command path of `ticket-{id}`. */
export type TicketProcessor = StreamCommandProcessor<TicketCommand, TicketEvent, TicketState, TicketContext>;

export function createTicketProcessor(store: EventStore, clock: Clock): TicketProcessor {
  // Fulfillment issues onto new streams: decided without reading them first (the append's no_stream checks).
  return clockedProcessor(store, clock, ticketStream, ticketDecider, { assumeNewStreams: true });
}
