import type { Observer } from 'rxjs';
import type { RecordedEvent } from '../application/ports/event-store';
import type { Projection } from './projection';

/**
 * Not a read model: hands the given event types on (to the realtime hub) once the runner has applied them to
 * every projection listed before this one, so a count read from the seat map then includes the event.
 */
export function forwardApplied(types: readonly string[], to: Observer<RecordedEvent>): Projection {
  const forward = async (event: RecordedEvent) => to.next(event);
  return { name: 'realtime-feed', handlers: Object.fromEntries(types.map((type) => [type, forward])) };
}
