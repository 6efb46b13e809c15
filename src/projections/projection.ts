import type { RecordedEvent } from '../application/ports/event-store';
import type { ReadDocument, ReadStore } from '../application/ports/read-store';
import type { SeatsHeld, HoldReleased, SeatsSold, SeatsReturned } from '../domain/ticketed-event/events';

/**
 * One read model: handlers per event type, each updating documents incrementally and idempotently
 * (pass the event's position to `update`/`put` so a replayed event changes nothing).
 */
export interface Projection {
  name: string;
  handlers: Partial<Record<string, (event: RecordedEvent<any>, store: ReadStore) => Promise<void>>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A recorded event, typed by its domain event's data. */
export type Data<E extends { data: unknown }> = RecordedEvent<E['data']>;

/**
 * Sets fields on one document of `collection`, guarded by the event's position: a replayed event changes
 * nothing. Typed by the collection's document, so a field name or value the document does not have is refused.
 */
export function fieldSetter<D extends ReadDocument>(collection: string) {
  // Hands back the store's promise (whether the update applied) rather than awaiting it in an async layer of
  // its own: a rebuild calls this millions of times.
  return (
    store: ReadStore,
    event: RecordedEvent,
    id: string,
    fields: Partial<Omit<D, '_id' | '_position'>>,
  ): Promise<unknown> =>
    store.collection<D>(collection).update(id, { $set: fields }, { position: event.position });
}

/**
 * The event's recording time as ISO text. Several read models stamp the same seat movement with it; the last
 * answer is kept, so a rebuild formats each event's time once instead of once per read model.
 */
export function recordedAtIso(event: RecordedEvent): string {
  if (event !== lastStamped) {
    lastStamped = event;
    lastStamp = event.recordedAt.toISOString();
  }
  return lastStamp;
}
let lastStamped: RecordedEvent | undefined;
let lastStamp = '';

/** The events that move seats between available, held and sold: each names its event and its seats. */
export type SeatMovement = SeatsHeld | HoldReleased | SeatsSold | SeatsReturned;

/**
 * One handler per seat movement, from a table of what each movement means for a read model (a status, counter
 * deltas) and the one function that applies it.
 */
export function seatMovementHandlers<V>(
  table: Record<SeatMovement['type'], V>,
  apply: (store: ReadStore, event: Data<SeatMovement>, value: V) => Promise<void>,
): Projection['handlers'] {
  return Object.fromEntries(
    Object.entries(table).map(([type, value]) => [
      type,
      (event: Data<SeatMovement>, store: ReadStore) => apply(store, event, value as V),
    ]),
  );
}
