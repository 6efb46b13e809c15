import type { RecordedEvent } from '../application/ports/event-store';
import type { ReadStore } from '../application/ports/read-store';

/**
 * One read model: handlers per event type, each updating documents incrementally and idempotently
 * (pass the event's position to `update`/`put` so a replayed event changes nothing).
 */
export interface Projection {
  name: string;
  handlers: Partial<Record<string, (event: RecordedEvent<any>, store: ReadStore) => Promise<void>>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}
