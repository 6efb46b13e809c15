import type { RecordedEvent } from '../application/ports/event-store';
import type {
  Filter,
  ReadCollection,
  ReadDocument,
  ReadStore,
  Update,
} from '../application/ports/read-store';
import type { SeatsHeld, HoldReleased, SeatsSold, SeatsReturned } from '../domain/ticketed-event/events';

/**
 * One read model: handlers per event type, each updating documents incrementally and idempotently
 * (pass the event's position to `update`/`put` so a replayed event changes nothing). A handler returns nothing
 * when it applied the event at once (a store answering synchronously: see `now` below), else a promise: a
 * rebuild then awaits only the handlers that had to wait.
 */
export interface Projection {
  name: string;
  /** The other read models whose documents its handlers read (a replay in threads keeps them together). */
  reads?: readonly string[];
  /**
   * What folding an on-sale log costs (1 when unsaid; see ReplayProjection.replayWeight): spreads read models over
   * replay threads.
   */
  replayWeight?: number;
  handlers: Partial<Record<string, (event: RecordedEvent<any>, store: ReadStore) => Awaitable<void>>>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** A value now, or a promise of it. */
export type Awaitable<T> = T | Promise<T>;

const ignore = () => undefined;
/** A promise, or any thenable an adapter's driver hands back (documents are plain data: none has a `then`). */
const isPromise = <T>(value: Awaitable<T>): value is Promise<T> =>
  typeof (value as { then?: unknown } | null | undefined)?.then === 'function';

/** `f` of the value: at once when there is one, else once the promise settled. */
export function andThen<T, R>(value: Awaitable<T>, f: (value: T) => Awaitable<R>): Awaitable<R> {
  return isPromise(value) ? value.then(f) : f(value);
}

/** `f` on each item in order, each after the previous one settled; synchronous as long as `f` answers at once. */
export function eachInOrder<T>(
  items: readonly T[],
  f: (item: T) => Awaitable<unknown>,
  from = 0,
): Awaitable<void> {
  for (let i = from; i < items.length; i += 1) {
    const done = f(items[i]);
    if (isPromise(done)) return done.then(() => eachInOrder(items, f, i + 1));
  }
}

/** Steps run in order, each after the previous one settled (see eachInOrder). */
export const inOrder = (...steps: Array<() => Awaitable<unknown>>): Awaitable<void> =>
  eachInOrder(steps, (step) => step());

/**
 * A collection's operations as projections use them: at once on a store holding its documents in memory
 * (`ReadCollection.now`), through the promise otherwise.
 */
export const docs = {
  get: <D extends ReadDocument>(c: ReadCollection<D>, id: string): Awaitable<D | null> =>
    c.now ? c.now.get(id) : c.get(id),
  find: <D extends ReadDocument>(c: ReadCollection<D>, filter: Filter): Awaitable<D[]> =>
    c.now ? c.now.find(filter) : c.find(filter),
  put: <D extends ReadDocument>(c: ReadCollection<D>, doc: NoInfer<D>): Awaitable<void> =>
    c.now ? c.now.put(doc) : c.put(doc),
  /** Whether it applied is not handed back: a handler answers nothing when done at once. */
  update: <D extends ReadDocument>(
    c: ReadCollection<D>,
    id: string,
    update: Update,
    options?: { position?: number; upsert?: boolean },
  ): Awaitable<void> => {
    if (!c.now) return c.update(id, update, options).then(ignore);
    c.now.update(id, update, options);
  },
  delete: <D extends ReadDocument>(c: ReadCollection<D>, id: string): Awaitable<void> =>
    c.now ? c.now.delete(id) : c.delete(id),
};

/** A recorded event, typed by its domain event's data. */
export type Data<E extends { data: unknown }> = RecordedEvent<E['data']>;

/**
 * Sets fields on one document of `collection`, guarded by the event's position: a replayed event changes
 * nothing. Typed by the collection's document, so a field name or value the document does not have is refused.
 */
export function fieldSetter<D extends ReadDocument>(collection: string) {
  // Hands back the store's answer rather than awaiting it in an async layer of its own: a rebuild calls this
  // millions of times.
  return (
    store: ReadStore,
    event: RecordedEvent,
    id: string,
    fields: Partial<Omit<D, '_id' | '_position'>>,
  ): Awaitable<void> =>
    docs.update(store.collection<D>(collection), id, { $set: fields }, { position: event.position });
}

/**
 * The event's recording time as ISO text. Several read models stamp the same seat movement with it; the last
 * answer is kept, so a rebuild formats each event's time once instead of once per read model.
 */
export function recordedAtIso(event: RecordedEvent): string {
  if (event !== lastStamped) {
    lastStamped = event;
    // Events committed together share their time: formatted once for all of them.
    const ms = event.recordedAt.getTime();
    if (ms !== lastStampedMs) lastStamp = event.recordedAt.toISOString();
    lastStampedMs = ms;
  }
  return lastStamp;
}
let lastStamped: RecordedEvent | undefined;
let lastStampedMs = NaN;
let lastStamp = '';

/**
 * `${prefix}.${index}.${field}`, built once: counters move millions of times in a rebuild, always on the same few
 * paths, and a string made once is hashed once by the store's path cache.
 */
export function indexedPath(prefix: string, index: number, field: string): string {
  let byField = indexedPaths.get(prefix);
  if (!byField) indexedPaths.set(prefix, (byField = new Map()));
  let paths = byField.get(field);
  if (!paths) byField.set(field, (paths = []));
  return (paths[index] ??= `${prefix}.${index}.${field}`);
}
const indexedPaths = new Map<string, Map<string, string[]>>();

/** The events that move seats between available, held and sold: each names its event and its seats. */
export type SeatMovement = SeatsHeld | HoldReleased | SeatsSold | SeatsReturned;

/**
 * One handler per seat movement, from a table of what each movement means for a read model (a status, counter
 * deltas) and the one function that applies it.
 */
export function seatMovementHandlers<V>(
  table: Record<SeatMovement['type'], V>,
  apply: (store: ReadStore, event: Data<SeatMovement>, value: V) => Awaitable<void>,
): Projection['handlers'] {
  return Object.fromEntries(
    Object.entries(table).map(([type, value]) => [
      type,
      (event: Data<SeatMovement>, store: ReadStore) => apply(store, event, value as V),
    ]),
  );
}
