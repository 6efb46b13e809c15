import type { Clock } from '../ports/clock';
import { readQueueFacts, type QueueProcessor } from '../queue/queue-processor';
import { queueEntryView } from '../queue/queue-service';
import type { TicketedEventProcessor } from '../ticketed-event/ticketed-event-processor';
import type { QueueFeed } from './queue-updates';

/**
 * Realtime's view of the waiting room: its entries as QueueService.status shows them (the same pure
 * queueEntryView), read from the room's state once for every connection that follows it, instead of one status()
 * call (facts + one store read) per connection. It decides nothing. The hub asks when an event of the room's stream
 * comes through the log, possibly appended by another process: the room's state is therefore read as the store
 * has it now (readFresh: the cached state plus whatever any process appended since), never from this process's
 * cache alone.
 */
export function queueFeed(deps: {
  rooms: QueueProcessor;
  events: TicketedEventProcessor;
  clock: Clock;
}): QueueFeed {
  const { rooms, events, clock } = deps;
  const room = async (eventId: string) => {
    const facts = await readQueueFacts(events, eventId);
    if (!facts?.settings.enabled) return undefined;
    await rooms.read(eventId); // cached, so that readFresh is one short read
    return { facts, state: (await rooms.readFresh(eventId)).state };
  };
  return {
    async entries(eventId, entryIds) {
      const found = await room(eventId);
      const out = new Map<string, ReturnType<typeof queueEntryView>>();
      if (!found) return out;
      const now = clock.now();
      for (const entryId of entryIds)
        if (found.state.entries.has(entryId))
          out.set(entryId, queueEntryView(found.state, eventId, entryId, found.facts, now));
      return out;
    },
    async closesAt(eventId) {
      const facts = await readQueueFacts(events, eventId);
      return facts?.settings.enabled ? facts.context.closesAt : undefined;
    },
    async liveEntries(eventId, userIds) {
      const found = await room(eventId);
      const out = new Map<string, string>();
      if (!found) return out;
      for (const userId of userIds) {
        const entryId = found.state.liveByUser.get(userId);
        if (entryId) out.set(userId, entryId);
      }
      return out;
    },
  };
}
