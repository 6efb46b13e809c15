import { fail } from '../../domain/shared/errors';
import { queueDecider, type QueueCommand, type QueueContext } from '../../domain/queue/decide';
import type { QueueEvent } from '../../domain/queue/events';
import { resolveQueueSettings, type QueueSettings } from '../../domain/queue/settings';
import { queueSnapshots, type QueueState } from '../../domain/queue/state';
import type { TicketedEventState } from '../../domain/ticketed-event/state';
import { saleOpensAt } from '../../domain/ticketed-event/partner-settings';
import type { EventStore } from '../ports/event-store';
import type { SnapshotStore } from '../ports/snapshot-store';
import { ProcessorOptions, StreamCommandProcessor } from '../shared/stream-command-processor';
import type { TicketedEventProcessor } from '../ticketed-event/ticketed-event-processor';

/** The one command path of `queue-{eventId}`: the waiting room of one ticketed event. */
export type QueueProcessor = StreamCommandProcessor<QueueCommand, QueueEvent, QueueState, QueueContext>;

const QUEUE_STREAM_PREFIX = 'queue-';
export const queueStream = (eventId: string) => `${QUEUE_STREAM_PREFIX}${eventId}`;

/** The event id whose waiting room a stream is, or undefined for any other stream. */
export const roomOfStream = (stream: string): string | undefined =>
  stream.startsWith(QUEUE_STREAM_PREFIX) ? stream.slice(QUEUE_STREAM_PREFIX.length) : undefined;

/** What the room needs to know about its ticketed event, read from the event's write side. */
export interface QueueFacts {
  context: QueueContext;
  settings: QueueSettings;
}

/**
 * The room's facts from the ticketed event's state (its stream, never a read model), or undefined when the
 * event does not exist or is not published. `opensAt` is the moment SALE_NOT_OPEN stops being decided for a
 * reserve (the presale if any, else the general sale); `closesAt` when the event starts.
 */
export function queueFactsOf(eventId: string, event: TicketedEventState): QueueFacts | undefined {
  const details = event.details;
  if (!details || event.status === 'DRAFT') return undefined;
  const settings = resolveQueueSettings(details.queue);
  return {
    settings,
    context: {
      eventId,
      opensAt: new Date(saleOpensAt(details)),
      closesAt: new Date(details.date),
      cancelled: event.status === 'CANCELLED',
      settings,
    },
  };
}

/**
 * Concurrent first reads of one stream share one load: the processor's read() folds a stream that is not cached
 * yet once per caller, and a thousand polls arriving after a restart would fold a big stream a thousand times.
 */
export function sharedReads<T>(read: (id: string) => Promise<T>): (id: string) => Promise<T> {
  const loading = new Map<string, Promise<T>>();
  return (id) => {
    let pending = loading.get(id);
    if (!pending) {
      pending = read(id).finally(() => loading.delete(id));
      loading.set(id, pending);
    }
    return pending;
  };
}

const warmEvents = new WeakMap<TicketedEventProcessor, (id: string) => Promise<unknown>>();

/**
 * The state of a stream as the store has it now, kept in the processor's cache: read() caches it (readFresh alone
 * would fold an uncached stream on every call), then readFresh costs one short read to see whether another process
 * appended since.
 */
export async function readCachedFresh<S>(
  processor: { read(id: string): Promise<{ state: S }>; readFresh(id: string): Promise<{ state: S }> },
  warm: (id: string) => Promise<unknown>,
  id: string,
): Promise<S> {
  await warm(id);
  return (await processor.readFresh(id)).state;
}

/** The facts as the event's stream has them now (another process may have cancelled it). */
export async function readQueueFacts(
  events: TicketedEventProcessor,
  eventId: string,
): Promise<QueueFacts | undefined> {
  let warm = warmEvents.get(events);
  if (!warm) warmEvents.set(events, (warm = sharedReads((id) => events.read(id))));
  return queueFactsOf(eventId, await readCachedFresh(events, warm, eventId));
}

export function createQueueProcessor(
  store: EventStore,
  snapshots: SnapshotStore | undefined,
  events: TicketedEventProcessor,
  options: ProcessorOptions = {},
): QueueProcessor {
  return new StreamCommandProcessor(
    store,
    {
      streamName: queueStream,
      decider: queueDecider,
      snapshots: queueSnapshots,
      // Once per batch: one short read of the event's stream when its cached state is current.
      context: async (_state, eventId) => {
        const facts = await readQueueFacts(events, eventId);
        if (!facts) fail('EVENT_NOT_FOUND', 'Event not found');
        return facts.context;
      },
    },
    snapshots,
    options,
  );
}
